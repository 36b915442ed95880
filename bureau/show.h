/*
 * `farmline show <ticket>`: one consultation and its whole history — every event and every
 * message in and out, with times — as the bureau needs it to answer for a question.
 */
#ifndef FL_SHOW_H
#define FL_SHOW_H

#include "store/store.h"

#include <stdio.h>

struct route_rules;

/* Print consultation cid. 0; 1 when there is no such ticket; -1 with a reason in err. */
int bureau_show(struct store *s, const struct route_rules *rules, int64_t cid, int unmasked,
    FILE *out, char *err, size_t errlen);

#endif
