/*
 * `farmline export`: every consultation of a period with its messages, one row a message, as
 * CSV for the spreadsheet programs the bureau uses (UTF-8 with a byte-order mark, CRLF lines).
 * Farmer numbers are masked unless the bureau asks for them whole.
 */
#ifndef FL_EXPORT_H
#define FL_EXPORT_H

#include "store/store.h"

#include <stdint.h>
#include <stdio.h>

struct route_rules;

/* Write the CSV to out; *rows is how many rows were written. 0, or -1 with a reason. */
int bureau_export(struct store *s, int64_t from, int64_t to, int unmasked,
    const struct route_rules *rules, FILE *out, int64_t *rows, char *err, size_t errlen);

#endif
