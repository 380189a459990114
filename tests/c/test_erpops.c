/*
 * C conformance suite for libERPOps.
 *
 * Runs the shared vectors (TSV mirrors of the tests/vectors JSON files made by
 * tests/vectors/generate/tsv.py) and every status path of the C API: NULL
 * arguments, too-small buffers, empty secrets, the streaming signer, versions.
 * Built with -Wall -Wextra -Werror, linked once statically and once dynamically,
 * and run under valgrind by `make test-c`.
 *
 * usage: test_erpops VECTOR_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include "suite.h"

int passed, failed;

/* ---- small helpers ---------------------------------------------------- */

size_t unhex(const char *hex, uint8_t **out) {
    size_t n = strcmp(hex, "-") == 0 ? 0 : strlen(hex) / 2;
    uint8_t *buf = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        buf[i] = (uint8_t)v;
    }
    *out = buf;
    return n;
}

int split(char *line, char **fields, int max) {
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

void vector_log(const char *file, const char *section, int cases) {
    const char *dir = getenv("ERPOPS_VECTOR_LOG");
    if (!dir || !*dir) return;
    mkdir(dir, 0777); /* EEXIST, usually; any other failure shows at fopen */
    char path[4096];
    snprintf(path, sizeof path, "%s/c.tsv", dir);
    FILE *f = fopen(path, "a");
    CHECK(f != NULL, "cannot append to %s (ERPOPS_VECTOR_LOG)", path);
    if (!f) return;
    fprintf(f, "c\t%s\t%s\t%d\t%ld\n", file, section, cases, (long)getpid());
    fclose(f);
}

const char *last_error(void) {
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
    char *line = NULL;
    size_t line_cap = 0;
    int cases = 0;
    while (getline(&line, &line_cap, f) > 0) {
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
    free(line);
    fclose(f);
    CHECK(cases >= 20, "only %d sign vectors read", cases);
    vector_log("signatures.json", "sign", cases);
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
    char *line = NULL;
    size_t line_cap = 0;
    int cases = 0;
    while (getline(&line, &line_cap, f) > 0) {
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
    free(line);
    fclose(f);
    CHECK(cases >= 30, "only %d verify vectors read", cases);
    vector_log("signatures.json", "verify", cases);
}

static const uint8_t SECRET[] = "whsec_c_suite";
static const uint8_t BODY[] = "{\"event_type\":\"integration.failed\"}";
#define SECRET_LEN (sizeof SECRET - 1)
#define BODY_LEN (sizeof BODY - 1)

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collects a result's violations as sorted "pointer<US>code" lines. */
static char *violation_lines(const erpops_validation *v) {
    size_t n = erpops_validation_violation_count(v);
    char **lines = calloc(n ? n : 1, sizeof *lines);
    size_t total = 1;
    for (size_t i = 0; i < n; i++) {
        char ptr[1024], code[64], msg[4096];
        size_t pl = 0, cl = 0, ml = 0;
        if (erpops_validation_violation_pointer(v, i, ptr, sizeof ptr, &pl) != ERPOPS_STATUS_OK ||
            erpops_validation_violation_code(v, i, code, sizeof code, &cl) != ERPOPS_STATUS_OK ||
            erpops_validation_violation_message(v, i, msg, sizeof msg, &ml) != ERPOPS_STATUS_OK) {
            failed++;
            fprintf(stderr, "FAIL: violation %zu unreadable\n", i);
            ptr[0] = code[0] = '\0';
        }
        CHECK(ml > 0, "violation %zu has an empty message", i);
        lines[i] = malloc(pl + cl + 2);
        memcpy(lines[i], ptr, pl);
        lines[i][pl] = 0x1f;
        memcpy(lines[i] + pl + 1, code, cl);
        lines[i][pl + 1 + cl] = '\0';
        total += pl + cl + 2;
    }
    qsort(lines, n, sizeof *lines, cmp_str);
    char *out = malloc(total);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i) strcat(out, "\n");
        strcat(out, lines[i]);
        free(lines[i]);
    }
    free(lines);
    return out;
}

static void run_event_vectors(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/events.tsv", dir);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "cannot open %s", path);
    if (!f) return;
    char *line = NULL;
    size_t line_cap = 0;
    int cases = 0;
    while (getline(&line, &line_cap, f) > 0) {
        char *c[12];
        if (split(line, c, 12) != 12) continue;
        uint8_t *body;
        size_t body_len = unhex(c[1], &body);
        const char *header = strcmp(c[2], "-") == 0 ? NULL : c[2];
        erpops_validate_options o = erpops_validate_options_default();
        o.future_skew_ms = atoll(c[4]);
        o.max_age_ms = atoll(c[5]);
        o.max_body_bytes = (size_t)atoll(c[6]);
        o.pii_policy = atoi(c[7]);
        erpops_validation *v = NULL;
        erpops_status s = erpops_validate(body, body_len, (const uint8_t *)header,
                                          header ? strlen(header) : 0, atoll(c[3]), &o, &v);
        int want_valid = strcmp(c[8], "valid") == 0;
        CHECK_STATUS(s, want_valid ? ERPOPS_STATUS_OK : ERPOPS_STATUS_INVALID_EVENT, c[0]);
        CHECK(v != NULL && erpops_validation_is_valid(v) == want_valid, "%s: result handle", c[0]);
        if (v && want_valid) {
            char *fields = c[9];
            for (int field = ERPOPS_FIELD_CONNECTOR_ID; field <= ERPOPS_FIELD_MESSAGE; field++) {
                char *next = strchr(fields, ',');
                if (next) *next = '\0';
                static char got[70000];
                size_t len = 0;
                erpops_status fs = erpops_validation_field(v, field, got, sizeof got, &len);
                if (strcmp(fields, "-") == 0) {
                    CHECK_STATUS(fs, ERPOPS_STATUS_NOT_FOUND, c[0]);
                } else {
                    uint8_t *want;
                    size_t want_len = unhex(fields, &want);
                    CHECK(fs == ERPOPS_STATUS_OK && len == want_len && memcmp(got, want, len) == 0,
                          "%s: field %d", c[0], field);
                    free(want);
                }
                fields = next ? next + 1 : fields + strlen(fields);
            }
        } else if (v) {
            uint8_t *want;
            size_t want_len = unhex(c[10], &want);
            char *got = violation_lines(v);
            CHECK(strlen(got) == want_len && memcmp(got, want, want_len) == 0,
                  "%s: violations differ", c[0]);
            free(got);
            free(want);
            /* Bounded: the first ERPOPS_MAX_LISTED_VIOLATIONS listed, all counted. */
            size_t total = (size_t)atoll(c[11]);
            size_t listed = total < ERPOPS_MAX_LISTED_VIOLATIONS ? total : ERPOPS_MAX_LISTED_VIOLATIONS;
            CHECK(erpops_validation_violation_total(v) == total && erpops_validation_violation_count(v) == listed,
                  "%s: %zu listed of %zu, want %zu of %zu", c[0], erpops_validation_violation_count(v),
                  erpops_validation_violation_total(v), listed, total);
        }
        if (v && want_valid) CHECK(erpops_validation_violation_total(v) == 0, "%s: no violations", c[0]);
        erpops_validation_free(v);
        free(body);
        cases++;
    }
    free(line);
    fclose(f);
    CHECK(cases >= 150, "only %d event vectors read", cases);
    vector_log("events.json", "cases", cases);
}

static void run_pii_vectors(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/pii.tsv", dir);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "cannot open %s", path);
    if (!f) return;
    char *line = NULL;
    size_t line_cap = 0;
    int cases = 0;
    while (getline(&line, &line_cap, f) > 0) {
        char *c[5];
        if (split(line, c, 5) != 5) continue;
        uint8_t *text, *want;
        size_t text_len = unhex(c[1], &text), want_len = unhex(c[2], &want);
        size_t cap = text_len * 4 + 64, len = 0, count = 99;
        char *out = malloc(cap);
        uint32_t kinds = 99;
        erpops_status s = erpops_redact(text, text_len, out, cap, &len, &count, &kinds);
        CHECK_STATUS(s, ERPOPS_STATUS_OK, c[0]);
        CHECK(len == want_len && memcmp(out, want, len) == 0, "%s: redacted %.*s", c[0], (int)len, out);
        CHECK(count == (size_t)atoi(c[3]) && kinds == (uint32_t)atoi(c[4]), "%s: count %zu kinds %u", c[0], count,
              kinds);
        free(out);
        free(text);
        free(want);
        cases++;
    }
    free(line);
    fclose(f);
    CHECK(cases >= 100, "only %d pii vectors read", cases);
    vector_log("pii.json", "cases", cases);
}

/* tests/vectors/builder.json: the builder's size limit. */
static void run_builder_vectors(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/builder.tsv", dir);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "cannot open %s", path);
    if (!f) return;
    char *line = NULL;
    size_t line_cap = 0;
    int cases = 0;
    uint8_t *secret = NULL;
    size_t secret_len = 0;
    size_t cap = 200000;
    char *body = malloc(cap), *signed_body = malloc(cap);
    typedef erpops_status (*setter)(erpops_event_builder *, const uint8_t *, size_t);
    const setter setters[6] = {erpops_event_builder_set_connector_id, erpops_event_builder_set_event_type,
                               erpops_event_builder_set_timestamp,    erpops_event_builder_set_severity,
                               erpops_event_builder_set_source,       erpops_event_builder_set_message};
    while (getline(&line, &line_cap, f) > 0) {
        char *c[14];
        int n = split(line, c, 14);
        if (n == 2 && strcmp(c[0], "secret") == 0) {
            free(secret);
            secret_len = unhex(c[1], &secret);
            continue;
        }
        if (n != 14) continue;
        erpops_event_builder *b = NULL;
        CHECK_STATUS(erpops_event_builder_new(&b), ERPOPS_STATUS_OK, c[0]);
        for (int i = 0; i < 6; i++) {
            if (strcmp(c[1 + i], "-") == 0) continue;
            uint8_t *text;
            size_t len = unhex(c[1 + i], &text);
            CHECK_STATUS(setters[i](b, text, len), ERPOPS_STATUS_OK, c[0]);
            free(text);
        }
        if (strcmp(c[7], "-") != 0) {
            for (char *entry = strtok(c[7], ","); entry; entry = strtok(NULL, ",")) {
                char *type = strchr(entry, ':');
                char *value = type ? strchr(type + 1, ':') : NULL;
                if (!value) continue;
                *type++ = '\0';
                *value++ = '\0';
                uint8_t *key, *val;
                size_t key_len = unhex(entry, &key), val_len = unhex(value, &val);
                erpops_status s;
                if (strcmp(type, "int") == 0) {
                    char num[32] = {0};
                    memcpy(num, val, val_len < sizeof num - 1 ? val_len : sizeof num - 1);
                    s = erpops_event_builder_add_int(b, key, key_len, atoll(num));
                } else {
                    s = erpops_event_builder_add_string(b, key, key_len, val, val_len);
                }
                CHECK_STATUS(s, ERPOPS_STATUS_OK, c[0]);
                free(key);
                free(val);
            }
        }
        if (strcmp(c[8], "-") != 0) {
            CHECK_STATUS(erpops_event_builder_set_max_body_bytes(b, (size_t)atoll(c[8])), ERPOPS_STATUS_OK, c[0]);
        }
        size_t len = 0, slen = 0, hlen = 0;
        char header[ERPOPS_SIGNATURE_HEADER_LEN + 1];
        erpops_status built = erpops_event_builder_build(b, body, cap, &len);
        char built_error[2048];
        snprintf(built_error, sizeof built_error, "%s", last_error());
        erpops_status sig = erpops_event_builder_build_signed(b, secret, secret_len, signed_body, cap, &slen, header,
                                                              sizeof header, &hlen);
        if (strcmp(c[9], "built") == 0) {
            CHECK_STATUS(built, ERPOPS_STATUS_OK, c[0]);
            CHECK_STATUS(sig, ERPOPS_STATUS_OK, c[0]);
            CHECK(len == (size_t)atoll(c[10]) && slen == len && memcmp(body, signed_body, len) == 0,
                  "%s: body length %zu, want %s", c[0], len, c[10]);
            CHECK(hlen == ERPOPS_SIGNATURE_HEADER_LEN && strcmp(header, c[12]) == 0, "%s: signature %s, want %s",
                  c[0], header, c[12]);
        } else if (strcmp(c[9], "body_too_large") == 0) {
            /* The same code as the receiver's 413, and a message naming both sizes. */
            CHECK_STATUS(built, ERPOPS_STATUS_BODY_TOO_LARGE, c[0]);
            CHECK_STATUS(sig, ERPOPS_STATUS_BODY_TOO_LARGE, c[0]);
            CHECK(strcmp(erpops_status_name(built), "body_too_large") == 0, "%s: status name", c[0]);
            char size[64], limit[64];
            snprintf(size, sizeof size, "%s bytes", c[10]);
            snprintf(limit, sizeof limit, "limit of %s bytes", c[11]);
            CHECK(strstr(built_error, size) && strstr(built_error, limit) && strstr(built_error, "shorten"),
                  "%s: message %s", c[0], built_error);
            CHECK(strcmp(last_error(), built_error) == 0, "%s: build_signed says the same", c[0]);
        } else {
            CHECK_STATUS(built, ERPOPS_STATUS_INVALID_EVENT, c[0]);
            CHECK_STATUS(sig, ERPOPS_STATUS_INVALID_EVENT, c[0]);
            /* C has no violation list for the builder: each pointer is in the message. */
            uint8_t *want;
            size_t want_len = unhex(c[13], &want);
            char *lines = malloc(want_len + 1);
            memcpy(lines, want, want_len);
            lines[want_len] = '\0';
            for (char *l = strtok(lines, "\n"); l; l = strtok(NULL, "\n")) {
                char *us = strchr(l, 0x1f);
                if (us) *us = '\0';
                CHECK(strstr(built_error, l) != NULL, "%s: %s not in %s", c[0], l, built_error);
            }
            free(lines);
            free(want);
        }
        erpops_event_builder_free(b);
        cases++;
    }
    free(line);
    free(secret);
    free(body);
    free(signed_body);
    fclose(f);
    CHECK(cases >= 8, "only %d builder vectors read", cases);
    vector_log("builder.json", "cases", cases);
}

static void test_builder(void) {
    erpops_event_builder *b = NULL;
    CHECK_STATUS(erpops_event_builder_new(&b), ERPOPS_STATUS_OK, "builder_new");
#define SET(fn, text) CHECK_STATUS(fn(b, (const uint8_t *)(text), strlen(text)), ERPOPS_STATUS_OK, #fn)
#define SET2(fn, text) CHECK_STATUS(fn(b, (const uint8_t *)(text), strlen(text)), ERPOPS_STATUS_OK, #fn)
    SET(erpops_event_builder_set_connector_id, "3F2B8C1E-9A4D-4E7B-8C21-5D6F7A8B9C0D");
    SET(erpops_event_builder_set_event_type, "integration.failed");
    SET(erpops_event_builder_set_timestamp, "2026-04-20T05:00:00+02:00");
    SET(erpops_event_builder_set_severity, "error");
    SET(erpops_event_builder_set_source, "PSFT_PAYROLL_BATCH");
    SET(erpops_event_builder_set_message, "Exit code 1 at record 18441\t\"quoted\"");
    CHECK_STATUS(erpops_event_builder_add_int(b, (const uint8_t *)"records_processed", 17, 18441),
                 ERPOPS_STATUS_OK, "add_int");
    CHECK_STATUS(erpops_event_builder_add_uint(b, (const uint8_t *)"big", 3, UINT64_MAX),
                 ERPOPS_STATUS_OK, "add_uint");
    CHECK_STATUS(erpops_event_builder_add_float(b, (const uint8_t *)"ratio", 5, 0.25), ERPOPS_STATUS_OK,
                 "add_float");
    CHECK_STATUS(erpops_event_builder_add_bool(b, (const uint8_t *)"retry", 5, true), ERPOPS_STATUS_OK,
                 "add_bool");
    CHECK_STATUS(erpops_event_builder_add_null(b, (const uint8_t *)"note", 4), ERPOPS_STATUS_OK, "add_null");
    CHECK_STATUS(erpops_event_builder_add_string(b, (const uint8_t *)"run_id", 6, (const uint8_t *)"PAY_01", 6),
                 ERPOPS_STATUS_OK, "add_string");
#undef SET
    const char *want =
        "{\"connector_id\":\"3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d\",\"event_type\":\"integration.failed\","
        "\"timestamp\":\"2026-04-20T03:00:00Z\",\"severity\":\"error\",\"source\":\"PSFT_PAYROLL_BATCH\","
        "\"message\":\"Exit code 1 at record 18441\\t\\\"quoted\\\"\",\"metadata\":{\"records_processed\":18441,"
        "\"big\":18446744073709551615,\"ratio\":0.25,\"retry\":true,\"note\":null,\"run_id\":\"PAY_01\"}}";
    char body[1024];
    size_t len = 0;
    CHECK_STATUS(erpops_event_builder_build(b, body, sizeof body, &len), ERPOPS_STATUS_OK, "build");
    CHECK(len == strlen(want) && memcmp(body, want, len) == 0, "built body:\n%.*s\nwant\n%s", (int)len, body, want);

    /* build_signed: the header signs exactly the body bytes */
    char signed_body[1024], header[80], expect_header[80];
    size_t blen = 0, hlen = 0;
    CHECK_STATUS(erpops_event_builder_build_signed(b, SECRET, SECRET_LEN, signed_body, sizeof signed_body, &blen,
                                                   header, sizeof header, &hlen),
                 ERPOPS_STATUS_OK, "build_signed");
    CHECK(blen == len && memcmp(signed_body, body, len) == 0, "signed body equals built body");
    CHECK_STATUS(erpops_sign(SECRET, SECRET_LEN, (const uint8_t *)body, len, expect_header, sizeof expect_header, &len),
                 ERPOPS_STATUS_OK, "sign");
    CHECK(hlen == 71 && memcmp(header, expect_header, 71) == 0, "build_signed header");

    /* both sizes reported when a buffer is too small */
    blen = hlen = 0;
    CHECK_STATUS(erpops_event_builder_build_signed(b, SECRET, SECRET_LEN, signed_body, 10, &blen, header,
                                                   sizeof header, &hlen),
                 ERPOPS_STATUS_BUFFER_TOO_SMALL, "small body buffer");
    CHECK(blen == strlen(want) && hlen == 71, "both sizes reported: %zu %zu", blen, hlen);

    /* invalid fields: one status, every violation in the message */
    CHECK_STATUS(erpops_event_builder_set_severity(b, (const uint8_t *)"warning", 7), ERPOPS_STATUS_OK,
                 "setter defers checks");
    CHECK_STATUS(erpops_event_builder_set_event_type(b, (const uint8_t *)"Failed", 6), ERPOPS_STATUS_OK,
                 "setter defers checks");
    CHECK_STATUS(erpops_event_builder_add_float(b, (const uint8_t *)"bad key!", 8, 1.5), ERPOPS_STATUS_OK,
                 "setter defers checks");
    CHECK_STATUS(erpops_event_builder_build(b, body, sizeof body, &len), ERPOPS_STATUS_INVALID_EVENT,
                 "invalid build");
    const char *msg = last_error();
    CHECK(strstr(msg, "/severity") && strstr(msg, "/event_type") && strstr(msg, "/metadata/bad key!"),
          "every violation listed: %s", msg);
    CHECK(strstr(msg, "info, warn, error, critical") != NULL, "message says how to fix: %s", msg);
    CHECK_STATUS(erpops_event_builder_build_signed(b, SECRET, SECRET_LEN, body, sizeof body, &len, header,
                                                   sizeof header, &hlen),
                 ERPOPS_STATUS_INVALID_EVENT, "invalid build_signed");
    CHECK_STATUS(erpops_event_builder_set_timestamp(b, (const uint8_t *)"2026-02-30T00:00:00Z", 20),
                 ERPOPS_STATUS_OK, "bad date deferred");
    CHECK_STATUS(erpops_event_builder_set_message(b, (const uint8_t *)"\xff", 1), ERPOPS_STATUS_INVALID_UTF8,
                 "invalid UTF-8 refused at once");
    CHECK_STATUS(erpops_event_builder_set_timestamp_ms(NULL, 0), ERPOPS_STATUS_NULL_ARGUMENT, "NULL builder");
    CHECK_STATUS(erpops_event_builder_build(NULL, body, sizeof body, &len), ERPOPS_STATUS_NULL_ARGUMENT,
                 "build NULL builder");
    erpops_event_builder_free(b);
    erpops_event_builder_free(NULL);

    /* the size limit: refused before signing, with its own status; settable */
    CHECK_STATUS(erpops_event_builder_new(&b), ERPOPS_STATUS_OK, "builder_new");
    SET2(erpops_event_builder_set_connector_id, "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d");
    SET2(erpops_event_builder_set_event_type, "integration.failed");
    SET2(erpops_event_builder_set_timestamp, "2026-04-20T03:00:00Z");
    SET2(erpops_event_builder_set_message, "Exit code 1 at record 18441");
    CHECK_STATUS(erpops_event_builder_set_max_body_bytes(b, 100), ERPOPS_STATUS_OK, "max_body_bytes");
    len = 0;
    CHECK_STATUS(erpops_event_builder_build(b, body, sizeof body, &len), ERPOPS_STATUS_BODY_TOO_LARGE, "over 100");
    CHECK(len == 0, "nothing written: %zu", len);
    CHECK(strstr(last_error(), "164 bytes") && strstr(last_error(), "limit of 100 bytes"), "message: %s",
          last_error());
    hlen = 0;
    CHECK_STATUS(erpops_event_builder_build_signed(b, SECRET, SECRET_LEN, signed_body, sizeof signed_body, &blen,
                                                   header, sizeof header, &hlen),
                 ERPOPS_STATUS_BODY_TOO_LARGE, "not signed");
    CHECK(hlen == 0, "no header written");
    CHECK_STATUS(erpops_event_builder_set_max_body_bytes(b, 164), ERPOPS_STATUS_OK, "max_body_bytes 164");
    CHECK_STATUS(erpops_event_builder_build(b, body, sizeof body, &len), ERPOPS_STATUS_OK, "exactly 164");
    CHECK(len == 164, "164 bytes: %zu", len);
    CHECK_STATUS(erpops_event_builder_set_max_body_bytes(NULL, 1), ERPOPS_STATUS_NULL_ARGUMENT, "NULL builder");
    CHECK(strcmp(erpops_status_name(ERPOPS_STATUS_BODY_TOO_LARGE), "body_too_large") == 0, "status name");
    CHECK(strstr(erpops_status_message(ERPOPS_STATUS_BODY_TOO_LARGE), "shorten") != NULL, "status message");
    erpops_event_builder_free(b);
#undef SET2

    /* an empty builder names every required field */
    CHECK_STATUS(erpops_event_builder_new(&b), ERPOPS_STATUS_OK, "builder_new");
    CHECK_STATUS(erpops_event_builder_build(b, body, sizeof body, &len), ERPOPS_STATUS_INVALID_EVENT, "empty");
    msg = last_error();
    CHECK(strstr(msg, "/connector_id") && strstr(msg, "/event_type") && strstr(msg, "/timestamp"),
          "missing fields listed: %s", msg);
    CHECK_STATUS(erpops_event_builder_set_timestamp_ms(b, 1776654000123), ERPOPS_STATUS_OK, "timestamp_ms");
    erpops_event_builder_free(b);
}

/* Run signals (#23): run_id pairs a run's .started with its .succeeded or .failed; records_processed
 * is what it processed. Setters fail only for argument problems; the run id's rule is _build's. */
static void test_run_signals(void) {
    erpops_event_builder *b = NULL;
    char body[1024];
    size_t len = 0;
    CHECK_STATUS(erpops_event_builder_new(&b), ERPOPS_STATUS_OK, "builder_new");
#define SET(fn, text) CHECK_STATUS(fn(b, (const uint8_t *)(text), strlen(text)), ERPOPS_STATUS_OK, #fn)
    SET(erpops_event_builder_set_connector_id, "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d");
    SET(erpops_event_builder_set_event_type, "integration.started");
    SET(erpops_event_builder_set_timestamp, "2026-04-20T02:00:00-05:00");
    SET(erpops_event_builder_set_source, "PSFT_PAYROLL_BATCH");
    SET(erpops_event_builder_set_run_id, "PAY_NIGHTLY_01-1234567");
    const char *started =
        "{\"connector_id\":\"3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d\",\"event_type\":\"integration.started\","
        "\"timestamp\":\"2026-04-20T07:00:00Z\",\"source\":\"PSFT_PAYROLL_BATCH\","
        "\"metadata\":{\"run_id\":\"PAY_NIGHTLY_01-1234567\"}}";
    CHECK_STATUS(erpops_event_builder_build(b, body, sizeof body, &len), ERPOPS_STATUS_OK, "build started");
    CHECK(len == strlen(started) && memcmp(body, started, len) == 0, "started body:\n%.*s\nwant\n%s", (int)len,
          body, started);

    /* the same builder, the end of the run: records_processed after the run id, replaced in place */
    SET(erpops_event_builder_set_event_type, "integration.succeeded");
    CHECK_STATUS(erpops_event_builder_set_records_processed(b, 1), ERPOPS_STATUS_OK, "records_processed");
    CHECK_STATUS(erpops_event_builder_set_records_processed(b, UINT64_MAX), ERPOPS_STATUS_OK, "records_processed");
    const char *succeeded =
        "{\"connector_id\":\"3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d\",\"event_type\":\"integration.succeeded\","
        "\"timestamp\":\"2026-04-20T07:00:00Z\",\"source\":\"PSFT_PAYROLL_BATCH\","
        "\"metadata\":{\"run_id\":\"PAY_NIGHTLY_01-1234567\",\"records_processed\":18446744073709551615}}";
    CHECK_STATUS(erpops_event_builder_build(b, body, sizeof body, &len), ERPOPS_STATUS_OK, "build succeeded");
    CHECK(len == strlen(succeeded) && memcmp(body, succeeded, len) == 0, "succeeded body:\n%.*s\nwant\n%s",
          (int)len, body, succeeded);

    /* an invalid run id: the setter defers, _build refuses with the pointer, the code and the fix */
    char long_id[130];
    memset(long_id, 'R', 129);
    long_id[129] = '\0';
    const char *bad[][3] = {
        {"", "format", "must not be empty"},
        {"PAY\tNIGHTLY", "format", "control characters"},
        {long_id, "too_long", "at most 128 characters; got 129"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_STATUS(erpops_event_builder_set_run_id(b, (const uint8_t *)bad[i][0], strlen(bad[i][0])),
                     ERPOPS_STATUS_OK, "set_run_id defers the rule");
        len = 0;
        CHECK_STATUS(erpops_event_builder_build(b, body, sizeof body, &len), ERPOPS_STATUS_INVALID_EVENT,
                     "invalid run id");
        CHECK(len == 0, "nothing written: %zu", len);
        const char *msg = last_error();
        CHECK(strstr(msg, "/metadata/run_id: metadata.run_id ") != NULL && strstr(msg, bad[i][2]) != NULL,
              "message names the pointer and the fix: %s", msg);
        char code[32];
        snprintf(code, sizeof code, "(%s)", bad[i][1]);
        CHECK(strstr(msg, code) != NULL, "code %s in: %s", code, msg);
        CHECK(strstr(msg, "invalid event (1 problem)") == msg, "one violation: %s", msg);
    }
    /* 128 characters build again */
    CHECK_STATUS(erpops_event_builder_set_run_id(b, (const uint8_t *)long_id, 128), ERPOPS_STATUS_OK, "128");
    CHECK_STATUS(erpops_event_builder_build(b, body, sizeof body, &len), ERPOPS_STATUS_OK, "128 chars build");

    /* the generic setters meet the same rule: a fractional run_id, a negative records_processed */
    CHECK_STATUS(erpops_event_builder_add_float(b, (const uint8_t *)"run_id", 6, 47.5), ERPOPS_STATUS_OK, "add_float");
    CHECK_STATUS(erpops_event_builder_add_int(b, (const uint8_t *)"records_processed", 17, -1), ERPOPS_STATUS_OK,
                 "add_int");
    CHECK_STATUS(erpops_event_builder_build(b, body, sizeof body, &len), ERPOPS_STATUS_INVALID_EVENT, "generic");
    CHECK(strstr(last_error(), "/metadata/run_id: metadata.run_id must be a string of 1 to 128 characters or an integer") &&
              strstr(last_error(), "/metadata/records_processed: metadata.records_processed must be a non-negative"),
          "both listed: %s", last_error());

    /* argument problems are the setters' own */
    CHECK_STATUS(erpops_event_builder_set_run_id(b, (const uint8_t *)"\xff", 1), ERPOPS_STATUS_INVALID_UTF8,
                 "invalid UTF-8 refused at once");
    CHECK_STATUS(erpops_event_builder_set_run_id(b, NULL, 3), ERPOPS_STATUS_NULL_ARGUMENT, "NULL text with length");
    CHECK_STATUS(erpops_event_builder_set_run_id(NULL, (const uint8_t *)"r", 1), ERPOPS_STATUS_NULL_ARGUMENT,
                 "set_run_id NULL builder");
    CHECK(strstr(last_error(), "builder") != NULL, "message names the argument: %s", last_error());
    CHECK_STATUS(erpops_event_builder_set_records_processed(NULL, 1), ERPOPS_STATUS_NULL_ARGUMENT,
                 "set_records_processed NULL builder");
    /* a NULL run id of length 0 is the empty text: deferred to _build like any empty run id */
    CHECK_STATUS(erpops_event_builder_set_run_id(b, NULL, 0), ERPOPS_STATUS_OK, "NULL of length 0");
#undef SET
    erpops_event_builder_free(b);
}

static void test_validate_api(void) {
    const char *body = "{\"connector_id\":\"3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d\",\"event_type\":\"integration.failed\","
                       "\"timestamp\":\"2026-04-20T03:00:00.250Z\",\"message\":\"mail jane.doe@example.com\"}";
    const char *id = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d";
    int64_t now = 1776654000000LL + 60000;
    erpops_validation *v = NULL;
    CHECK_STATUS(erpops_validate((const uint8_t *)body, strlen(body), (const uint8_t *)id, strlen(id), now, NULL, &v),
                 ERPOPS_STATUS_OK, "validate");
    int64_t ms = 0;
    CHECK_STATUS(erpops_validation_timestamp_ms(v, &ms), ERPOPS_STATUS_OK, "timestamp_ms");
    CHECK(ms == 1776654000250LL, "timestamp ms %lld", (long long)ms);
    char buf[512];
    size_t len = 0;
    CHECK_STATUS(erpops_validation_field(v, ERPOPS_FIELD_MESSAGE, buf, sizeof buf, &len), ERPOPS_STATUS_OK, "message");
    CHECK(strcmp(buf, "mail [REDACTED:email]") == 0, "redacted message: %s", buf);
    CHECK_STATUS(erpops_validation_field(v, ERPOPS_FIELD_SEVERITY, buf, sizeof buf, &len), ERPOPS_STATUS_OK, "sev");
    CHECK(strcmp(buf, "info") == 0, "default severity: %s", buf);
    CHECK_STATUS(erpops_validation_field(v, ERPOPS_FIELD_SOURCE, buf, sizeof buf, &len), ERPOPS_STATUS_NOT_FOUND,
                 "absent source");
    CHECK_STATUS(erpops_validation_field(v, 99, buf, sizeof buf, &len), ERPOPS_STATUS_INVALID_ARGUMENT, "field 99");
    CHECK_STATUS(erpops_validation_redactions_json(v, buf, sizeof buf, &len), ERPOPS_STATUS_OK, "redactions");
    CHECK(strcmp(buf, "[{\"pointer\":\"/message\",\"kinds\":[\"email\"]}]") == 0, "redactions: %s", buf);
    CHECK_STATUS(erpops_validation_event_json(v, buf, sizeof buf, &len), ERPOPS_STATUS_OK, "event_json");
    CHECK(strstr(buf, "\"timestamp\":\"2026-04-20T03:00:00.250Z\"") != NULL, "event json: %s", buf);
    CHECK(erpops_validation_violation_count(v) == 0, "no violations");
    CHECK_STATUS(erpops_validation_violation_code(v, 0, buf, sizeof buf, &len), ERPOPS_STATUS_INVALID_ARGUMENT,
                 "index out of range");
    size_t line, col, off;
    CHECK_STATUS(erpops_validation_syntax_position(v, &line, &col, &off), ERPOPS_STATUS_NOT_FOUND, "no syntax");
    erpops_validation_free(v);

    /* reject policy, syntax error position, option errors */
    erpops_validate_options o = erpops_validate_options_default();
    o.pii_policy = ERPOPS_PII_POLICY_REJECT;
    CHECK_STATUS(erpops_validate((const uint8_t *)body, strlen(body), NULL, 0, now, &o, &v),
                 ERPOPS_STATUS_INVALID_EVENT, "pii rejected");
    CHECK(strstr(last_error(), "pii") != NULL && strstr(last_error(), "jane.doe") == NULL,
          "pii message never echoes the data: %s", last_error());
    erpops_validation_free(v);
    const char *broken = "{\n  \"event_type\": tru }";
    CHECK_STATUS(erpops_validate((const uint8_t *)broken, strlen(broken), NULL, 0, now, NULL, &v),
                 ERPOPS_STATUS_INVALID_EVENT, "syntax");
    CHECK_STATUS(erpops_validation_syntax_position(v, &line, &col, &off), ERPOPS_STATUS_OK, "syntax pos");
    CHECK(line == 2 && off > 10, "syntax at line %zu col %zu offset %zu", line, col, off);
    CHECK_STATUS(erpops_validation_field(v, ERPOPS_FIELD_EVENT_TYPE, buf, sizeof buf, &len),
                 ERPOPS_STATUS_INVALID_EVENT, "no fields of an invalid event");
    erpops_validation_free(v);
    o.pii_policy = 7;
    v = NULL;
    CHECK_STATUS(erpops_validate((const uint8_t *)body, strlen(body), NULL, 0, now, &o, &v),
                 ERPOPS_STATUS_INVALID_ARGUMENT, "bad policy");
    CHECK(v == NULL, "nothing written on argument errors");
    o = erpops_validate_options_default();
    o.struct_size = 8;
    CHECK_STATUS(erpops_validate((const uint8_t *)body, strlen(body), NULL, 0, now, &o, &v),
                 ERPOPS_STATUS_INVALID_ARGUMENT, "bad struct_size");
    CHECK_STATUS(erpops_validate((const uint8_t *)body, strlen(body), (const uint8_t *)"{3f2b8c1e}", 10, now, NULL, &v),
                 ERPOPS_STATUS_INVALID_ARGUMENT, "bad header id");
    CHECK_STATUS(erpops_validate((const uint8_t *)body, strlen(body), NULL, 0, now, NULL, NULL),
                 ERPOPS_STATUS_NULL_ARGUMENT, "NULL result_out");
    CHECK(!erpops_validation_is_valid(NULL) && erpops_validation_violation_count(NULL) == 0 &&
              erpops_validation_violation_total(NULL) == 0,
          "NULL readers");
    erpops_validation_free(NULL);
}

static void test_redact(void) {
    const char *text = "call +44 20 7946 0958 or mail a.b@example.org; 18441 records";
    char out[256];
    size_t len = 0, count = 0;
    uint32_t kinds = 0;
    CHECK_STATUS(erpops_redact((const uint8_t *)text, strlen(text), out, sizeof out, &len, &count, &kinds),
                 ERPOPS_STATUS_OK, "redact");
    CHECK(strcmp(out, "call [REDACTED:phone] or mail [REDACTED:email]; 18441 records") == 0, "redacted: %s", out);
    CHECK(count == 2 && kinds == (ERPOPS_PII_PHONE | ERPOPS_PII_EMAIL), "count %zu kinds %u", count, kinds);
    CHECK_STATUS(erpops_redact((const uint8_t *)text, strlen(text), out, 5, &len, NULL, NULL),
                 ERPOPS_STATUS_BUFFER_TOO_SMALL, "redact small");
    CHECK(len == strlen("call [REDACTED:phone] or mail [REDACTED:email]; 18441 records"), "needed %zu", len);
    CHECK_STATUS(erpops_redact((const uint8_t *)"\xc3", 1, out, sizeof out, &len, NULL, NULL),
                 ERPOPS_STATUS_INVALID_UTF8, "redact bad utf8");
}

static const char *header_of(const erpops_response *r, const char *name) {
    static char value[512];
    for (size_t i = 0; i < erpops_response_header_count(r); i++) {
        char n[128];
        size_t nl = 0, vl = 0;
        if (erpops_response_header_name(r, i, n, sizeof n, &nl) == ERPOPS_STATUS_OK && strcmp(n, name) == 0 &&
            erpops_response_header_value(r, i, value, sizeof value, &vl) == ERPOPS_STATUS_OK)
            return value;
    }
    return NULL;
}

#define POST ((const uint8_t *)"POST")

static void test_engine(void) {
    const char *tenant = "acme", *id = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d";
    erpops_engine *e = NULL;
    CHECK_STATUS(erpops_engine_new(&e), ERPOPS_STATUS_OK, "engine_new");
    CHECK_STATUS(erpops_engine_add_tenant(e, (const uint8_t *)tenant, 4, (const uint8_t *)"free", 4,
                                          ERPOPS_PII_POLICY_REDACT),
                 ERPOPS_STATUS_OK, "add_tenant");
    CHECK_STATUS(erpops_engine_add_tenant(e, (const uint8_t *)tenant, 4, (const uint8_t *)"gold", 4, 0),
                 ERPOPS_STATUS_INVALID_ARGUMENT, "unknown plan");
    CHECK_STATUS(erpops_engine_add_connector(e, (const uint8_t *)tenant, 4, (const uint8_t *)id, strlen(id),
                                             SECRET, SECRET_LEN),
                 ERPOPS_STATUS_OK, "add_connector");
    CHECK_STATUS(erpops_engine_add_connector(e, (const uint8_t *)"nobody", 6, (const uint8_t *)id, strlen(id),
                                             SECRET, SECRET_LEN),
                 ERPOPS_STATUS_INVALID_ARGUMENT, "connector of an unknown tenant");

    /* a signed payroll failure, built by the library */
    erpops_event_builder *b = NULL;
    CHECK_STATUS(erpops_event_builder_new(&b), ERPOPS_STATUS_OK, "builder");
    CHECK_STATUS(erpops_event_builder_set_connector_id(b, (const uint8_t *)id, strlen(id)), ERPOPS_STATUS_OK, "id");
    CHECK_STATUS(erpops_event_builder_set_event_type(b, (const uint8_t *)"integration.failed", 18), ERPOPS_STATUS_OK,
                 "type");
    const int64_t event_ms = 1776654000000LL, now = event_ms + 1000;
    CHECK_STATUS(erpops_event_builder_set_timestamp_ms(b, event_ms), ERPOPS_STATUS_OK, "time");
    CHECK_STATUS(erpops_event_builder_set_severity(b, (const uint8_t *)"error", 5), ERPOPS_STATUS_OK, "severity");
    char body[512], sig[72];
    size_t blen = 0, slen = 0;
    CHECK_STATUS(erpops_event_builder_build_signed(b, SECRET, SECRET_LEN, body, sizeof body, &blen, sig, sizeof sig,
                                                   &slen),
                 ERPOPS_STATUS_OK, "build_signed");
    erpops_event_builder_free(b);

    const uint8_t *ct = (const uint8_t *)"application/json; charset=utf-8";
    size_t ctl = strlen((const char *)ct);
    erpops_response *r = NULL;
    char out[2048];
    size_t len = 0;
    CHECK_STATUS(erpops_engine_receive(e, POST, 4, ct, ctl, (const uint8_t *)sig, slen, (const uint8_t *)id, strlen(id),
                                       (const uint8_t *)body, blen, now, (const uint8_t *)"req-1", 5, &r),
                 ERPOPS_STATUS_OK, "receive");
    CHECK(erpops_response_status(r) == 202, "accepted: %u", erpops_response_status(r));
    CHECK_STATUS(erpops_response_body(r, out, sizeof out, &len), ERPOPS_STATUS_OK, "body");
    CHECK(strstr(out, "\"status\":\"accepted\"") && strstr(out, "\"event_id\":\"evt_") && strstr(out, "inc_"),
          "202 body: %s", out);
    const char *policy = header_of(r, "RateLimit-Policy");
    CHECK(policy && strcmp(policy, "\"events\";q=100;w=86400") == 0, "RateLimit-Policy: %s", policy ? policy : "-");
    const char *rl = header_of(r, "RateLimit");
    CHECK(rl && strncmp(rl, "\"events\";r=99;", 14) == 0, "RateLimit: %s", rl ? rl : "-");
    CHECK_STATUS(erpops_response_code(r, out, sizeof out, &len), ERPOPS_STATUS_NOT_FOUND, "no code on 202");
    erpops_response_free(r);

    /* the same bytes again: a duplicate, nothing consumed */
    CHECK_STATUS(erpops_engine_receive(e, POST, 4, ct, ctl, (const uint8_t *)sig, slen, (const uint8_t *)id, strlen(id),
                                       (const uint8_t *)body, blen, now + 5000, (const uint8_t *)"req-2", 5, &r),
                 ERPOPS_STATUS_OK, "receive again");
    CHECK(erpops_response_status(r) == 200, "duplicate: %u", erpops_response_status(r));
    rl = header_of(r, "RateLimit");
    CHECK(rl && strncmp(rl, "\"events\";r=99;", 14) == 0, "duplicate consumed nothing: %s", rl ? rl : "-");
    erpops_response_free(r);

    /* one byte changed: 401 signature_mismatch, problem+json, no RateLimit */
    body[blen - 2] = body[blen - 2] == '1' ? '2' : '1';
    CHECK_STATUS(erpops_engine_receive(e, POST, 4, ct, ctl, (const uint8_t *)sig, slen, (const uint8_t *)id, strlen(id),
                                       (const uint8_t *)body, blen, now, (const uint8_t *)"req-3", 5, &r),
                 ERPOPS_STATUS_OK, "receive tampered");
    CHECK(erpops_response_status(r) == 401, "mismatch: %u", erpops_response_status(r));
    CHECK_STATUS(erpops_response_code(r, out, sizeof out, &len), ERPOPS_STATUS_OK, "code");
    CHECK(strcmp(out, "signature_mismatch") == 0, "code %s", out);
    const char *ctype = header_of(r, "Content-Type");
    CHECK(ctype && strcmp(ctype, "application/problem+json") == 0, "problem type: %s", ctype ? ctype : "-");
    CHECK(header_of(r, "RateLimit") == NULL, "no RateLimit before the MAC check");
    CHECK_STATUS(erpops_response_body(r, out, sizeof out, &len), ERPOPS_STATUS_OK, "problem body");
    CHECK(strstr(out, "\"request_id\":\"req-3\"") && strstr(out, "exactly as sent"), "problem: %s", out);
    erpops_response_free(r);

    /* absent headers, an unknown connector, a body over the limit */
    CHECK_STATUS(erpops_engine_receive(e, POST, 4, ct, ctl, NULL, 0, (const uint8_t *)id, strlen(id), (const uint8_t *)body,
                                       blen, now, (const uint8_t *)"r", 1, &r),
                 ERPOPS_STATUS_OK, "no signature");
    CHECK(erpops_response_status(r) == 401, "missing signature: %u", erpops_response_status(r));
    erpops_response_free(r);
    const char *other = "00000000-0000-4000-8000-000000000000";
    CHECK_STATUS(erpops_engine_receive(e, POST, 4, ct, ctl, (const uint8_t *)sig, slen, (const uint8_t *)other,
                                       strlen(other), (const uint8_t *)body, blen, now, (const uint8_t *)"r", 1, &r),
                 ERPOPS_STATUS_OK, "unknown connector");
    CHECK(erpops_response_status(r) == 403, "unknown connector: %u", erpops_response_status(r));
    erpops_response_free(r);
    CHECK_STATUS(erpops_engine_receive(e, POST, 4, ct, ctl, (const uint8_t *)sig, slen, (const uint8_t *)id, strlen(id), NULL,
                                       1 << 20, now, (const uint8_t *)"r", 1, &r),
                 ERPOPS_STATUS_OK, "too large");
    CHECK(erpops_response_status(r) == 413, "too large: %u", erpops_response_status(r));
    erpops_response_free(r);
    CHECK_STATUS(erpops_engine_receive(e, POST, 4, (const uint8_t *)"text/plain", 10, (const uint8_t *)sig, slen,
                                       (const uint8_t *)id, strlen(id), (const uint8_t *)body, blen, now,
                                       (const uint8_t *)"r", 1, &r),
                 ERPOPS_STATUS_OK, "wrong type");
    CHECK(erpops_response_status(r) == 415, "media type: %u", erpops_response_status(r));
    CHECK_STATUS(erpops_response_header_name(r, 99, out, sizeof out, &len), ERPOPS_STATUS_INVALID_ARGUMENT,
                 "header index");
    erpops_response_free(r);

    CHECK_STATUS(erpops_engine_receive(NULL, POST, 4, ct, ctl, NULL, 0, NULL, 0, NULL, 0, now, NULL, 0, &r),
                 ERPOPS_STATUS_NULL_ARGUMENT, "NULL engine");
    CHECK_STATUS(erpops_engine_receive(e, POST, 4, ct, ctl, NULL, 0, NULL, 0, NULL, 0, now, NULL, 0, NULL),
                 ERPOPS_STATUS_NULL_ARGUMENT, "NULL response_out");
    CHECK(erpops_response_status(NULL) == 0 && erpops_response_header_count(NULL) == 0, "NULL response readers");
    erpops_response_free(NULL);
    erpops_engine_free(e);
    erpops_engine_free(NULL);
}

/* ---- status paths ----------------------------------------------------- */


/* Starts with `prefix` followed by ':' (admin errors carry the core's machine code first). */
static int coded(const char *prefix) {
    const char *m = last_error();
    return strncmp(m, prefix, strlen(prefix)) == 0 && m[strlen(prefix)] == ':';
}

/* Status of one signed event from `secret` at `now`, on a fresh body each call. */
static unsigned send_signed(erpops_engine *e, const char *id, const uint8_t *secret, size_t secret_len,
                            int64_t event_ms, int64_t now) {
    erpops_event_builder *b = NULL;
    char body[512], sig[72];
    size_t blen = 0, slen = 0;
    unsigned status = 0;
    if (erpops_event_builder_new(&b) == ERPOPS_STATUS_OK &&
        erpops_event_builder_set_connector_id(b, (const uint8_t *)id, strlen(id)) == ERPOPS_STATUS_OK &&
        erpops_event_builder_set_event_type(b, (const uint8_t *)"integration.failed", 18) == ERPOPS_STATUS_OK &&
        erpops_event_builder_set_timestamp_ms(b, event_ms) == ERPOPS_STATUS_OK &&
        erpops_event_builder_build_signed(b, secret, secret_len, body, sizeof body, &blen, sig, sizeof sig, &slen) ==
            ERPOPS_STATUS_OK) {
        erpops_response *r = NULL;
        if (erpops_engine_receive(e, POST, 4, (const uint8_t *)"application/json", 16, (const uint8_t *)sig, slen,
                                  (const uint8_t *)id, strlen(id), (const uint8_t *)body, blen, now,
                                  (const uint8_t *)"r", 1, &r) == ERPOPS_STATUS_OK)
            status = erpops_response_status(r);
        erpops_response_free(r);
    }
    erpops_event_builder_free(b);
    return status;
}

/* Limits, custom plans, suspension, secrets with expiry, rotation and disabling: each admin call
 * changes the very next decision, and each mistake is refused with the core's code. */
static void test_engine_admin(void) {
    erpops_engine *e = NULL;
    erpops_engine_config c = erpops_engine_config_default();
    CHECK(c.struct_size == sizeof c && c.max_body_bytes == 65536 && c.future_skew_secs == 300 &&
              c.max_age_secs == 86400 && c.replay_window_secs == ERPOPS_REPLAY_WINDOW_AUTO,
          "config defaults");
    /* The maximum age alone: the automatic window follows it (as in Python and Node). */
    c.max_age_secs = 172800;
    CHECK_STATUS(erpops_engine_new_with_config(&c, &e), ERPOPS_STATUS_OK, "longer age, automatic window");
    erpops_engine_free(e);
    e = NULL;
    /* A window that is set is checked as given. */
    c.replay_window_secs = 86700;
    CHECK_STATUS(erpops_engine_new_with_config(&c, &e), ERPOPS_STATUS_INVALID_ARGUMENT, "window shorter than the age");
    CHECK(strncmp(last_error(), "replay_window_too_short:", 24) == 0, "window message: %s", last_error());
    c = erpops_engine_config_default();
    CHECK_STATUS(erpops_engine_new_with_config(NULL, &e), ERPOPS_STATUS_NULL_ARGUMENT, "NULL config");
    CHECK_STATUS(erpops_engine_new_with_config(&c, NULL), ERPOPS_STATUS_NULL_ARGUMENT, "NULL engine_out");
    c.struct_size = 8;
    CHECK_STATUS(erpops_engine_new_with_config(&c, &e), ERPOPS_STATUS_INVALID_ARGUMENT, "struct_size");
    CHECK(strstr(last_error(), "erpops_engine_config_default") != NULL, "struct_size message: %s", last_error());
    c = erpops_engine_config_default();
    CHECK_STATUS(erpops_engine_new_with_config(&c, &e), ERPOPS_STATUS_OK, "new_with_config");

    const char *id = "5d6f7a8b-9c0d-4e7b-8c21-3f2b8c1e9a4d";
    const uint8_t *t = (const uint8_t *)"t-two";
    const uint8_t OLD[] = "whsec_old", NEW[] = "whsec_new";
    const int64_t at = 1776654000000LL;
    CHECK_STATUS(erpops_engine_add_tenant_custom(e, t, 5, 2, ERPOPS_UNLIMITED, ERPOPS_PII_POLICY_REDACT),
                 ERPOPS_STATUS_OK, "custom tenant");
    CHECK_STATUS(erpops_engine_add_tenant_custom(e, t, 5, 2, 2, 7), ERPOPS_STATUS_INVALID_ARGUMENT, "bad policy");
    CHECK_STATUS(erpops_engine_add_connector(e, t, 5, (const uint8_t *)id, strlen(id), OLD, 9), ERPOPS_STATUS_OK,
                 "connector");

    /* a custom plan of 2 events a day: the third is 429 */
    CHECK(send_signed(e, id, OLD, 9, at, at) == 202, "first of two");
    CHECK(send_signed(e, id, OLD, 9, at + 1, at) == 202, "second of two");
    CHECK(send_signed(e, id, OLD, 9, at + 2, at) == 429, "third refused by the custom plan");
    CHECK_STATUS(erpops_engine_set_tenant_plan(e, t, 5, (const uint8_t *)"enterprise", 10), ERPOPS_STATUS_OK,
                 "plan");
    CHECK(send_signed(e, id, OLD, 9, at + 3, at) == 202, "unlimited after the plan change");
    CHECK_STATUS(erpops_engine_set_tenant_plan(e, t, 5, (const uint8_t *)"gold", 4), ERPOPS_STATUS_INVALID_ARGUMENT,
                 "unknown plan");

    /* suspension and disabling apply to the next request */
    CHECK_STATUS(erpops_engine_set_tenant_suspended(e, t, 5, true), ERPOPS_STATUS_OK, "suspend");
    CHECK(send_signed(e, id, OLD, 9, at + 4, at) == 403, "suspended");
    CHECK_STATUS(erpops_engine_set_tenant_suspended(e, t, 5, false), ERPOPS_STATUS_OK, "reinstate");
    CHECK_STATUS(erpops_engine_set_connector_enabled(e, (const uint8_t *)id, strlen(id), false), ERPOPS_STATUS_OK,
                 "disable");
    CHECK(send_signed(e, id, OLD, 9, at + 5, at) == 403, "disabled");
    CHECK_STATUS(erpops_engine_set_connector_enabled(e, (const uint8_t *)id, strlen(id), true), ERPOPS_STATUS_OK,
                 "enable");
    CHECK(send_signed(e, id, OLD, 9, at + 6, at) == 202, "enabled again");

    /* rotation: the old secret verifies for the overlap only, the new one from now on */
    CHECK_STATUS(erpops_engine_rotate_connector_secret(e, (const uint8_t *)id, strlen(id), NEW, 9, at, 60),
                 ERPOPS_STATUS_OK, "rotate");
    CHECK(send_signed(e, id, OLD, 9, at + 7, at + 59999) == 202, "old secret inside the overlap");
    CHECK(send_signed(e, id, OLD, 9, at + 8, at + 60000) == 401, "old secret at the end of the overlap");
    CHECK(send_signed(e, id, NEW, 9, at + 9, at + 60000) == 202, "new secret");

    /* a secret added with its own expiry */
    const uint8_t EXTRA[] = "whsec_extra";
    CHECK_STATUS(erpops_engine_add_connector_secret(e, (const uint8_t *)id, strlen(id), EXTRA, 11, at + 70000),
                 ERPOPS_STATUS_OK, "add secret");
    CHECK(send_signed(e, id, EXTRA, 11, at + 10, at + 69999) == 202, "extra secret before its expiry");
    CHECK(send_signed(e, id, EXTRA, 11, at + 11, at + 70000) == 401, "extra secret at its expiry");

    /* mistakes: the core's machine code leads the message */
    CHECK_STATUS(erpops_engine_set_tenant_suspended(e, (const uint8_t *)"nobody", 6, true),
                 ERPOPS_STATUS_INVALID_ARGUMENT, "unknown tenant");
    CHECK(coded("tenant_not_found"), "tenant_not_found: %s", last_error());
    const char *unknown = "00000000-0000-4000-8000-000000000000";
    CHECK_STATUS(erpops_engine_set_connector_enabled(e, (const uint8_t *)unknown, strlen(unknown), true),
                 ERPOPS_STATUS_INVALID_ARGUMENT, "unknown connector");
    CHECK(coded("connector_not_found"), "connector_not_found: %s", last_error());
    CHECK_STATUS(erpops_engine_add_tenant_custom(e, t, 5, 1, 1, 0), ERPOPS_STATUS_INVALID_ARGUMENT, "tenant twice");
    CHECK(coded("tenant_exists"), "tenant_exists: %s", last_error());
    CHECK_STATUS(erpops_engine_add_connector_secret(e, (const uint8_t *)"nope", 4, EXTRA, 11, ERPOPS_NO_EXPIRY),
                 ERPOPS_STATUS_INVALID_ARGUMENT, "not a UUID");
    CHECK_STATUS(erpops_engine_add_connector_secret(e, (const uint8_t *)id, strlen(id), EXTRA, 0, ERPOPS_NO_EXPIRY),
                 ERPOPS_STATUS_SECRET_EMPTY, "empty secret");
    CHECK_STATUS(erpops_engine_rotate_connector_secret(NULL, (const uint8_t *)id, strlen(id), NEW, 9, at, 1),
                 ERPOPS_STATUS_NULL_ARGUMENT, "NULL engine");
    CHECK_STATUS(erpops_engine_set_tenant_plan(e, NULL, 5, (const uint8_t *)"free", 4), ERPOPS_STATUS_NULL_ARGUMENT,
                 "NULL tenant");
    erpops_engine_free(e);
}

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
    run_event_vectors(argv[1]);
    run_builder_vectors(argv[1]);
    run_pii_vectors(argv[1]);
    run_receive_vectors(argv[1]);
    test_builder();
    test_run_signals();
    test_validate_api();
    test_redact();
    test_engine();
    test_engine_admin();
    test_null_arguments();
    test_buffers();
    test_secrets_and_verify();
    test_names_and_versions();
    printf("c: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
