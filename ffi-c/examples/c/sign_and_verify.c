#include <erpops.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    const char *secret = "whsec_from_the_admin_console";
    const char *body = "{\"connector_id\":\"3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d\","
                       "\"event_type\":\"integration.failed\",\"timestamp\":\"2026-04-20T03:00:00Z\"}";
    if (erpops_abi_version() != ERPOPS_ABI_VERSION) return 1;

    char header[ERPOPS_SIGNATURE_HEADER_LEN + 1];  /* +1: room for the NUL */
    size_t len = 0;
    erpops_status s = erpops_sign((const uint8_t *)secret, strlen(secret),
                                  (const uint8_t *)body, strlen(body),
                                  header, sizeof header, &len);
    if (s != ERPOPS_STATUS_OK) {
        char msg[512]; size_t n = 0;
        if (erpops_last_error_message(msg, sizeof msg, &n) == ERPOPS_STATUS_OK)
            fprintf(stderr, "%s: %s\n", erpops_status_name(s), msg);
        return 1;
    }
    printf("X-ERPOps-Signature: %s\n", header);   /* sha256=<64 hex> */

    /* Receiver side: current and previous secret during a rotation. */
    const uint8_t *secrets[2] = {(const uint8_t *)secret, (const uint8_t *)"previous"};
    size_t lens[2] = {strlen(secret), 8}, which = 0;
    s = erpops_verify(secrets, lens, 2, (const uint8_t *)body, strlen(body),
                      (const uint8_t *)header, len, &which);
    return s == ERPOPS_STATUS_OK ? 0 : 1;
}
