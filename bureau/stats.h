/*
 * `farmline stats`: the figures of a period (bureau/figures.h) grouped by day, week, month,
 * year, category, township, channel or expert, with the service, satisfaction, cost and
 * registry figures under them, as a table aligned for Chinese, CSV or JSON.
 */
#ifndef FL_STATS_H
#define FL_STATS_H

#include "bureau/figures.h"
#include "store/store.h"

#include <stdint.h>
#include <stdio.h>

struct route_rules;

enum stats_format { STATS_TABLE = 0, STATS_CSV, STATS_JSON };
enum stats_by { BY_CATEGORY = 0, BY_DAY, BY_WEEK, BY_MONTH, BY_YEAR, BY_TOWNSHIP, BY_CHANNEL,
	BY_EXPERT };

struct stats_opts {
	struct fig_opts fig;		/* the period and how to count */
	const char *from_label, *to_label;	/* as the user gave them, or NULL */
	enum stats_by by;
	enum stats_format format;
	int recent;			/* how many recent consultations to list */
	const char *timezone;
	const struct route_rules *rules;	/* category names */
};

/* Print the figures to out. Returns 0, or -1 with a reason in err. */
int bureau_stats(struct store *s, const struct stats_opts *o, FILE *out, char *err,
    size_t errlen);

/* "2小时5分" for a duration. */
void bureau_duration(int64_t ms, char *buf, size_t len);
/* "day" → BY_DAY …; -1 when unknown. */
int bureau_by_parse(const char *name);
int bureau_format_parse(const char *name);

#endif
