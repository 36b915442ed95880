/*
 * Working out the bureau's figures from the rows of a period (store/store_figures.c). Days,
 * weeks, months and years are those of the configured time zone (TZ, set at start-up).
 */
#include "bureau/figures.h"

#include "common/config.h"
#include "common/xmalloc.h"
#include "routing/classify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BACKLOG_MAX 1000	/* open consultations listed (all are counted) */

const struct fig_band fig_response_bands[FIG_RESPONSE_BANDS] = {
	{ "1小时内", 3600000 }, { "1–2小时", 7200000 }, { "2–4小时", 14400000 },
	{ "4–8小时", 28800000 }, { "8–24小时", 86400000 }, { "1–3天", 259200000 },
	{ "3天以上", 0 },
};

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort n values ascending (none: nothing to do, and v may be NULL). */
static void
sort_times(int64_t *v, int64_t n)
{
	if (n > 1)
		qsort(v, (size_t)n, sizeof(int64_t), cmp_i64);
}

int64_t
fig_median(const int64_t *v, int64_t n)
{
	if (n == 0)
		return 0;
	if (n % 2)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}

int64_t
fig_p90(const int64_t *v, int64_t n)
{
	int64_t rank;

	if (n == 0)
		return 0;
	rank = (90 * n + 99) / 100;	/* nearest rank: the smallest with 90% at or below it */
	return v[rank - 1];
}

int64_t
fig_mean(const int64_t *v, int64_t n)
{
	int64_t i, sum = 0;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		sum += v[i];
	return (sum + n / 2) / n;
}

/* The group with key in gs, added (in key order of arrival) if new. */
static struct fig_group *
group(struct fig_groups *gs, const char *key)
{
	size_t i;

	for (i = gs->n; i > 0; i--) {	/* rows come mostly in order: look from the end */
		if (strcmp(gs->g[i - 1].key, key) == 0)
			return &gs->g[i - 1];
	}
	gs->g = xreallocarray(gs->g, gs->n + 1, sizeof(*gs->g));
	memset(&gs->g[gs->n], 0, sizeof(gs->g[0]));
	gs->g[gs->n].key = xstrdup(key);
	return &gs->g[gs->n++];
}

static void
group_add(struct fig_group *g, const struct store_fig_consult *c, int64_t response_ms)
{
	g->consultations++;
	if (c->first_answered_at) {
		g->answered++;
		g->response_ms = xreallocarray(g->response_ms, (size_t)(g->nresponse + 1),
		    sizeof(int64_t));
		g->response_ms[g->nresponse++] = response_ms;
	}
	if (c->rating) {
		g->rated++;
		g->rating_sum += c->rating;
		g->satisfied += c->rating >= 4;
	}
}

static int
cmp_key(const void *a, const void *b)
{
	return strcmp(((const struct fig_group *)a)->key, ((const struct fig_group *)b)->key);
}

/* The busiest first. */
static int
cmp_busiest(const void *a, const void *b)
{
	const struct fig_group *x = a, *y = b;

	if (x->consultations != y->consultations)
		return x->consultations < y->consultations ? 1 : -1;
	return strcmp(x->key, y->key);
}

static int
channel_rank(const char *key)
{
	return strcmp(key, "sms") == 0 ? 0 : strcmp(key, "ussd") == 0 ? 1 :
	    strcmp(key, "commissioner") == 0 ? 2 : 3;
}

/* SMS, USSD, commissioner: the order the bureau reads them in. */
static int
cmp_channel(const void *a, const void *b)
{
	const struct fig_group *x = a, *y = b;
	int rx = channel_rank(x->key), ry = channel_rank(y->key);

	return rx != ry ? rx - ry : strcmp(x->key, y->key);
}

static void
groups_finish(struct fig_groups *gs, int (*order)(const void *, const void *))
{
	size_t i;

	for (i = 0; i < gs->n; i++)
		sort_times(gs->g[i].response_ms, gs->g[i].nresponse);
	if (order && gs->n > 1)
		qsort(gs->g, gs->n, sizeof(*gs->g), order);
}

static void
group_free(struct fig_group *g)
{
	free(g->key);
	free(g->response_ms);
}

static void
groups_free(struct fig_groups *gs)
{
	size_t i;

	for (i = 0; i < gs->n; i++)
		group_free(&gs->g[i]);
	free(gs->g);
	memset(gs, 0, sizeof(*gs));
}

/* How many different values v[0..n) holds; sorts v. */
static int64_t
count_distinct(int64_t *v, size_t n)
{
	int64_t distinct = 0;
	size_t i;

	sort_times(v, (int64_t)n);
	for (i = 0; i < n; i++) {
		if (i == 0 || v[i] != v[i - 1])
			distinct++;
	}
	return distinct;
}

struct walk {
	const struct fig_opts *o;
	struct figures *f;
	int64_t *farmer_ids;		/* of each consultation: the farmers who asked */
	size_t nfarmers;
	int64_t *new_ids;		/* the same, of farmers first seen in the period */
	size_t nnew;
};

/* Time to the first answer, the quiet hours left out when asked. */
static int64_t
response_time(const struct fig_opts *o, int64_t from, int64_t to)
{
	if (to <= from)
		return 0;
	return o->working_time ? work_elapsed(&o->quiet, from, to) : to - from;
}

static int
on_consult(void *arg, const struct store_fig_consult *c)
{
	struct walk *w = arg;
	struct figures *f = w->f;
	int64_t resp = c->first_answered_at ? response_time(w->o, c->created_at,
	    c->first_answered_at) : 0;
	time_t t = (time_t)(c->created_at / 1000);
	char key[32];
	struct tm tm;

	/* A ticket closed as no question (关 N) is not a consultation the county served. */
	if (c->status && strcmp(c->status, "closed") == 0) {
		f->closed++;
		return 0;
	}
	localtime_r(&t, &tm);
	group_add(&f->total, c, resp);
	if (c->rating >= 1 && c->rating <= 5)
		f->ratings[c->rating - 1]++;
	strftime(key, sizeof(key), "%Y-%m-%d", &tm);
	group_add(group(&f->by_day, key), c, resp);
	strftime(key, sizeof(key), "%G-W%V", &tm);	/* ISO week */
	group_add(group(&f->by_week, key), c, resp);
	strftime(key, sizeof(key), "%Y-%m", &tm);
	group_add(group(&f->by_month, key), c, resp);
	strftime(key, sizeof(key), "%Y", &tm);
	group_add(group(&f->by_year, key), c, resp);
	group_add(group(&f->by_category, c->category), c, resp);
	group_add(group(&f->by_township, c->township ? c->township : ""), c, resp);
	group_add(group(&f->by_channel, c->channel), c, resp);

	w->farmer_ids = xreallocarray(w->farmer_ids, w->nfarmers + 1, sizeof(int64_t));
	w->farmer_ids[w->nfarmers++] = c->farmer_id;
	if (c->farmer_since >= w->o->from) {
		w->new_ids = xreallocarray(w->new_ids, w->nnew + 1, sizeof(int64_t));
		w->new_ids[w->nnew++] = c->farmer_id;
	}
	return 0;
}

static int
on_open(void *arg, const struct store_fig_consult *c)
{
	struct walk *w = arg;
	struct figures *f = w->f;
	struct fig_open *o;

	if (f->nbacklog == BACKLOG_MAX)
		return 0;
	f->backlog = xreallocarray(f->backlog, f->nbacklog + 1, sizeof(*f->backlog));
	o = &f->backlog[f->nbacklog++];
	o->id = c->id;
	o->category = xstrdup(c->category);
	o->township = c->township ? xstrdup(c->township) : NULL;
	o->question = xstrdup(c->question);
	o->age_ms = f->at - c->created_at;
	o->expert_id = c->expert_id;
	return 0;
}

static int
on_event(void *arg, const char *kind, int64_t n)
{
	struct figures *f = ((struct walk *)arg)->f;

	if (strcmp(kind, "passed") == 0)
		f->passes += n;
	else if (strcmp(kind, "reminded") == 0)
		f->reminders += n;
	else if (strcmp(kind, "reassigned") == 0 || strcmp(kind, "off_duty") == 0)
		f->reassignments += n;
	else if (strcmp(kind, "rerouted") == 0)
		f->routes += n;
	else if (strcmp(kind, "to_triage") == 0)
		f->to_triage += n;
	else if (strcmp(kind, "followup") == 0)
		f->followups += n;
	return 0;
}

static struct fig_expert *
expert_of(struct figures *f, int64_t id)
{
	size_t i;

	for (i = 0; i < f->nexperts; i++) {
		if (f->experts[i].id == id)
			return &f->experts[i];
	}
	return NULL;
}

static int
on_person(void *arg, const struct store_expert *e)
{
	struct figures *f = ((struct walk *)arg)->f;
	struct fig_expert *x;

	if (e->role != ROLE_EXPERT)
		return 0;
	f->experts = xreallocarray(f->experts, f->nexperts + 1, sizeof(*f->experts));
	x = &f->experts[f->nexperts++];
	memset(x, 0, sizeof(*x));
	x->id = e->id;
	x->name = xstrdup(e->name);
	x->categories = xstrdup(e->categories ? e->categories : "");
	x->townships = e->townships ? xstrdup(e->townships) : NULL;
	x->on_duty = e->on_duty;
	return 0;
}

/*
 * An expert's figures: every assignment made in the period counts as assigned; one that ended
 * "answered" as answered, with the time from assignment to answer; "passed" as passed. One
 * that ended "taken_over" (someone else answered while the expert had it) is neither theirs
 * to answer any more nor a failure of theirs: it is counted apart and left out of assigned.
 */
static int
on_assignment(void *arg, const struct store_fig_assignment *a)
{
	struct walk *w = arg;
	struct fig_expert *x = expert_of(w->f, a->expert_id);

	if (x == NULL)
		return 0;	/* triage staff */
	if (a->outcome && strcmp(a->outcome, "taken_over") == 0) {
		x->taken_over++;
		return 0;
	}
	if (a->outcome && strcmp(a->outcome, "closed") == 0)
		return 0;	/* no question to answer: triage closed it */
	x->assigned++;
	if (a->outcome && strcmp(a->outcome, "answered") == 0) {
		x->answered++;
		x->response_ms = xreallocarray(x->response_ms, (size_t)(x->nresponse + 1),
		    sizeof(int64_t));
		x->response_ms[x->nresponse++] = response_time(w->o, a->assigned_at, a->ended_at);
	} else if (a->outcome && strcmp(a->outcome, "passed") == 0) {
		x->passed++;
	}
	return 0;
}

/* Ratings go to the expert who answered. */
static int
on_rated(void *arg, const struct store_fig_consult *c)
{
	struct fig_expert *x;

	if (c->rating == 0 || c->answered_by == 0)
		return 0;
	x = expert_of(((struct walk *)arg)->f, c->answered_by);
	if (x) {
		x->rated++;
		x->rating_sum += c->rating;
	}
	return 0;
}

static int
on_message(void *arg, const struct store_fig_message *m)
{
	struct figures *f = ((struct walk *)arg)->f;
	int in = strcmp(m->direction, "in") == 0;
	struct fig_group *g;

	if (in && m->provider && strcmp(m->provider, "ussd") == 0) {
		f->ussd_in++;	/* a USSD step, not an SMS: no SMS cost */
		return 0;
	}
	if (in) {
		f->msgs_in++;
		f->segments_in += m->segments;
	} else if (strcmp(m->status, "withdrawn") != 0) {
		f->msgs_out++;
		f->segments_out += m->segments;
		f->failed_out += strcmp(m->status, "failed") == 0;
		f->delivered_out += strcmp(m->status, "delivered") == 0;
		if (m->broadcast_id)
			f->broadcast_segments += m->segments;
	} else {
		return 0;
	}
	if (m->category) {
		g = group(&f->by_category, m->category);
		if (in)
			g->segments_in += m->segments;
		else
			g->segments_out += m->segments;
	}
	return 0;
}

static int
on_broadcast(void *arg, const struct store_broadcast *b)
{
	struct figures *f = ((struct walk *)arg)->f;
	struct fig_broadcast *x;

	f->broadcasts = xreallocarray(f->broadcasts, f->nbroadcasts + 1, sizeof(*f->broadcasts));
	x = &f->broadcasts[f->nbroadcasts++];
	x->id = b->id;
	x->category = b->category ? xstrdup(b->category) : NULL;
	x->township = b->township ? xstrdup(b->township) : NULL;
	x->body = xstrdup(b->body);
	x->created_at = b->created_at;
	x->queued = b->queued;
	x->sent = b->sent;
	x->delivered = b->delivered;
	x->failed = b->failed;
	x->segments = b->segments;
	return 0;
}

static void
grade_experts(const struct fig_opts *o, struct figures *f)
{
	size_t i;
	int g;

	for (i = 0; i < f->nexperts; i++) {
		struct fig_expert *x = &f->experts[i];
		double rate = x->assigned ? (double)x->answered / (double)x->assigned : 0.0;
		int64_t median = fig_median(x->response_ms, x->nresponse);
		double rating = x->rated ? (double)x->rating_sum / (double)x->rated : 0.0;

		sort_times(x->response_ms, x->nresponse);
		median = fig_median(x->response_ms, x->nresponse);
		x->grade = o->fail_grade;
		if (x->assigned == 0) {
			x->grade = NULL;	/* nothing to appraise in the period */
			continue;
		}
		for (g = 0; g < o->ngrades; g++) {
			const struct fig_grade *gr = &o->grades[g];

			if (rate + 1e-9 < gr->min_answer_rate)
				continue;
			if (gr->max_median_ms && median > gr->max_median_ms)
				continue;
			if (gr->min_rating > 0 && x->rated && rating + 1e-9 < gr->min_rating)
				continue;
			x->grade = gr->name;
			break;
		}
	}
}

int
bureau_figures(struct store *s, const struct fig_opts *o, struct figures *f, char *err,
    size_t errlen)
{
	struct walk w;
	enum store_rc rc;
	size_t i;

	memset(f, 0, sizeof(*f));
	memset(&w, 0, sizeof(w));
	w.o = o;
	w.f = f;
	f->from = o->from;
	f->to = o->to;
	f->at = o->now < o->to ? o->now : o->to;
	f->working_time = o->working_time;
	f->total.key = xstrdup("");

	rc = store_expert_list(s, on_person, &w);
	if (rc == STORE_OK)
		rc = store_fig_consultations(s, o->from, o->to, on_consult, &w);
	if (rc == STORE_OK)
		rc = store_fig_consultations(s, o->from, o->to, on_rated, &w);
	if (rc == STORE_OK)
		rc = store_fig_open_at(s, f->at, on_open, &w);
	if (rc == STORE_OK)
		rc = store_fig_events(s, o->from, o->to, on_event, &w);
	if (rc == STORE_OK)
		rc = store_fig_assignments(s, o->from, o->to, on_assignment, &w);
	if (rc == STORE_OK)
		rc = store_fig_messages(s, o->from, o->to, on_message, &w);
	if (rc == STORE_OK)
		rc = store_broadcast_list(s, o->from, o->to, on_broadcast, &w);
	if (rc == STORE_OK)
		rc = store_fig_registry(s, o->to, &f->registry);
	if (rc) {
		snprintf(err, errlen, "cannot read the figures: %s", store_errmsg(s));
		free(w.farmer_ids);
		free(w.new_ids);
		bureau_figures_free(f);
		return -1;
	}

	/*
	 * Distinct farmers who asked, and those of them first seen in the period (a farmer who
	 * only asked for help or subscribed is in neither).
	 */
	f->farmers = count_distinct(w.farmer_ids, w.nfarmers);
	f->new_farmers = count_distinct(w.new_ids, w.nnew);
	free(w.farmer_ids);
	free(w.new_ids);

	groups_finish(&f->by_day, cmp_key);
	groups_finish(&f->by_week, cmp_key);
	groups_finish(&f->by_month, cmp_key);
	groups_finish(&f->by_year, cmp_key);
	groups_finish(&f->by_category, cmp_busiest);
	groups_finish(&f->by_township, cmp_key);
	groups_finish(&f->by_channel, cmp_channel);
	sort_times(f->total.response_ms, f->total.nresponse);
	for (i = 0; i < (size_t)f->total.nresponse; i++) {
		int b;

		for (b = 0; b < FIG_RESPONSE_BANDS - 1; b++) {
			if (f->total.response_ms[i] <= fig_response_bands[b].up_to_ms)
				break;
		}
		f->response_bands[b]++;
	}
	grade_experts(o, f);
	return 0;
}

void
bureau_figures_free(struct figures *f)
{
	size_t i;

	group_free(&f->total);
	groups_free(&f->by_day);
	groups_free(&f->by_week);
	groups_free(&f->by_month);
	groups_free(&f->by_year);
	groups_free(&f->by_category);
	groups_free(&f->by_township);
	groups_free(&f->by_channel);
	for (i = 0; i < f->nbacklog; i++) {
		free(f->backlog[i].category);
		free(f->backlog[i].township);
		free(f->backlog[i].question);
	}
	free(f->backlog);
	for (i = 0; i < f->nexperts; i++) {
		free(f->experts[i].name);
		free(f->experts[i].categories);
		free(f->experts[i].townships);
		free(f->experts[i].response_ms);
	}
	free(f->experts);
	for (i = 0; i < f->nbroadcasts; i++) {
		free(f->broadcasts[i].category);
		free(f->broadcasts[i].township);
		free(f->broadcasts[i].body);
	}
	free(f->broadcasts);
	memset(f, 0, sizeof(*f));
}

void
bureau_fig_opts(const struct config *cfg, struct fig_grade grades[3], struct fig_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < 2; i++) {
		grades[i].name = cfg->grade_name[i];
		grades[i].min_answer_rate = cfg->grade_rate[i] / 100.0;
		grades[i].max_median_ms = cfg->grade_median_ms[i];
		grades[i].min_rating = cfg->grade_rating[i] / 10.0;
	}
	memset(&grades[2], 0, sizeof(grades[2]));
	grades[2].name = cfg->grade_name[2];
	o->grades = grades;
	o->ngrades = 2;
	o->fail_grade = cfg->grade_name[2];
	o->working_time = cfg->bureau_working_time;
	o->quiet.start_min = cfg->quiet_start_min;
	o->quiet.end_min = cfg->quiet_end_min;
}

/* ms → whole seconds, rounded. */
static json_int_t
secs(int64_t ms)
{
	return (json_int_t)((ms + 500) / 1000);
}

static json_t *
ratio(int64_t part, int64_t whole)
{
	return whole ? json_real((double)part / (double)whole) : json_null();
}

static json_t *
group_json(const struct fig_group *g, const char *label)
{
	json_t *o = json_object();

	json_object_set_new(o, "key", json_string(g->key));
	if (label)
		json_object_set_new(o, "label", json_string(label));
	json_object_set_new(o, "consultations", json_integer(g->consultations));
	json_object_set_new(o, "answered", json_integer(g->answered));
	json_object_set_new(o, "answer_rate", ratio(g->answered, g->consultations));
	json_object_set_new(o, "median_response_seconds", g->nresponse ?
	    json_integer(secs(fig_median(g->response_ms, g->nresponse))) : json_null());
	json_object_set_new(o, "p90_response_seconds", g->nresponse ?
	    json_integer(secs(fig_p90(g->response_ms, g->nresponse))) : json_null());
	json_object_set_new(o, "mean_response_seconds", g->nresponse ?
	    json_integer(secs(fig_mean(g->response_ms, g->nresponse))) : json_null());
	json_object_set_new(o, "rated", json_integer(g->rated));
	json_object_set_new(o, "mean_rating", g->rated ?
	    json_real((double)g->rating_sum / (double)g->rated) : json_null());
	json_object_set_new(o, "satisfied", json_integer(g->satisfied));
	return o;
}

const char *
fig_channel_name(const char *key)
{
	return strcmp(key, "sms") == 0 ? "短信" : strcmp(key, "ussd") == 0 ? "USSD菜单" :
	    strcmp(key, "commissioner") == 0 ? "信息员代问" : key;
}

static json_t *
groups_json(const struct fig_groups *gs, const struct route_rules *rules, int kind)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < gs->n; i++) {
		const char *key = gs->g[i].key, *label = NULL;
		json_t *o;

		if (kind == 'c')
			label = route_rules_name(rules, key);
		else if (kind == 't')
			label = *key ? key : "未登记";
		else if (kind == 'h')
			label = fig_channel_name(key);
		o = group_json(&gs->g[i], label);
		if (kind == 'c') {
			json_object_set_new(o, "segments_in", json_integer(gs->g[i].segments_in));
			json_object_set_new(o, "segments_out", json_integer(gs->g[i].segments_out));
		}
		json_array_append_new(a, o);
	}
	return a;
}

/* "2018-03-01 08:00" in the configured time zone. */
static json_t *
local_minute(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	char buf[32];
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M", &tm);
	return json_string(buf);
}

/* "poultry,livestock" → ["家禽","畜牧"] */
static json_t *
category_labels(const char *codes, const struct route_rules *rules)
{
	json_t *a = json_array();
	const char *p = codes;
	char code[64];

	while (p && *p) {
		size_t n = strcspn(p, ",");

		snprintf(code, sizeof(code), "%.*s", (int)n, p);
		json_array_append_new(a, json_string(route_rules_name(rules, code)));
		p += n + (p[n] == ',');
	}
	return a;
}

json_t *
bureau_figures_json(const struct figures *f, const struct route_rules *rules,
    const char *tz_name)
{
	json_t *root = json_object(), *o, *a;
	const struct fig_group *t = &f->total;
	size_t i;

	o = json_object();
	json_object_set_new(o, "from", f->from > 0 ? local_minute(f->from) : json_null());
	json_object_set_new(o, "to", f->to < INT64_MAX ? local_minute(f->to) : json_null());
	json_object_set_new(o, "timezone", json_string(tz_name ? tz_name : ""));
	json_object_set_new(o, "backlog_at", local_minute(f->at));
	json_object_set_new(root, "period", o);

	o = json_object();
	json_object_set_new(o, "consultations", json_integer(t->consultations));
	json_object_set_new(o, "farmers", json_integer(f->farmers));
	json_object_set_new(o, "new_farmers", json_integer(f->new_farmers));
	json_object_set_new(o, "followups", json_integer(f->followups));
	json_object_set_new(o, "closed", json_integer(f->closed));
	json_object_set_new(o, "by_day", groups_json(&f->by_day, rules, 0));
	json_object_set_new(o, "by_week", groups_json(&f->by_week, rules, 0));
	json_object_set_new(o, "by_month", groups_json(&f->by_month, rules, 0));
	json_object_set_new(o, "by_year", groups_json(&f->by_year, rules, 0));
	json_object_set_new(o, "by_category", groups_json(&f->by_category, rules, 'c'));
	json_object_set_new(o, "by_township", groups_json(&f->by_township, rules, 't'));
	json_object_set_new(o, "by_channel", groups_json(&f->by_channel, rules, 'h'));
	json_object_set_new(root, "volume", o);

	o = group_json(t, NULL);
	json_object_del(o, "key");
	json_object_set_new(o, "working_time", json_boolean(f->working_time));
	json_object_set_new(o, "passes", json_integer(f->passes));
	json_object_set_new(o, "reminders", json_integer(f->reminders));
	json_object_set_new(o, "reassignments", json_integer(f->reassignments));
	json_object_set_new(o, "routes", json_integer(f->routes));
	json_object_set_new(o, "to_triage", json_integer(f->to_triage));
	a = json_array();
	for (i = 0; i < FIG_RESPONSE_BANDS; i++) {
		json_array_append_new(a, json_pack("{s:s, s:o, s:I}", "label",
		    fig_response_bands[i].label, "up_to_seconds", fig_response_bands[i].up_to_ms ?
		    json_integer(fig_response_bands[i].up_to_ms / 1000) : json_null(), "answered",
		    (json_int_t)f->response_bands[i]));
	}
	json_object_set_new(o, "response_distribution", a);
	a = json_array();
	for (i = 0; i < f->nbacklog; i++) {
		const struct fig_open *b = &f->backlog[i];

		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s?, s:I, s:s}", "ticket",
		    (json_int_t)b->id, "category", b->category, "label",
		    route_rules_name(rules, b->category), "township", b->township, "age_seconds",
		    secs(b->age_ms), "question", b->question));
	}
	json_object_set_new(o, "backlog", json_pack("{s:I, s:I, s:o}", "open",
	    (json_int_t)f->nbacklog, "oldest_seconds", f->nbacklog ? secs(f->backlog[0].age_ms) :
	    (json_int_t)0, "items", a));
	json_object_set_new(root, "service", o);

	o = json_object();
	json_object_set_new(o, "rated", json_integer(t->rated));
	json_object_set_new(o, "rating_rate", ratio(t->rated, t->answered));
	json_object_set_new(o, "mean_rating", t->rated ?
	    json_real((double)t->rating_sum / (double)t->rated) : json_null());
	json_object_set_new(o, "satisfied", json_integer(t->satisfied));
	json_object_set_new(o, "satisfied_share", ratio(t->satisfied, t->rated));
	a = json_array();
	for (i = 0; i < 5; i++)
		json_array_append_new(a, json_integer(f->ratings[i]));
	json_object_set_new(o, "by_rating", a);	/* how many 1, 2, 3, 4, 5 */
	json_object_set_new(root, "satisfaction", o);

	a = json_array();
	for (i = 0; i < f->nexperts; i++) {
		const struct fig_expert *x = &f->experts[i];

		o = json_object();
		json_object_set_new(o, "id", json_integer(x->id));
		json_object_set_new(o, "name", json_string(x->name));
		json_object_set_new(o, "categories", json_string(x->categories));
		json_object_set_new(o, "category_labels", category_labels(x->categories, rules));
		json_object_set_new(o, "assigned", json_integer(x->assigned));
		json_object_set_new(o, "answered", json_integer(x->answered));
		json_object_set_new(o, "passed", json_integer(x->passed));
		json_object_set_new(o, "taken_over", json_integer(x->taken_over));
		json_object_set_new(o, "answer_rate", ratio(x->answered, x->assigned));
		json_object_set_new(o, "median_response_seconds", x->nresponse ?
		    json_integer(secs(fig_median(x->response_ms, x->nresponse))) : json_null());
		json_object_set_new(o, "rated", json_integer(x->rated));
		json_object_set_new(o, "mean_rating", x->rated ?
		    json_real((double)x->rating_sum / (double)x->rated) : json_null());
		json_object_set_new(o, "grade", x->grade ? json_string(x->grade) : json_null());
		json_array_append_new(a, o);
	}
	json_object_set_new(root, "experts", a);

	o = json_object();
	json_object_set_new(o, "messages_in", json_integer(f->msgs_in));
	json_object_set_new(o, "messages_out", json_integer(f->msgs_out));
	json_object_set_new(o, "segments_in", json_integer(f->segments_in));
	json_object_set_new(o, "ussd_questions", json_integer(f->ussd_in));
	json_object_set_new(o, "segments_out", json_integer(f->segments_out));
	json_object_set_new(o, "delivered", json_integer(f->delivered_out));
	json_object_set_new(o, "failed", json_integer(f->failed_out));
	json_object_set_new(o, "broadcast_segments", json_integer(f->broadcast_segments));
	json_object_set_new(root, "cost", o);

	a = json_array();
	for (i = 0; i < f->nbroadcasts; i++) {
		const struct fig_broadcast *b = &f->broadcasts[i];

		json_array_append_new(a, json_pack("{s:I, s:o, s:s?, s:s?, s:s, s:I, s:I, s:I, s:I,"
		    " s:I}", "id", (json_int_t)b->id, "at", local_minute(b->created_at), "category", b->category, "township", b->township, "text",
		    b->body, "queued", (json_int_t)b->queued, "sent", (json_int_t)b->sent,
		    "delivered", (json_int_t)b->delivered, "failed", (json_int_t)b->failed,
		    "segments", (json_int_t)b->segments));
	}
	json_object_set_new(root, "broadcasts", a);

	json_object_set_new(root, "registry", json_pack("{s:I, s:I, s:I, s:I}", "experts",
	    (json_int_t)f->registry.experts, "triage", (json_int_t)f->registry.triage,
	    "commissioners", (json_int_t)f->registry.commissioners, "farmers",
	    (json_int_t)f->registry.farmers));
	return root;
}
