/*
 * What the files of the C conformance suite share: the CHECK macros, their
 * counters and the helpers that read the TSV vector mirrors.
 */
#ifndef ERPOPS_C_SUITE_H
#define ERPOPS_C_SUITE_H

#include "erpops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern int passed, failed;

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

/* Decodes hex ("-" is empty) into a malloc'd buffer the caller frees; returns its length. */
size_t unhex(const char *hex, uint8_t **out);

/* Splits a line on tabs in place; empty fields are kept. Returns the field count. */
int split(char *line, char **fields, int max);

/* The calling thread's erpops_last_error_message(), in a static buffer. */
const char *last_error(void);

/* When ERPOPS_VECTOR_LOG names a directory (`make test` sets it), appends
 * `c <file> <section> <cases> <pid>` to c.tsv there: `cases` cases of the
 * top-level array `section` of tests/vectors/<file> were replayed (through its
 * TSV mirror). tests/vectors/check_matrix.py compares these lines with the
 * table in tests/vectors/README.md. */
void vector_log(const char *file, const char *section, int cases);

/* receive_vectors.c: replays tests/vectors/receive.json through erpops_engine. */
void run_receive_vectors(const char *dir);

#endif
