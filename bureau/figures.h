/*
 * Every figure the county bureau reports, for any period, worked out from the stored rows:
 * volume (by day, week, month, year, category, township, channel; farmers), service (answer
 * rate, time to first answer, backlog, passes, reminders, reassignments, routes), satisfaction,
 * experts with their appraisal grade, SMS cost, and the registry. `farmline stats`, `report`,
 * the JSON API and the dashboard all read this one structure.
 */
#ifndef FL_FIGURES_H
#define FL_FIGURES_H

#include "common/worktime.h"
#include "store/store.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct route_rules;

/* Grades for the annual appraisal: the first whose every bar an expert clears. */
struct fig_grade {
	const char *name;		/* 优秀 */
	double min_answer_rate;		/* 0..1 */
	int64_t max_median_ms;		/* 0: no bar */
	double min_rating;		/* 0: no bar (experts with no ratings clear it) */
};

struct fig_opts {
	int64_t from, to;		/* UTC ms, [from, to) */
	int64_t now;			/* the backlog is counted at min(to, now) */
	int working_time;		/* response times leave out the quiet hours */
	struct quiet_hours quiet;
	const struct fig_grade *grades;	/* ngrades, best first; below all: the last name */
	int ngrades;
	const char *fail_grade;		/* 不合格 */
};

/* A set of consultations: a period's total, or one group of it. */
struct fig_group {
	char *key;			/* "2018-03", "poultry", "舜山镇", "sms"… ("" for none) */
	int64_t consultations, answered, rated, rating_sum, satisfied;	/* satisfied: 4–5 */
	int64_t *response_ms;		/* time to first answer of the answered, ascending */
	int64_t nresponse;
	int64_t segments_in, segments_out;	/* SMS cost (category groups only) */
};

struct fig_groups {
	struct fig_group *g;
	size_t n;
};

struct fig_expert {
	int64_t id;
	char *name, *categories, *townships;
	int on_duty;
	int64_t assigned, answered, passed, rated, rating_sum;
	int64_t taken_over;		/* answered by someone else while theirs: not in assigned */
	int64_t *response_ms;		/* from assignment to the answer, ascending */
	int64_t nresponse;
	const char *grade;		/* borrowed from fig_opts */
};

struct fig_open {
	int64_t id;
	char *category, *township, *question;
	int64_t age_ms;
	int64_t expert_id;
};

struct fig_broadcast {
	int64_t id;
	char *category, *township, *body;
	int64_t created_at, queued, sent, delivered, failed, segments;
};

/* Bands of time to first answer, for the distribution; the last has no upper bound (0). */
#define FIG_RESPONSE_BANDS 7
struct fig_band {
	const char *label;
	int64_t up_to_ms;
};
extern const struct fig_band fig_response_bands[FIG_RESPONSE_BANDS];

struct figures {
	int64_t from, to, at;		/* at: the instant the backlog is counted */
	int working_time;

	struct fig_group total;
	struct fig_groups by_day, by_week, by_month, by_year, by_category, by_township,
	    by_channel;
	int64_t farmers, new_farmers;	/* distinct farmers who asked; first seen in the period */

	int64_t passes, reminders, reassignments, routes, to_triage, followups;
	int64_t closed;		/* tickets triage closed as no question: in no other figure */
	int64_t response_bands[FIG_RESPONSE_BANDS];	/* answered, by time to first answer */
	int64_t ratings[5];				/* how many rated 1, 2, 3, 4, 5 */

	struct fig_open *backlog;	/* oldest first */
	size_t nbacklog;

	struct fig_expert *experts;	/* role expert, by id */
	size_t nexperts;

	int64_t msgs_in, msgs_out, segments_in, segments_out, failed_out, delivered_out;	/* SMS */
	int64_t ussd_in;		/* questions asked on the USSD menu (not SMS) */
	int64_t broadcast_segments;

	struct fig_broadcast *broadcasts;
	size_t nbroadcasts;

	struct store_fig_registry registry;	/* at the end of the period */
};

/* Work out the figures. Returns 0, or -1 with a reason in err; free with bureau_figures_free. */
int bureau_figures(struct store *s, const struct fig_opts *o, struct figures *out, char *err,
    size_t errlen);
void bureau_figures_free(struct figures *f);

/* Percentiles of ascending values: the median, the 90th (nearest rank), the mean. */
int64_t fig_median(const int64_t *sorted, int64_t n);
int64_t fig_p90(const int64_t *sorted, int64_t n);
int64_t fig_mean(const int64_t *v, int64_t n);

/* The name of a channel ("sms" → "短信"). */
const char *fig_channel_name(const char *channel);

/* Everything as JSON (rules name the categories). A new reference. */
json_t *bureau_figures_json(const struct figures *f, const struct route_rules *rules,
    const char *tz_name);

/*
 * Options from the config: the grades of [appraisal] (grades[3] is the caller's storage, kept
 * while o is used), the quiet hours and [bureau] working_time.
 */
void bureau_fig_opts(const struct config *cfg, struct fig_grade grades[3], struct fig_opts *o);

#endif
