/*
 * `farmline report`: the year's (or a period's) figures written out in Chinese, in the voice of
 * a county work summary (工作总结), every figure filled in from the data, ready to paste; or the
 * same as Markdown with tables, or as JSON (the figures and the paragraphs).
 */
#ifndef FL_REPORT_H
#define FL_REPORT_H

#include "bureau/figures.h"
#include "store/store.h"

#include <stddef.h>
#include <stdio.h>

enum report_format { REPORT_TEXT = 0, REPORT_MARKDOWN, REPORT_JSON };

struct report_opts {
	struct fig_opts fig;
	const char *title;		/* "2018年" or "2018-03-01至2018-06-30" */
	const char *platform;		/* who speaks: "本县科技扶贫在线平台" */
	enum report_format format;
	const char *timezone;
	const struct route_rules *rules;
};

/* Write the report to out. Returns 0, or -1 with a reason in err. */
int bureau_report(struct store *s, const struct report_opts *o, FILE *out, char *err,
    size_t errlen);

/*
 * The period of a report and its title. With year (2000..2200; 0: none) the period is that
 * calendar year and the title "2018年"; else o->fig's from and to stay, and the title names
 * them as the bureau wrote them (from_label, to_label; NULL: not given), or "平台开通以来"
 * when neither was. o->title points at title (len bytes, the caller's); o->platform is set.
 */
void bureau_report_period(struct report_opts *o, long year, const char *from_label,
    const char *to_label, char *title, size_t len);

/* "text", "markdown", "json" → the format; -1 when unknown. */
int bureau_report_format(const char *name);

#endif
