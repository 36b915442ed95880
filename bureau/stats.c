/*
 * The stats command's figures and their three output forms.
 */
#include "bureau/stats.h"

#include "bureau/table.h"
#include "routing/classify.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const by_names[] = { "category", "day", "month", "township", "expert" };
static const char *const by_titles[] = { "类别", "日期", "月份", "乡镇", "专家" };
static const char *const format_names[] = { "table", "csv", "json" };

int
bureau_by_parse(const char *name)
{
	int i;

	for (i = 0; i < 5; i++) {
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
	else if (s < 86400)
		snprintf(buf, len, "%lld小时%lld分", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		snprintf(buf, len, "%lld天%lld小时", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600));
}

int64_t
bureau_median(const int64_t *v, int64_t n)
{
	if (n == 0)
		return 0;
	if (n % 2)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The offset of local time from UTC now, in ms (for grouping by day and month). */
static int64_t
utc_offset_ms(void)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	return (int64_t)tm.tm_gmtoff * 1000;
}

static void
local_time(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
}

/* Merge every group into one total row (response times sorted again). */
static void
total_of(const struct store_stats_row *rows, size_t n, struct store_stats_row *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		t->consultations += rows[i].consultations;
		t->answered += rows[i].answered;
		t->rated += rows[i].rated;
		t->rating_sum += rows[i].rating_sum;
		t->nresponse += rows[i].nresponse;
	}
	t->response_ms = calloc((size_t)(t->nresponse ? t->nresponse : 1), sizeof(int64_t));
	if (t->response_ms == NULL)
		abort();
	t->nresponse = 0;
	for (i = 0; i < n; i++) {
		if (rows[i].nresponse == 0)
			continue;
		memcpy(t->response_ms + t->nresponse, rows[i].response_ms,
		    (size_t)rows[i].nresponse * sizeof(int64_t));
		t->nresponse += rows[i].nresponse;
	}
	qsort(t->response_ms, (size_t)t->nresponse, sizeof(int64_t), cmp_i64);
}

static const char *
key_label(const struct stats_opts *o, const char *key)
{
	if (o->by == STATS_BY_CATEGORY)
		return route_rules_name(o->rules, key);
	if (*key == '\0')
		return o->by == STATS_BY_TOWNSHIP ? "未登记" : o->by == STATS_BY_EXPERT ? "未分配" : "";
	return key;
}

static void
row_cells(const struct stats_opts *o, const struct store_stats_row *r, const char *label,
    char cells[7][64])
{
	snprintf(cells[0], 64, "%s", label);
	snprintf(cells[1], 64, "%lld", (long long)r->consultations);
	snprintf(cells[2], 64, "%lld", (long long)r->answered);
	snprintf(cells[3], 64, "%.1f%%", r->consultations ?
	    100.0 * (double)r->answered / (double)r->consultations : 0.0);
	if (r->nresponse == 0)
		snprintf(cells[4], 64, "-");
	else if (o->format == STATS_TABLE)
		bureau_duration(bureau_median(r->response_ms, r->nresponse), cells[4], 64);
	else
		snprintf(cells[4], 64, "%lld", (long long)(bureau_median(r->response_ms,
		    r->nresponse) + 500) / 1000);
	snprintf(cells[5], 64, "%lld", (long long)r->rated);
	if (r->rated)
		snprintf(cells[6], 64, "%.2f", r->rating_sum / (double)r->rated);
	else
		snprintf(cells[6], 64, "-");
}

static json_t *
row_json(const struct store_stats_row *r, const char *key, const char *label)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I}", "key", key, "label", label,
	    "consultations", (json_int_t)r->consultations, "answered", (json_int_t)r->answered,
	    "rated", (json_int_t)r->rated);

	json_object_set_new(o, "answer_rate", r->consultations ?
	    json_real((double)r->answered / (double)r->consultations) : json_null());
	json_object_set_new(o, "median_response_seconds", r->nresponse ?
	    json_real((double)bureau_median(r->response_ms, r->nresponse) / 1000.0) : json_null());
	json_object_set_new(o, "mean_rating", r->rated ?
	    json_real(r->rating_sum / (double)r->rated) : json_null());
	return o;
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

int
bureau_stats(struct store *s, const struct stats_opts *o, FILE *out, char *err, size_t errlen)
{
	static const int right[7] = { 0, 1, 1, 1, 1, 1, 1 };
	static const int right_recent[8] = { 1, 0, 0, 0, 0, 1, 1, 0 };
	struct store_stats_row *rows = NULL, total;
	struct store_consult_line *lines = NULL;
	size_t nrows = 0, nlines = 0, i;
	struct table *t = NULL, *rt = NULL;
	char cells[7][64];
	const char *cellp[8];
	int rc = -1, k;

	memset(&total, 0, sizeof(total));
	if (store_stats_group(s, o->by, o->from, o->to, utc_offset_ms(), &rows, &nrows) ||
	    store_stats_recent(s, o->from, o->to, o->recent, &lines, &nlines)) {
		snprintf(err, errlen, "store: %s", store_errmsg(s));
		goto out;
	}
	total_of(rows, nrows, &total);

	if (o->format == STATS_JSON) {
		json_t *root = json_object(), *groups = json_array(), *recent = json_array();

		json_object_set_new(root, "from", o->from_label ? json_string(o->from_label) :
		    json_null());
		json_object_set_new(root, "to", o->to_label ? json_string(o->to_label) : json_null());
		json_object_set_new(root, "timezone", json_string(o->timezone));
		json_object_set_new(root, "by", json_string(by_names[o->by]));
		for (i = 0; i < nrows; i++)
			json_array_append_new(groups, row_json(&rows[i], rows[i].key,
			    key_label(o, rows[i].key)));
		json_object_set_new(root, "groups", groups);
		json_object_set_new(root, "total", row_json(&total, "total", "合计"));
		for (i = 0; i < nlines; i++) {
			const struct store_consult_line *l = &lines[i];
			json_t *c = json_pack("{s:I, s:s, s:s, s:s, s:I}", "ticket", (json_int_t)l->id,
			    "category", l->category, "status", l->status, "question", l->question,
			    "created_at", (json_int_t)(l->created_at / 1000));

			json_object_set_new(c, "expert", l->expert ? json_string(l->expert) :
			    json_null());
			json_object_set_new(c, "response_seconds", l->first_answered_at ?
			    json_real((double)(l->first_answered_at - l->created_at) / 1000.0) :
			    json_null());
			json_object_set_new(c, "rating", l->rating ? json_integer(l->rating) :
			    json_null());
			json_array_append_new(recent, c);
		}
		json_object_set_new(root, "recent", recent);
		json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', out);
		json_decref(root);
		rc = 0;
		goto out;
	}

	t = table_new(7, right);
	cellp[0] = by_titles[o->by];
	cellp[1] = "咨询";
	cellp[2] = "已答复";
	cellp[3] = "答复率";
	cellp[4] = o->format == STATS_TABLE ? "响应时间中位数" : "响应秒数中位数";
	cellp[5] = "评价数";
	cellp[6] = "平均评分";
	table_add(t, cellp);
	for (i = 0; i <= nrows; i++) {
		const struct store_stats_row *r = i < nrows ? &rows[i] : &total;

		row_cells(o, r, i < nrows ? key_label(o, r->key) : "合计", cells);
		for (k = 0; k < 7; k++)
			cellp[k] = cells[k];
		table_add(t, cellp);
	}
	if (o->format == STATS_CSV) {
		fputs("\xef\xbb\xbf", out);	/* so that spreadsheet programs read UTF-8 */
		table_print_csv(t, out);
		rc = 0;
		goto out;
	}

	fprintf(out, "咨询统计 %s 至 %s（%s）\n\n", o->from_label ? o->from_label : "开始",
	    o->to_label ? o->to_label : "今天", o->timezone);
	table_print(t, out);

	if (nlines > 0) {
		char when[32], resp[32], ticket[24], rating[8];

		rt = table_new(8, right_recent);
		cellp[0] = "编号";
		cellp[1] = "时间";
		cellp[2] = "类别";
		cellp[3] = "状态";
		cellp[4] = "专家";
		cellp[5] = "响应时间";
		cellp[6] = "评分";
		cellp[7] = "问题";
		table_add(rt, cellp);
		for (i = 0; i < nlines; i++) {
			const struct store_consult_line *l = &lines[i];
			char question[96];

			snprintf(ticket, sizeof(ticket), "%lld", (long long)l->id);
			local_time(l->created_at, when, sizeof(when));
			if (l->first_answered_at)
				bureau_duration(l->first_answered_at - l->created_at, resp,
				    sizeof(resp));
			else
				snprintf(resp, sizeof(resp), "-");
			if (l->rating)
				snprintf(rating, sizeof(rating), "%d", l->rating);
			else
				snprintf(rating, sizeof(rating), "-");
			/* At most 20 characters of the question, never cut inside one. */
			{
				const char *q = l->question;
				int chars = 0;
				size_t used = 0;

				while (q[used] && chars < 20) {
					used++;
					while ((q[used] & 0xc0) == 0x80)
						used++;
					chars++;
				}
				snprintf(question, sizeof(question), "%.*s%s", (int)used, q,
				    q[used] ? "…" : "");
			}
			cellp[0] = ticket;
			cellp[1] = when;
			cellp[2] = route_rules_name(o->rules, l->category);
			cellp[3] = status_label(l->status);
			cellp[4] = l->expert ? l->expert : "-";
			cellp[5] = resp;
			cellp[6] = rating;
			cellp[7] = question;
			table_add(rt, cellp);
		}
		fprintf(out, "\n最近的咨询\n\n");
		table_print(rt, out);
	}
	rc = 0;
out:
	table_free(t);
	table_free(rt);
	free(total.response_ms);
	store_stats_free(rows, nrows);
	store_stats_recent_free(lines, nlines);
	return rc;
}
