/*
 * The period a bureau command or API call is about: --from and --to as the bureau writes them
 * (YYYY-MM-DD, whole days in the configured time zone, --to included), checked in one place so
 * that `stats`, `report`, `export`, `corrections` and /api/… refuse the same things.
 */
#ifndef FL_PERIOD_H
#define FL_PERIOD_H

#include <stddef.h>
#include <stdint.h>

/*
 * Local midnight of a YYYY-MM-DD date that exists (not 2026-02-30), as UTC ms, into *ms.
 * Returns 0, or -1 (and *ms untouched) when s is not such a date.
 */
int bureau_date_parse(const char *s, int64_t *ms);

/*
 * Whether [from, to) is a period: from (inclusive) not after to (exclusive, so a one-day
 * period has to == from + one day). Returns 0, or -1 with a reason naming both dates in err.
 */
int bureau_period_check(int64_t from, int64_t to, char *err, size_t errlen);

#endif
