/*
 * `farmline stats`: the figures of a period in three forms. The table groups consultations by
 * one key, then states the service, satisfaction, farmer, cost and registry figures, the
 * experts' appraisal and the newest consultations.
 */
#include "bureau/stats.h"

#include "bureau/table.h"
#include "common/utf8.h"
#include "routing/classify.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const by_names[] = { "category", "day", "week", "month", "year", "township",
    "channel", "expert" };
static const char *const by_titles[] = { "类别", "日期", "周", "月份", "年份", "乡镇", "渠道",
    "专家" };
static const char *const format_names[] = { "table", "csv", "json" };

#define NBY ((int)(sizeof(by_names) / sizeof(by_names[0])))

int
bureau_by_parse(const char *name)
{
	int i;

	for (i = 0; i < NBY; i++) {
		if (strcmp(name, by_names[i]) == 0)
			return i;
	}
	return -1;
}

int
bureau_format_parse(const char *name)
{
	int i;

	for (i = 0; i < 3; i++) {
		if (strcmp(name, format_names[i]) == 0)
			return i;
	}
	return -1;
}

void
bureau_duration(int64_t ms, char *buf, size_t len)
{
	int64_t s = (ms + 500) / 1000;

	if (s < 60)
		snprintf(buf, len, "%lld秒", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lld分%lld秒", (long long)(s / 60), (long long)(s % 60));
	else if (s < 86400 && s % 3600 / 60 == 0)
		snprintf(buf, len, "%lld小时", (long long)(s / 3600));
	else if (s < 86400)
		snprintf(buf, len, "%lld小时%lld分", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else if (s % 86400 / 3600 == 0)
		snprintf(buf, len, "%lld天", (long long)(s / 86400));
	else
		snprintf(buf, len, "%lld天%lld小时", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600));
}

static void
local_time(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
}

static const struct fig_groups *
groups_by(const struct figures *f, enum stats_by by)
{
	switch (by) {
	case BY_DAY:
		return &f->by_day;
	case BY_WEEK:
		return &f->by_week;
	case BY_MONTH:
		return &f->by_month;
	case BY_YEAR:
		return &f->by_year;
	case BY_TOWNSHIP:
		return &f->by_township;
	case BY_CHANNEL:
		return &f->by_channel;
	case BY_CATEGORY:
	default:
		return &f->by_category;
	}
}

static const char *
key_label(const struct stats_opts *o, const char *key)
{
	if (o->by == BY_CATEGORY)
		return route_rules_name(o->rules, key);
	if (o->by == BY_CHANNEL)
		return fig_channel_name(key);
	if (*key == '\0')
		return o->by == BY_TOWNSHIP ? "未登记" : "";
	return key;
}

/* A duration cell: words in a table, whole seconds in CSV, "-" when there is none. */
static void
duration_cell(const struct stats_opts *o, int have, int64_t ms, char *buf, size_t len)
{
	if (!have)
		snprintf(buf, len, "-");
	else if (o->format == STATS_TABLE)
		bureau_duration(ms, buf, len);
	else
		snprintf(buf, len, "%lld", (long long)((ms + 500) / 1000));
}

static void
percent_cell(int64_t part, int64_t whole, char *buf, size_t len)
{
	if (whole)
		snprintf(buf, len, "%.1f%%", 100.0 * (double)part / (double)whole);
	else
		snprintf(buf, len, "-");
}

#define GROUP_COLS 9

static void
group_cells(const struct stats_opts *o, const struct fig_group *g, const char *label,
    char cells[GROUP_COLS][64])
{
	snprintf(cells[0], 64, "%s", label);
	snprintf(cells[1], 64, "%lld", (long long)g->consultations);
	snprintf(cells[2], 64, "%lld", (long long)g->answered);
	percent_cell(g->answered, g->consultations, cells[3], 64);
	duration_cell(o, g->nresponse > 0, fig_median(g->response_ms, g->nresponse), cells[4], 64);
	duration_cell(o, g->nresponse > 0, fig_p90(g->response_ms, g->nresponse), cells[5], 64);
	snprintf(cells[6], 64, "%lld", (long long)g->rated);
	if (g->rated)
		snprintf(cells[7], 64, "%.2f", (double)g->rating_sum / (double)g->rated);
	else
		snprintf(cells[7], 64, "-");
	percent_cell(g->satisfied, g->rated, cells[8], 64);
}

static struct table *
groups_table(const struct stats_opts *o, const struct figures *f)
{
	static const int right[GROUP_COLS] = { 0, 1, 1, 1, 1, 1, 1, 1, 1 };
	const struct fig_groups *gs = groups_by(f, o->by);
	char cells[GROUP_COLS][64];
	const char *cellp[GROUP_COLS];
	struct table *t = table_new(GROUP_COLS, right);
	size_t i;
	int k;

	cellp[0] = by_titles[o->by];
	cellp[1] = "咨询";
	cellp[2] = "已答复";
	cellp[3] = "答复率";
	cellp[4] = o->format == STATS_TABLE ? "响应时间中位数" : "响应秒数中位数";
	cellp[5] = o->format == STATS_TABLE ? "90%响应时间" : "90%响应秒数";
	cellp[6] = "评价数";
	cellp[7] = "平均评分";
	cellp[8] = "满意率";
	table_add(t, cellp);
	for (i = 0; i <= gs->n; i++) {
		const struct fig_group *g = i < gs->n ? &gs->g[i] : &f->total;

		if (i < gs->n && g->consultations == 0)
			continue;	/* a category that only has SMS cost */
		group_cells(o, g, i < gs->n ? key_label(o, g->key) : "合计", cells);
		for (k = 0; k < GROUP_COLS; k++)
			cellp[k] = cells[k];
		table_add(t, cellp);
	}
	return t;
}

#define EXPERT_COLS 10

static struct table *
experts_table(const struct stats_opts *o, const struct figures *f)
{
	static const int right[EXPERT_COLS] = { 0, 0, 1, 1, 1, 1, 1, 1, 1, 0 };
	char cells[EXPERT_COLS][96];
	const char *cellp[EXPERT_COLS];
	struct table *t = table_new(EXPERT_COLS, right);
	size_t i;
	int k;

	cellp[0] = "专家";
	cellp[1] = "类别";
	cellp[2] = "分配";
	cellp[3] = "答复";
	cellp[4] = "转交";
	cellp[5] = "答复率";
	cellp[6] = o->format == STATS_TABLE ? "响应时间中位数" : "响应秒数中位数";
	cellp[7] = "评价数";
	cellp[8] = "平均评分";
	cellp[9] = "考核";
	table_add(t, cellp);
	for (i = 0; i < f->nexperts; i++) {
		const struct fig_expert *x = &f->experts[i];
		char names[96];

		route_codes_names(o->rules, x->categories, names, sizeof(names));
		snprintf(cells[0], sizeof(cells[0]), "%s", x->name);
		snprintf(cells[1], sizeof(cells[1]), "%s", names);
		snprintf(cells[2], sizeof(cells[2]), "%lld", (long long)x->assigned);
		snprintf(cells[3], sizeof(cells[3]), "%lld", (long long)x->answered);
		snprintf(cells[4], sizeof(cells[4]), "%lld", (long long)x->passed);
		percent_cell(x->answered, x->assigned, cells[5], sizeof(cells[5]));
		duration_cell(o, x->nresponse > 0, fig_median(x->response_ms, x->nresponse),
		    cells[6], sizeof(cells[6]));
		snprintf(cells[7], sizeof(cells[7]), "%lld", (long long)x->rated);
		if (x->rated)
			snprintf(cells[8], sizeof(cells[8]), "%.2f", (double)x->rating_sum /
			    (double)x->rated);
		else
			snprintf(cells[8], sizeof(cells[8]), "-");
		snprintf(cells[9], sizeof(cells[9]), "%s", x->grade ? x->grade : "-");
		for (k = 0; k < EXPERT_COLS; k++)
			cellp[k] = cells[k];
		table_add(t, cellp);
	}
	return t;
}

static const char *
status_label(const char *status)
{
	if (strcmp(status, "queued") == 0)
		return "排队中";
	if (strcmp(status, "assigned") == 0)
		return "待答复";
	if (strcmp(status, "answered") == 0)
		return "已答复";
	if (strcmp(status, "closed") == 0)
		return "已结束";
	return status;
}

/* At most 20 characters of text, never cut inside one, "…" when cut. */
static void
excerpt(const char *q, char *buf, size_t len)
{
	size_t used = (size_t)(utf8_skip(q, 20) - q);

	snprintf(buf, len, "%.*s%s", (int)used, q, q[used] ? "…" : "");
}

static struct table *
recent_table(const struct stats_opts *o, const struct store_consult_line *lines, size_t n)
{
	static const int right[8] = { 1, 0, 0, 0, 0, 1, 1, 0 };
	char when[32], resp[32], ticket[24], rating[8], question[96];
	const char *cellp[8];
	struct table *t = table_new(8, right);
	size_t i;

	cellp[0] = "编号";
	cellp[1] = "时间";
	cellp[2] = "类别";
	cellp[3] = "状态";
	cellp[4] = "专家";
	cellp[5] = "响应时间";
	cellp[6] = "评分";
	cellp[7] = "问题";
	table_add(t, cellp);
	for (i = 0; i < n; i++) {
		const struct store_consult_line *l = &lines[i];

		snprintf(ticket, sizeof(ticket), "%lld", (long long)l->id);
		local_time(l->created_at, when, sizeof(when));
		if (l->first_answered_at)
			bureau_duration(l->first_answered_at - l->created_at, resp, sizeof(resp));
		else
			snprintf(resp, sizeof(resp), "-");
		if (l->rating)
			snprintf(rating, sizeof(rating), "%d", l->rating);
		else
			snprintf(rating, sizeof(rating), "-");
		excerpt(l->question, question, sizeof(question));
		cellp[0] = ticket;
		cellp[1] = when;
		cellp[2] = route_rules_name(o->rules, l->category);
		cellp[3] = status_label(l->status);
		cellp[4] = l->expert ? l->expert : "-";
		cellp[5] = resp;
		cellp[6] = rating;
		cellp[7] = question;
		table_add(t, cellp);
	}
	return t;
}

/* The sentences under the table. */
static void
print_summary(const struct stats_opts *o, const struct figures *f, FILE *out)
{
	const struct fig_group *t = &f->total;
	char a[32], b[32], c[32];
	size_t i;

	if (t->nresponse) {
		bureau_duration(fig_median(t->response_ms, t->nresponse), a, sizeof(a));
		bureau_duration(fig_p90(t->response_ms, t->nresponse), b, sizeof(b));
		bureau_duration(fig_mean(t->response_ms, t->nresponse), c, sizeof(c));
		fprintf(out, "服务：答复%lld个，答复率%.1f%%；首次答复用时中位数%s，90%%在%s内，平均%s%s。\n",
		    (long long)t->answered, 100.0 * (double)t->answered / (double)t->consultations,
		    a, b, c, f->working_time ? "（不计夜间）" : "");
	} else {
		fprintf(out, "服务：答复%lld个。\n", (long long)t->answered);
	}
	fprintf(out, "流转：转交%lld次，提醒%lld次，改派%lld次，分诊员改分%lld次，转分诊员%lld次，追问%lld次"
	    "%s", (long long)f->passes, (long long)f->reminders, (long long)f->reassignments,
	    (long long)f->routes, (long long)f->to_triage, (long long)f->followups,
	    f->closed ? "" : "。\n");
	if (f->closed)
		fprintf(out, "；分诊员关闭无具体问题的来信%lld条（不计入咨询）。\n", (long long)f->closed);
	if (f->nbacklog) {
		bureau_duration(f->backlog[0].age_ms, a, sizeof(a));
		local_time(f->at, b, sizeof(b));
		fprintf(out, "待答：截至%s有%zu个问题未答复，最早的#%lld已等待%s。\n", b, f->nbacklog,
		    (long long)f->backlog[0].id, a);
	} else {
		fprintf(out, "待答：没有未答复的问题。\n");
	}
	if (t->rated)
		fprintf(out, "满意度：评价%lld个，占已答复的%.1f%%，平均%.2f分，满意（4–5分）%.1f%%。\n",
		    (long long)t->rated, t->answered ? 100.0 * (double)t->rated /
		    (double)t->answered : 0.0, (double)t->rating_sum / (double)t->rated,
		    100.0 * (double)t->satisfied / (double)t->rated);
	else
		fprintf(out, "满意度：尚无评价。\n");
	fprintf(out, "农户：提问农户%lld户，其中新农户%lld户。渠道：", (long long)f->farmers,
	    (long long)f->new_farmers);
	for (i = 0; i < f->by_channel.n; i++)
		fprintf(out, "%s%s%lld个", i ? "，" : "", fig_channel_name(f->by_channel.g[i].key),
		    (long long)f->by_channel.g[i].consultations);
	fprintf(out, "%s。\n", f->by_channel.n ? "" : "无");
	fprintf(out, "短信：收到%lld条（%lld段），发出%lld条（%lld段，其中资讯%lld段），送达失败%lld条。\n",
	    (long long)f->msgs_in, (long long)f->segments_in, (long long)f->msgs_out,
	    (long long)f->segments_out, (long long)f->broadcast_segments,
	    (long long)f->failed_out);
	for (i = 0; i < f->nbroadcasts; i++) {
		const struct fig_broadcast *bc = &f->broadcasts[i];

		local_time(bc->created_at, a, sizeof(a));
		fprintf(out, "资讯#%lld（%s%s%s%s）：排队%lld条，已发%lld条，送达%lld条，失败%lld条。\n",
		    (long long)bc->id, a, bc->category || bc->township ? "，" : "",
		    bc->category ? route_rules_name(o->rules, bc->category) : "",
		    bc->township ? bc->township : "", (long long)bc->queued, (long long)bc->sent,
		    (long long)bc->delivered, (long long)bc->failed);
	}
	fprintf(out, "在册：专家%lld名，分诊员%lld名，信息员%lld名，农户%lld户。\n",
	    (long long)f->registry.experts, (long long)f->registry.triage,
	    (long long)f->registry.commissioners, (long long)f->registry.farmers);
}

static json_t *
recent_json(const struct store_consult_line *lines, size_t n)
{
	json_t *recent = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		const struct store_consult_line *l = &lines[i];
		json_t *c = json_pack("{s:I, s:s, s:s, s:s, s:I}", "ticket", (json_int_t)l->id,
		    "category", l->category, "status", l->status, "question", l->question,
		    "created_at", (json_int_t)(l->created_at / 1000));

		json_object_set_new(c, "expert", l->expert ? json_string(l->expert) : json_null());
		json_object_set_new(c, "response_seconds", l->first_answered_at ?
		    json_integer((l->first_answered_at - l->created_at + 500) / 1000) : json_null());
		json_object_set_new(c, "rating", l->rating ? json_integer(l->rating) : json_null());
		json_array_append_new(recent, c);
	}
	return recent;
}

int
bureau_stats(struct store *s, const struct stats_opts *o, FILE *out, char *err, size_t errlen)
{
	struct store_consult_line *lines = NULL;
	struct table *t = NULL, *et = NULL, *rt = NULL;
	struct figures f;
	size_t nlines = 0;
	json_t *root, *all;
	int rc = -1;

	if (bureau_figures(s, &o->fig, &f, err, errlen) != 0)
		return -1;
	if (store_stats_recent(s, o->fig.from, o->fig.to, o->recent, &lines, &nlines)) {
		snprintf(err, errlen, "store: %s", store_errmsg(s));
		goto out;
	}

	if (o->format == STATS_JSON) {
		root = bureau_figures_json(&f, o->rules, o->timezone);
		json_object_set_new(root, "from", o->from_label ? json_string(o->from_label) :
		    json_null());
		json_object_set_new(root, "to", o->to_label ? json_string(o->to_label) : json_null());
		json_object_set_new(root, "by", json_string(by_names[o->by]));
		all = json_object_get(json_object_get(root, "volume"), o->by == BY_EXPERT ?
		    "by_category" : o->by == BY_DAY ? "by_day" : o->by == BY_WEEK ? "by_week" :
		    o->by == BY_MONTH ? "by_month" : o->by == BY_YEAR ? "by_year" :
		    o->by == BY_TOWNSHIP ? "by_township" : o->by == BY_CHANNEL ? "by_channel" :
		    "by_category");
		json_object_set(root, "groups", o->by == BY_EXPERT ?
		    json_object_get(root, "experts") : all);
		all = json_deep_copy(json_object_get(root, "service"));
		json_object_del(all, "backlog");
		json_object_set_new(all, "consultations", json_integer(f.total.consultations));
		json_object_set_new(root, "total", all);
		json_object_set_new(root, "recent", recent_json(lines, nlines));
		json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', out);
		json_decref(root);
		rc = 0;
		goto out;
	}

	t = o->by == BY_EXPERT ? experts_table(o, &f) : groups_table(o, &f);
	if (o->format == STATS_CSV) {
		fputs("\xef\xbb\xbf", out);	/* so that spreadsheet programs read UTF-8 */
		table_print_csv(t, out);
		rc = 0;
		goto out;
	}

	fprintf(out, "咨询统计 %s 至 %s（%s）\n\n", o->from_label ? o->from_label : "开始",
	    o->to_label ? o->to_label : "今天", o->timezone);
	table_print(t, out);
	fputc('\n', out);
	print_summary(o, &f, out);
	if (o->by != BY_EXPERT && f.nexperts) {
		et = experts_table(o, &f);
		fprintf(out, "\n专家考核\n\n");
		table_print(et, out);
	}
	if (nlines > 0) {
		rt = recent_table(o, lines, nlines);
		fprintf(out, "\n最近的咨询\n\n");
		table_print(rt, out);
	}
	rc = 0;
out:
	table_free(t);
	table_free(et);
	table_free(rt);
	store_stats_recent_free(lines, nlines);
	bureau_figures_free(&f);
	return rc;
}
