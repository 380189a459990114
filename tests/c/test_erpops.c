/*
 * C conformance suite for libERPOps.
 *
 * Runs the shared signature vectors (TSV mirrors of the tests/vectors JSON files made by
 * tests/vectors/generate/tsv.py) and every status path of the C API: NULL
 * arguments, too-small buffers, empty secrets, the streaming signer, versions.
 * Built with -Wall -Wextra -Werror, linked once statically and once dynamically,
 * and run under valgrind by `make test-c`.
 *
 * usage: test_erpops VECTOR_DIR
 */
#include "erpops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

#define CHECK(cond, ...)                                                  \
    do {                                                                  \
        if (cond) {                                                       \
            passed++;                                                     \
        } else {                                                          \
            failed++;                                                     \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);          \
            fprintf(stderr, __VA_ARGS__);                                 \
            fputc('\n', stderr);                                          \
        }                                                                 \
    } while (0)

#define CHECK_STATUS(got, want, what)                                            \
    CHECK((got) == (want), "%s: got %s (%d), want %s (%d)", what,               \
          erpops_status_name(got), (int)(got), erpops_status_name(want), (int)(want))

/* ---- small helpers ---------------------------------------------------- */

static size_t unhex(const char *hex, uint8_t **out) {
    size_t n = strlen(hex) / 2;
    uint8_t *buf = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        buf[i] = (uint8_t)v;
    }
    *out = buf;
    return n;
}

/* Splits a line on tabs in place; empty fields are kept. */
static int split(char *line, char **fields, int max) {
    int n = 0;
    fields[n++] = line;
    for (char *p = line; *p && n < max; p++) {
        if (*p == '\t') {
            *p = '\0';
            fields[n++] = p + 1;
        } else if (*p == '\n') {
            *p = '\0';
        }
    }
    char *last = fields[n - 1];
    last[strcspn(last, "\n")] = '\0';
    return n;
}

static const char *last_error(void) {
    static char buf[1024];
    size_t len = 0;
    if (erpops_last_error_message(buf, sizeof buf, &len) != ERPOPS_STATUS_OK) return "?";
    return buf;
}

/* ---- shared vectors --------------------------------------------------- */

static void run_sign_vectors(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/sign.tsv", dir);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "cannot open %s", path);
    if (!f) return;
    static char line[65536];
    int cases = 0;
    while (fgets(line, sizeof line, f)) {
        char *c[4];
        if (split(line, c, 4) != 4) continue;
        uint8_t *secret, *body;
        size_t secret_len = unhex(c[1], &secret), body_len = unhex(c[2], &body);
        char header[ERPOPS_SIGNATURE_HEADER_LEN + 1];
        size_t len = 0;
        erpops_status s = erpops_sign(secret, secret_len, body, body_len, header, sizeof header, &len);
        CHECK_STATUS(s, ERPOPS_STATUS_OK, c[0]);
        CHECK(len == ERPOPS_SIGNATURE_HEADER_LEN && strcmp(header, c[3]) == 0,
              "sign %s: got %s want %s", c[0], header, c[3]);

        /* The signer handle: one-shot and streamed byte-ranges agree. */
        erpops_signer *signer = NULL;
        CHECK_STATUS(erpops_signer_new(secret, secret_len, &signer), ERPOPS_STATUS_OK, c[0]);
        char h2[ERPOPS_SIGNATURE_HEADER_LEN];
        size_t l2 = 0;
        CHECK_STATUS(erpops_signer_sign(signer, body, body_len, h2, sizeof h2, &l2), ERPOPS_STATUS_OK, c[0]);
        CHECK(l2 == 71 && memcmp(h2, c[3], 71) == 0, "signer_sign %s", c[0]);
        for (size_t at = 0; at < body_len; at += 5) {
            size_t n = body_len - at < 5 ? body_len - at : 5;
            CHECK_STATUS(erpops_signer_update(signer, body + at, n), ERPOPS_STATUS_OK, c[0]);
        }
        CHECK(erpops_signer_bytes_fed(signer) == body_len, "bytes_fed %s", c[0]);
        CHECK_STATUS(erpops_signer_finish(signer, h2, sizeof h2, &l2), ERPOPS_STATUS_OK, c[0]);
        CHECK(memcmp(h2, c[3], 71) == 0, "streamed %s", c[0]);
        erpops_signer_free(signer);
        free(secret);
        free(body);
        cases++;
    }
    fclose(f);
    CHECK(cases >= 20, "only %d sign vectors read", cases);
}

static erpops_status status_for(const char *code) {
    if (strcmp(code, "ok") == 0) return ERPOPS_STATUS_OK;
    if (strcmp(code, "signature_missing") == 0) return ERPOPS_STATUS_SIGNATURE_MISSING;
    if (strcmp(code, "signature_malformed") == 0) return ERPOPS_STATUS_SIGNATURE_MALFORMED;
    if (strcmp(code, "signature_mismatch") == 0) return ERPOPS_STATUS_SIGNATURE_MISMATCH;
    return -1;
}

static void run_verify_vectors(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/verify.tsv", dir);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "cannot open %s", path);
    if (!f) return;
    static char line[65536];
    int cases = 0;
    while (fgets(line, sizeof line, f)) {
        char *c[6];
        if (split(line, c, 6) != 6) continue;
        const uint8_t *keys[8];
        size_t lens[8];
        uint8_t *owned[8];
        size_t count = 0;
        if (strcmp(c[1], "-") != 0) {
            for (char *tok = strtok(c[1], ","); tok && count < 8; tok = strtok(NULL, ",")) {
                lens[count] = unhex(tok, &owned[count]);
                keys[count] = owned[count];
                count++;
            }
        }
        uint8_t *body, *header = NULL;
        size_t body_len = unhex(c[2], &body), header_len = 0;
        if (strcmp(c[3], "-") != 0) header_len = unhex(c[3], &header);
        size_t index = 999;
        erpops_status s = erpops_verify(count ? keys : NULL, count ? lens : NULL, count, body,
                                        body_len, header, header_len, &index);
        CHECK_STATUS(s, status_for(c[4]), c[0]);
        if (s == ERPOPS_STATUS_OK) {
            CHECK(index == (size_t)atoi(c[5]), "%s: matched index %zu, want %s", c[0], index, c[5]);
        } else {
            CHECK(strlen(last_error()) > 0, "%s: no last error message", c[0]);
        }
        for (size_t i = 0; i < count; i++) free(owned[i]);
        free(body);
        free(header);
        cases++;
    }
    fclose(f);
    CHECK(cases >= 30, "only %d verify vectors read", cases);
}

/* ---- status paths ----------------------------------------------------- */

static const uint8_t SECRET[] = "whsec_c_suite";
static const uint8_t BODY[] = "{\"event_type\":\"integration.failed\"}";
#define SECRET_LEN (sizeof SECRET - 1)
#define BODY_LEN (sizeof BODY - 1)

static void test_null_arguments(void) {
    char header[80];
    size_t len = 0;
    CHECK_STATUS(erpops_sign(NULL, 5, BODY, BODY_LEN, header, sizeof header, &len),
                 ERPOPS_STATUS_NULL_ARGUMENT, "NULL secret with length");
    CHECK(strstr(last_error(), "secret") != NULL, "message names the argument: %s", last_error());
    CHECK_STATUS(erpops_sign(NULL, 0, BODY, BODY_LEN, header, sizeof header, &len),
                 ERPOPS_STATUS_SECRET_EMPTY, "NULL secret of length 0 is empty");
    CHECK_STATUS(erpops_sign(SECRET, SECRET_LEN, NULL, 3, header, sizeof header, &len),
                 ERPOPS_STATUS_NULL_ARGUMENT, "NULL body with length");
    CHECK_STATUS(erpops_sign(SECRET, SECRET_LEN, NULL, 0, header, sizeof header, &len),
                 ERPOPS_STATUS_OK, "NULL body of length 0 is the empty body");
    CHECK_STATUS(erpops_sign(SECRET, SECRET_LEN, BODY, BODY_LEN, header, sizeof header, NULL),
                 ERPOPS_STATUS_NULL_ARGUMENT, "NULL out_len");
    CHECK_STATUS(erpops_sign(SECRET, SECRET_LEN, BODY, BODY_LEN, NULL, 80, &len),
                 ERPOPS_STATUS_NULL_ARGUMENT, "NULL output with capacity");
    CHECK_STATUS(erpops_verify(NULL, NULL, 1, BODY, BODY_LEN, NULL, 0, NULL),
                 ERPOPS_STATUS_NULL_ARGUMENT, "NULL secret array with count 1");
    CHECK_STATUS(erpops_signer_new(SECRET, SECRET_LEN, NULL), ERPOPS_STATUS_NULL_ARGUMENT,
                 "signer_new NULL out");
    CHECK_STATUS(erpops_signer_update(NULL, BODY, BODY_LEN), ERPOPS_STATUS_NULL_ARGUMENT,
                 "update NULL signer");
    CHECK_STATUS(erpops_signer_finish(NULL, header, sizeof header, &len), ERPOPS_STATUS_NULL_ARGUMENT,
                 "finish NULL signer");
    CHECK_STATUS(erpops_signer_sign(NULL, BODY, BODY_LEN, header, sizeof header, &len),
                 ERPOPS_STATUS_NULL_ARGUMENT, "sign NULL signer");
    CHECK_STATUS(erpops_signer_reset(NULL), ERPOPS_STATUS_NULL_ARGUMENT, "reset NULL signer");
    CHECK(erpops_signer_bytes_fed(NULL) == 0, "bytes_fed(NULL) is 0");
    erpops_signer_free(NULL); /* must not crash */
    CHECK_STATUS(erpops_last_error_message(NULL, 0, NULL), ERPOPS_STATUS_NULL_ARGUMENT,
                 "last_error NULL out_len");
}

static void test_buffers(void) {
    char small[70];
    size_t len = 0;
    memset(small, 'x', sizeof small);
    CHECK_STATUS(erpops_sign(SECRET, SECRET_LEN, BODY, BODY_LEN, small, sizeof small, &len),
                 ERPOPS_STATUS_BUFFER_TOO_SMALL, "70-byte buffer");
    CHECK(len == ERPOPS_SIGNATURE_HEADER_LEN, "needed size reported: %zu", len);
    CHECK(small[0] == 'x' && small[69] == 'x', "nothing written to a too-small buffer");
    len = 0;
    CHECK_STATUS(erpops_sign(SECRET, SECRET_LEN, BODY, BODY_LEN, NULL, 0, &len),
                 ERPOPS_STATUS_BUFFER_TOO_SMALL, "size query with NULL/0");
    CHECK(len == 71, "size query gives 71: %zu", len);

    char exact[71];
    CHECK_STATUS(erpops_sign(SECRET, SECRET_LEN, BODY, BODY_LEN, exact, sizeof exact, &len),
                 ERPOPS_STATUS_OK, "exact-size buffer, no room for NUL");
    char roomy[80];
    memset(roomy, 'x', sizeof roomy);
    CHECK_STATUS(erpops_sign(SECRET, SECRET_LEN, BODY, BODY_LEN, roomy, sizeof roomy, &len),
                 ERPOPS_STATUS_OK, "roomy buffer");
    CHECK(memcmp(exact, roomy, 71) == 0 && roomy[71] == '\0' && roomy[72] == 'x',
          "NUL written after the output only");

    /* finish with a small buffer consumes nothing */
    erpops_signer *s = NULL;
    CHECK_STATUS(erpops_signer_new(SECRET, SECRET_LEN, &s), ERPOPS_STATUS_OK, "signer_new");
    CHECK_STATUS(erpops_signer_update(s, BODY, BODY_LEN), ERPOPS_STATUS_OK, "update");
    CHECK_STATUS(erpops_signer_finish(s, small, sizeof small, &len), ERPOPS_STATUS_BUFFER_TOO_SMALL,
                 "finish too small");
    CHECK(erpops_signer_bytes_fed(s) == BODY_LEN, "state kept after a too-small finish");
    CHECK_STATUS(erpops_signer_finish(s, roomy, sizeof roomy, &len), ERPOPS_STATUS_OK, "finish");
    CHECK(memcmp(roomy, exact, 71) == 0, "streamed equals one-shot");
    CHECK(erpops_signer_bytes_fed(s) == 0, "finish starts a new body");
    CHECK_STATUS(erpops_signer_update(s, BODY, 3), ERPOPS_STATUS_OK, "update");
    CHECK_STATUS(erpops_signer_reset(s), ERPOPS_STATUS_OK, "reset");
    CHECK_STATUS(erpops_signer_finish(s, roomy, sizeof roomy, &len), ERPOPS_STATUS_OK, "finish");
    char empty[72];
    CHECK_STATUS(erpops_sign(SECRET, SECRET_LEN, NULL, 0, empty, sizeof empty, &len), ERPOPS_STATUS_OK,
                 "sign empty");
    CHECK(memcmp(roomy, empty, 71) == 0, "reset discards the body");
    erpops_signer_free(s);

    char msg[8];
    CHECK_STATUS(erpops_sign(NULL, 0, NULL, 0, msg, sizeof msg, &len), ERPOPS_STATUS_SECRET_EMPTY, "empty");
    CHECK_STATUS(erpops_last_error_message(msg, sizeof msg, &len), ERPOPS_STATUS_BUFFER_TOO_SMALL,
                 "last error into 8 bytes");
    CHECK(len > 8, "last error size reported: %zu", len);
}

static void test_secrets_and_verify(void) {
    char header[72];
    size_t len = 0;
    CHECK_STATUS(erpops_sign(SECRET, 0, BODY, BODY_LEN, header, sizeof header, &len),
                 ERPOPS_STATUS_SECRET_EMPTY, "empty secret");
    CHECK(strstr(last_error(), "empty") != NULL, "empty secret explained: %s", last_error());
    erpops_signer *s = NULL;
    CHECK_STATUS(erpops_signer_new(SECRET, 0, &s), ERPOPS_STATUS_SECRET_EMPTY, "signer with empty secret");
    CHECK(s == NULL, "no handle on failure");

    CHECK_STATUS(erpops_sign(SECRET, SECRET_LEN, BODY, BODY_LEN, header, sizeof header, &len),
                 ERPOPS_STATUS_OK, "sign");
    const uint8_t *keys[2] = {(const uint8_t *)"other", SECRET};
    size_t lens[2] = {5, SECRET_LEN};
    size_t index = 99;
    CHECK_STATUS(erpops_verify(keys, lens, 2, BODY, BODY_LEN, (const uint8_t *)header, len, &index),
                 ERPOPS_STATUS_OK, "rotation");
    CHECK(index == 1, "second secret matched: %zu", index);
    CHECK_STATUS(erpops_verify(keys, lens, 2, BODY, BODY_LEN, (const uint8_t *)header, len, NULL),
                 ERPOPS_STATUS_OK, "matched_index is optional");
    CHECK_STATUS(erpops_verify(keys, lens, 1, BODY, BODY_LEN, (const uint8_t *)header, len, NULL),
                 ERPOPS_STATUS_SIGNATURE_MISMATCH, "wrong secret");
    CHECK(strstr(last_error(), "exactly as sent") != NULL, "mismatch explained: %s", last_error());
    CHECK(strstr(last_error(), "whsec") == NULL, "secret never in messages");
    size_t zero = 0;
    const uint8_t *empty_key[1] = {SECRET};
    CHECK_STATUS(erpops_verify(empty_key, &zero, 1, BODY, BODY_LEN, (const uint8_t *)header, len, NULL),
                 ERPOPS_STATUS_SECRET_EMPTY, "empty candidate secret");
    CHECK_STATUS(erpops_verify(NULL, NULL, 0, BODY, BODY_LEN, (const uint8_t *)header, len, NULL),
                 ERPOPS_STATUS_SIGNATURE_MISMATCH, "no candidates");
    CHECK_STATUS(erpops_verify(keys, lens, 2, BODY, BODY_LEN, NULL, 0, NULL),
                 ERPOPS_STATUS_SIGNATURE_MISSING, "no header");
    CHECK_STATUS(erpops_verify(keys, lens, 2, BODY, BODY_LEN, (const uint8_t *)"sha256=zz", 9, NULL),
                 ERPOPS_STATUS_SIGNATURE_MALFORMED, "malformed header");
    CHECK(strstr(last_error(), "64 hex digits") != NULL || strstr(last_error(), "hex digit") != NULL,
          "malformed explained: %s", last_error());
    /* a success clears the last error */
    CHECK_STATUS(erpops_sign(SECRET, SECRET_LEN, BODY, BODY_LEN, header, sizeof header, &len),
                 ERPOPS_STATUS_OK, "sign");
    CHECK(strlen(last_error()) == 0, "last error cleared by a successful call");
}

static void test_names_and_versions(void) {
    CHECK(strcmp(erpops_status_name(ERPOPS_STATUS_OK), "ok") == 0, "name of OK");
    CHECK(strcmp(erpops_status_name(ERPOPS_STATUS_SIGNATURE_MISMATCH), "signature_mismatch") == 0,
          "name of mismatch");
    CHECK(strcmp(erpops_status_name(ERPOPS_STATUS_BUFFER_TOO_SMALL), "buffer_too_small") == 0,
          "name of too small");
    CHECK(strcmp(erpops_status_name(12345), "unknown") == 0, "unknown number");
    CHECK(strcmp(erpops_status_name(-1), "unknown") == 0, "negative number");
    CHECK(strlen(erpops_status_message(ERPOPS_STATUS_INTERNAL)) > 10, "message of INTERNAL");
    CHECK(strcmp(erpops_status_message(4242), "unknown status number") == 0, "unknown message");
    CHECK(erpops_abi_version() == ERPOPS_ABI_VERSION, "ABI %u vs header %d", erpops_abi_version(),
          ERPOPS_ABI_VERSION);
    char want[64];
    snprintf(want, sizeof want, "libERPOps/%s", ERPOPS_VERSION_STRING);
    CHECK(strcmp(erpops_version(), want) == 0, "version %s vs %s", erpops_version(), want);
    CHECK(ERPOPS_VERSION_NUMBER ==
              ((ERPOPS_VERSION_MAJOR << 16) | (ERPOPS_VERSION_MINOR << 8) | ERPOPS_VERSION_PATCH),
          "packed version");
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s VECTOR_DIR\n", argv[0]);
        return 2;
    }
    run_sign_vectors(argv[1]);
    run_verify_vectors(argv[1]);
    test_null_arguments();
    test_buffers();
    test_secrets_and_verify();
    test_names_and_versions();
    printf("c: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
