/*
 * erpops_sign / erpops_signer_sign / erpops_verify against OpenSSL, same process, same body.
 *
 * Anchors (each produces the same "sha256=<hex>" header a sender needs, so hex encoding
 * is counted on both sides):
 *   - OpenSSL HMAC() one-shot (keys every call)
 *   - OpenSSL EVP_MAC with the MAC fetched and the context keyed once, re-initialised per
 *     message with EVP_MAC_init(ctx, NULL, 0, NULL): OpenSSL's fastest path.
 * Prints one line per implementation: median ns/op over several rounds, and the ratio to
 * the faster anchor. Not a test: timings are never asserted.
 *
 * usage: bench_sign [--json OUT] [BODY_FILE]
 *   --json OUT also writes the rows as JSON (read by benches/report.py for BENCHMARKS.md).
 */
#define _POSIX_C_SOURCE 200809L
#include "erpops.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS 7

static const char SEED_BODY[] =
    "{\"connector_id\":\"3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d\",\"event_type\":\"integration.failed\","
    "\"timestamp\":\"2026-04-20T03:00:00Z\",\"severity\":\"error\",\"source\":\"PSFT_PAYROLL_BATCH\","
    "\"message\":\"Exit code 1 at record 18441\",\"metadata\":{\"exit_code\":1,"
    "\"records_processed\":18441,\"records_total\":40000}}";
static const unsigned char KEY[] = "whsec_erpops_benchmark_secret_0123456789";
#define KEY_LEN (sizeof KEY - 1)

static const unsigned char *body;
static size_t body_len;
static volatile unsigned sink;

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void to_header(const unsigned char mac[32], char out[71]) {
    static const char digits[] = "0123456789abcdef";
    memcpy(out, "sha256=", 7);
    for (int i = 0; i < 32; i++) {
        out[7 + 2 * i] = digits[mac[i] >> 4];
        out[8 + 2 * i] = digits[mac[i] & 15];
    }
}

typedef void (*op_fn)(void);

static erpops_signer *signer;
static EVP_MAC_CTX *evp_ctx;
static char verify_header[72];

static void op_erpops_sign(void) {
    char h[72];
    size_t n;
    if (erpops_sign(KEY, KEY_LEN, body, body_len, h, sizeof h, &n) != ERPOPS_STATUS_OK) abort();
    sink += (unsigned char)h[70];
}

static void op_erpops_signer_sign(void) {
    char h[72];
    size_t n;
    if (erpops_signer_sign(signer, body, body_len, h, sizeof h, &n) != ERPOPS_STATUS_OK) abort();
    sink += (unsigned char)h[70];
}

static void op_erpops_verify(void) {
    const uint8_t *keys[1] = {KEY};
    size_t lens[1] = {KEY_LEN};
    if (erpops_verify(keys, lens, 1, body, body_len, (const uint8_t *)verify_header, 71, NULL) !=
        ERPOPS_STATUS_OK)
        abort();
    sink++;
}

static void op_openssl_hmac(void) {
    unsigned char mac[32];
    unsigned int n = 0;
    char h[71];
    if (!HMAC(EVP_sha256(), KEY, (int)KEY_LEN, body, body_len, mac, &n)) abort();
    to_header(mac, h);
    sink += (unsigned char)h[70];
}

static void op_openssl_evp_mac(void) {
    unsigned char mac[32];
    size_t n = 0;
    char h[71];
    if (!EVP_MAC_init(evp_ctx, NULL, 0, NULL) || !EVP_MAC_update(evp_ctx, body, body_len) ||
        !EVP_MAC_final(evp_ctx, mac, &n, sizeof mac))
        abort();
    to_header(mac, h);
    sink += (unsigned char)h[70];
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_ns(op_fn op) {
    /* calibrate to ~50 ms per round */
    long iters = 1000;
    for (;;) {
        double t0 = now_ns();
        for (long i = 0; i < iters; i++) op();
        double dt = now_ns() - t0;
        if (dt > 5e6) {
            iters = (long)(iters * (5e7 / dt));
            break;
        }
        iters *= 4;
    }
    double r[ROUNDS];
    for (int k = 0; k < ROUNDS; k++) {
        double t0 = now_ns();
        for (long i = 0; i < iters; i++) op();
        r[k] = (now_ns() - t0) / (double)iters;
    }
    qsort(r, ROUNDS, sizeof r[0], cmp);
    return r[ROUNDS / 2];
}

int main(int argc, char **argv) {
    static unsigned char file_buf[1 << 20];
    const char *json_path = NULL;
    if (argc > 2 && strcmp(argv[1], "--json") == 0) {
        json_path = argv[2];
        argv += 2;
        argc -= 2;
    }
    if (argc > 1) {
        FILE *f = fopen(argv[1], "rb");
        if (!f) {
            perror(argv[1]);
            return 2;
        }
        body_len = fread(file_buf, 1, sizeof file_buf, f);
        fclose(f);
        body = file_buf;
    } else {
        body = (const unsigned char *)SEED_BODY;
        body_len = sizeof SEED_BODY - 1;
    }
    if (erpops_signer_new(KEY, KEY_LEN, &signer) != ERPOPS_STATUS_OK) return 1;
    size_t n;
    if (erpops_sign(KEY, KEY_LEN, body, body_len, verify_header, sizeof verify_header, &n)) return 1;

    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    evp_ctx = EVP_MAC_CTX_new(mac);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
                           OSSL_PARAM_construct_end()};
    if (!EVP_MAC_init(evp_ctx, KEY, KEY_LEN, params)) return 1;

    /* the implementations agree before anything is timed */
    char a[72], b[71];
    unsigned char raw[32];
    size_t raw_len;
    if (erpops_signer_sign(signer, body, body_len, a, sizeof a, &n)) return 1;
    if (!EVP_MAC_init(evp_ctx, NULL, 0, NULL) || !EVP_MAC_update(evp_ctx, body, body_len) ||
        !EVP_MAC_final(evp_ctx, raw, &raw_len, sizeof raw))
        return 1;
    to_header(raw, b);
    if (memcmp(a, b, 71) != 0) {
        fprintf(stderr, "erpops and OpenSSL disagree\n");
        return 1;
    }

    struct {
        const char *name;
        op_fn op;
        double ns;
    } rows[] = {
        {"openssl HMAC()", op_openssl_hmac, 0},
        {"openssl EVP_MAC (keyed once)", op_openssl_evp_mac, 0},
        {"erpops_sign", op_erpops_sign, 0},
        {"erpops_signer_sign (keyed once)", op_erpops_signer_sign, 0},
        {"erpops_verify", op_erpops_verify, 0},
    };
    size_t count = sizeof rows / sizeof rows[0];
    for (size_t i = 0; i < count; i++) rows[i].ns = median_ns(rows[i].op);
    double anchor = rows[0].ns < rows[1].ns ? rows[0].ns : rows[1].ns;
    printf("# body %zu bytes; %s; %s\n", body_len, erpops_version(), OpenSSL_version(OPENSSL_VERSION));
    printf("%-34s %12s %10s\n", "implementation", "median ns", "ratio");
    for (size_t i = 0; i < count; i++)
        printf("%-34s %12.1f %9.2fx\n", rows[i].name, rows[i].ns, rows[i].ns / anchor);
    if (json_path) {
        FILE *j = fopen(json_path, "w");
        if (!j) {
            perror(json_path);
            return 2;
        }
        fprintf(j, "{\"body_bytes\": %zu, \"openssl\": \"%s\", \"rows\": [", body_len,
                OpenSSL_version(OPENSSL_VERSION));
        for (size_t i = 0; i < count; i++)
            fprintf(j, "%s{\"name\": \"%s\", \"median_ns\": %.1f, \"anchor\": %s}", i ? ", " : "",
                    rows[i].name, rows[i].ns, rows[i].ns == anchor ? "true" : "false");
        fprintf(j, "]}\n");
        fclose(j);
    }
    EVP_MAC_CTX_free(evp_ctx);
    EVP_MAC_free(mac);
    erpops_signer_free(signer);
    return 0;
}
