/*
 * Replays tests/vectors/receive.json (through its TSV mirror receive.tsv, see
 * tests/vectors/generate/tsv.py) against erpops_engine: each scenario on a
 * fresh engine built with the scenario's limits, tenants, connectors and
 * secrets, each step's response compared with the vector: the status, the
 * complete header list in order, and the body byte for byte once the human
 * text (`detail`, `errors[].message`) is checked and taken out.
 */
#define _POSIX_C_SOURCE 200809L
#include "suite.h"

#include <stdbool.h>

#define BODY_CAP 65536 /* a 422 lists at most ERPOPS_MAX_LISTED_VIOLATIONS errors: ~16 KB */

/* Appends `n` bytes to out (capacity BODY_CAP, always NUL-terminated). */
static void put(char *out, size_t *len, const char *src, size_t n) {
    if (*len + n >= BODY_CAP) n = BODY_CAP - 1 - *len;
    memcpy(out + *len, src, n);
    *len += n;
    out[*len] = '\0';
}

/* The end (index of the closing quote) of the JSON string whose opening quote is at `open`. */
static size_t string_end(const char *s, size_t len, size_t open) {
    size_t i = open + 1;
    while (i < len && s[i] != '"') i += s[i] == '\\' ? 2 : 1;
    return i;
}

/*
 * Copies `body` into `out` without the `,"detail":"…"` member of the top
 * object and the `,"message":"…"` member of each object in the `errors`
 * array (depth 3), counting what it took out and how many error objects it
 * saw; each removed value must be a non-empty string.
 */
static void strip_human_text(const char *body, size_t len, char *out, size_t *out_len, int *details,
                             int *messages, int *error_objects, int *empty_texts) {
    static const char DETAIL[] = ",\"detail\":\"", MESSAGE[] = ",\"message\":\"";
    int depth = 0;
    bool in_errors = false;
    *out_len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < len;) {
        char c = body[i];
        if (c == '"') {
            size_t end = string_end(body, len, i);
            if (depth == 1 && end + 2 < len && body[end + 1] == ':' && end - i == 7 &&
                memcmp(body + i, "\"errors\"", 8) == 0)
                in_errors = true;
            put(out, out_len, body + i, end + 1 - i);
            i = end + 1;
            continue;
        }
        const char *key = NULL;
        if (c == ',' && depth == 1 && strncmp(body + i, DETAIL, sizeof DETAIL - 1) == 0) key = DETAIL;
        if (c == ',' && depth == 3 && in_errors && strncmp(body + i, MESSAGE, sizeof MESSAGE - 1) == 0)
            key = MESSAGE;
        if (key) {
            size_t open = i + strlen(key) - 1;
            size_t end = string_end(body, len, open);
            if (end == open + 1) (*empty_texts)++;
            (*(key == DETAIL ? details : messages))++;
            i = end + 1;
            continue;
        }
        if (c == '{' || c == '[') {
            depth++;
            if (c == '{' && depth == 3 && in_errors) (*error_objects)++;
        } else if (c == '}' || c == ']') {
            depth--;
            if (depth == 1) in_errors = false;
        }
        put(out, out_len, body + i, 1);
        i++;
    }
}

/* The response's headers as `name: value` lines joined by newlines, as receive.tsv writes them. */
static void header_lines(const erpops_response *r, char *out, size_t cap) {
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < erpops_response_header_count(r); i++) {
        char name[256], value[1024];
        size_t nl = 0, vl = 0;
        if (erpops_response_header_name(r, i, name, sizeof name, &nl) != ERPOPS_STATUS_OK ||
            erpops_response_header_value(r, i, value, sizeof value, &vl) != ERPOPS_STATUS_OK)
            return;
        used += (size_t)snprintf(out + used, cap - used, "%s%s: %s", i ? "\n" : "", name, value);
        if (used >= cap) return;
    }
}

/* The engine limits in four consecutive fields starting at f[0]. */
static erpops_engine_config config_at(char **f) {
    erpops_engine_config c = erpops_engine_config_default();
    c.max_body_bytes = (size_t)strtoull(f[0], NULL, 10);
    c.future_skew_secs = strtoull(f[1], NULL, 10);
    c.max_age_secs = strtoull(f[2], NULL, 10);
    c.replay_window_secs = strtoull(f[3], NULL, 10);
    return c;
}

static erpops_engine *new_engine(char **f) {
    erpops_engine_config c = config_at(f + 2);
    erpops_engine *e = NULL;
    CHECK_STATUS(erpops_engine_new_with_config(&c, &e), ERPOPS_STATUS_OK, f[1]);
    return e;
}

static void config_error(char **f) {
    erpops_engine_config c = config_at(f + 1);
    erpops_engine *e = NULL;
    erpops_status s = erpops_engine_new_with_config(&c, &e);
    if (strcmp(f[5], "-") == 0) {
        CHECK_STATUS(s, ERPOPS_STATUS_OK, "config accepted");
        CHECK(e != NULL, "config accepted: engine");
    } else {
        CHECK_STATUS(s, ERPOPS_STATUS_INVALID_ARGUMENT, f[5]);
        const char *m = last_error();
        CHECK(strncmp(m, f[5], strlen(f[5])) == 0 && m[strlen(f[5])] == ':', "message starts with %s: %s", f[5],
              m);
        CHECK(e == NULL, "no engine on a refused config");
    }
    erpops_engine_free(e);
}

static void add_tenant(erpops_engine *e, char **f) {
    const uint8_t *id = (const uint8_t *)f[1];
    size_t id_len = strlen(f[1]);
    int policy = atoi(f[4]);
    erpops_status s = strcmp(f[2], "custom") == 0
                          ? erpops_engine_add_tenant_custom(e, id, id_len, strtoull(f[3], NULL, 10),
                                                            ERPOPS_UNLIMITED, policy)
                          : erpops_engine_add_tenant(e, id, id_len, (const uint8_t *)f[2], strlen(f[2]), policy);
    CHECK_STATUS(s, ERPOPS_STATUS_OK, f[1]);
    if (atoi(f[5]))
        CHECK_STATUS(erpops_engine_set_tenant_suspended(e, id, id_len, true), ERPOPS_STATUS_OK, "suspend");
}

/* A connector is created with its first secret (which never expires in the vectors); each further
 * secret is added with its expiry, and a disabled connector is disabled last. */
static void add_connector(erpops_engine *e, char **f) {
    const uint8_t *id = (const uint8_t *)f[1];
    size_t id_len = strlen(f[1]);
    char *secrets = f[4];
    bool first = true;
    for (char *item = strtok(secrets, ","); item; item = strtok(NULL, ",")) {
        char *colon = strchr(item, ':');
        CHECK(colon != NULL, "%s: secret without expiry", f[1]);
        if (!colon) return;
        *colon = '\0';
        uint8_t *secret;
        size_t secret_len = unhex(item, &secret);
        long long expires = strtoll(colon + 1, NULL, 10);
        if (first && expires == ERPOPS_NO_EXPIRY) {
            CHECK_STATUS(erpops_engine_add_connector(e, (const uint8_t *)f[2], strlen(f[2]), id, id_len, secret,
                                                     secret_len),
                         ERPOPS_STATUS_OK, f[1]);
        } else {
            CHECK(!first, "%s: the first secret of a vector connector never expires", f[1]);
            CHECK_STATUS(erpops_engine_add_connector_secret(e, id, id_len, secret, secret_len, expires),
                         ERPOPS_STATUS_OK, f[1]);
        }
        first = false;
        free(secret);
    }
    if (!atoi(f[3]))
        CHECK_STATUS(erpops_engine_set_connector_enabled(e, id, id_len, false), ERPOPS_STATUS_OK, "disable");
}

static void run_step(erpops_engine *e, char **f) {
    const char *name = f[1];
    uint8_t *ct, *sig, *cid, *body, *want_headers, *want_body;
    size_t ct_len = unhex(f[4], &ct), sig_len = unhex(f[5], &sig), cid_len = unhex(f[6], &cid);
    size_t body_len = unhex(f[7], &body);
    if (strcmp(f[8], "-") != 0) body_len = (size_t)strtoull(f[8], NULL, 10); /* stopped reading at the limit */
    size_t want_headers_len = unhex(f[11], &want_headers), want_body_len = unhex(f[12], &want_body);

    erpops_response *r = NULL;
    CHECK_STATUS(erpops_engine_receive(e, (const uint8_t *)f[3], strlen(f[3]), strcmp(f[4], "-") ? ct : NULL,
                                       ct_len, strcmp(f[5], "-") ? sig : NULL, sig_len,
                                       strcmp(f[6], "-") ? cid : NULL, cid_len, body, body_len,
                                       strtoll(f[2], NULL, 10), (const uint8_t *)f[9], strlen(f[9]), &r),
                 ERPOPS_STATUS_OK, name);
    if (r) {
        static char got_body[BODY_CAP], stripped[BODY_CAP], got_headers[4096];
        size_t got_len = 0, stripped_len = 0;
        unsigned status = erpops_response_status(r);
        CHECK(status == (unsigned)atoi(f[10]), "%s: status %u, want %s", name, status, f[10]);
        header_lines(r, got_headers, sizeof got_headers);
        CHECK(strlen(got_headers) == want_headers_len && memcmp(got_headers, want_headers, want_headers_len) == 0,
              "%s: headers\n%s\nwant\n%.*s", name, got_headers, (int)want_headers_len, (const char *)want_headers);
        CHECK_STATUS(erpops_response_body(r, got_body, sizeof got_body, &got_len), ERPOPS_STATUS_OK, name);
        int details = 0, messages = 0, error_objects = 0, empty = 0;
        strip_human_text(got_body, got_len, stripped, &stripped_len, &details, &messages, &error_objects, &empty);
        bool problem = strstr(got_headers, "Content-Type: application/problem+json") != NULL;
        CHECK(details == (problem ? 1 : 0), "%s: %d detail members in %s", name, details, got_body);
        CHECK(messages == error_objects && empty == 0, "%s: %d messages for %d errors, %d empty", name, messages,
              error_objects, empty);
        CHECK(stripped_len == want_body_len && memcmp(stripped, want_body, want_body_len) == 0,
              "%s: body\n%s\nwant\n%.*s", name, stripped, (int)want_body_len, (const char *)want_body);
        char code[128];
        size_t code_len = 0;
        erpops_status cs = erpops_response_code(r, code, sizeof code, &code_len);
        CHECK(problem ? cs == ERPOPS_STATUS_OK && strstr(stripped, code) != NULL : cs == ERPOPS_STATUS_NOT_FOUND,
              "%s: erpops_response_code %s", name, erpops_status_name(cs));
    }
    erpops_response_free(r);
    free(ct);
    free(sig);
    free(cid);
    free(body);
    free(want_headers);
    free(want_body);
}

void run_receive_vectors(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/receive.tsv", dir);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "cannot open %s", path);
    if (!f) return;
    char *line = NULL;
    size_t cap = 0;
    int scenarios = 0, steps = 0, config_errors = 0;
    erpops_engine *e = NULL;
    while (getline(&line, &cap, f) > 0) {
        char *c[13];
        int n = split(line, c, 13);
        if (strcmp(c[0], "config_error") == 0 && n == 6) {
            config_error(c);
            config_errors++;
        } else if (strcmp(c[0], "scenario") == 0 && n == 6) {
            erpops_engine_free(e);
            e = new_engine(c);
            scenarios++;
        } else if (strcmp(c[0], "tenant") == 0 && n == 6 && e) {
            add_tenant(e, c);
        } else if (strcmp(c[0], "connector") == 0 && n == 5 && e) {
            add_connector(e, c);
        } else if (strcmp(c[0], "step") == 0 && n == 13 && e) {
            run_step(e, c);
            steps++;
        } else {
            CHECK(false, "receive.tsv: unreadable record %s (%d fields)", c[0], n);
        }
    }
    erpops_engine_free(e);
    free(line);
    fclose(f);
    CHECK(scenarios >= 7 && steps >= 50 && config_errors >= 3, "receive vectors: %d scenarios, %d steps, %d configs",
          scenarios, steps, config_errors);
    vector_log("receive.json", "scenarios", scenarios);
    vector_log("receive.json", "config_errors", config_errors);
}
