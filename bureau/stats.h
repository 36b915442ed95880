/*
 * `farmline stats`: consultations, answers, answer rate, response times and ratings for a
 * period, grouped by category, day, month, township or expert, as a table, CSV or JSON.
 */
#ifndef FL_STATS_H
#define FL_STATS_H

#include "store/store.h"

#include <stdint.h>
#include <stdio.h>

struct route_rules;

enum stats_format { STATS_TABLE = 0, STATS_CSV, STATS_JSON };

struct stats_opts {
	int64_t from, to;		/* UTC ms, [from, to) */
	const char *from_label, *to_label;	/* as the user gave them, or NULL */
	enum store_stats_by by;
	enum stats_format format;
	int recent;			/* how many recent consultations to list */
	const char *timezone;
	const struct route_rules *rules;	/* category names */
};

/* Print the figures to out. Returns 0, or -1 with a reason in err. */
int bureau_stats(struct store *s, const struct stats_opts *o, FILE *out, char *err,
    size_t errlen);

/* "2小时5分" for a duration (exposed for tests). */
void bureau_duration(int64_t ms, char *buf, size_t len);
/* The median of ascending values (0 when n is 0). */
int64_t bureau_median(const int64_t *sorted, int64_t n);

/* "day" → STATS_BY_DAY …; -1 when unknown. */
int bureau_by_parse(const char *name);
int bureau_format_parse(const char *name);

#endif
