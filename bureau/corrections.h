/*
 * `farmline corrections`: the questions triage staff or experts re-routed away from what the
 * rules said, and what the current rules say of them now — the list a county works through to
 * improve config/categories.conf. As TSV they are lines of a labeled corpus.
 */
#ifndef FL_CORRECTIONS_H
#define FL_CORRECTIONS_H

#include "store/store.h"

#include <stdint.h>
#include <stdio.h>

struct route_rules;
struct route_norm;

enum corrections_format { CORRECTIONS_TABLE = 0, CORRECTIONS_TSV };

/* "table", "tsv" → the format; -1 when unknown. */
int bureau_corrections_format(const char *name);

/* Print the corrections of questions asked in [from, to). 0, or -1 with a reason in err. */
int bureau_corrections(struct store *s, const struct route_rules *rules,
    struct route_norm *norm, int64_t from, int64_t to, enum corrections_format format,
    FILE *out, char *err, size_t errlen);

#endif
