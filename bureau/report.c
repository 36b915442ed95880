/*
 * The work-summary report. Paragraphs are built into a growing buffer so that the same words
 * serve the plain text, the Markdown and the JSON forms.
 */
#include "bureau/report.h"

#include "bureau/period.h"
#include "bureau/stats.h"
#include "common/buf.h"
#include "common/log.h"
#include "routing/classify.h"
#include "common/xmalloc.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARAS 12

struct paras {
	struct buf p[MAX_PARAS];
	int n;
};

/* Append to the current paragraph (start one with para_new). */
static void FL_PRINTF(2, 3)
add(struct paras *ps, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&ps->p[ps->n - 1], fmt, ap);
	va_end(ap);
}

static void
para_new(struct paras *ps)
{
	if (ps->n < MAX_PARAS)
		ps->n++;
}

static double
pct(int64_t part, int64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* Groups sorted by consultations, most first (a copy of the pointers). */
static int
cmp_volume(const void *a, const void *b)
{
	const struct fig_group *x = *(const struct fig_group *const *)a;
	const struct fig_group *y = *(const struct fig_group *const *)b;

	if ((*x->key == '\0') != (*y->key == '\0'))
		return *x->key == '\0' ? 1 : -1;	/* farmers who never registered: last */
	if (x->consultations != y->consultations)
		return x->consultations < y->consultations ? 1 : -1;
	return strcmp(x->key, y->key);
}

static const struct fig_group **
by_volume(const struct fig_groups *gs)
{
	const struct fig_group **v = xcalloc(gs->n + 1, sizeof(*v));
	size_t i;

	for (i = 0; i < gs->n; i++)
		v[i] = &gs->g[i];
	qsort(v, gs->n, sizeof(*v), cmp_volume);
	return v;
}

static void
write_paras(const struct report_opts *o, const struct figures *f, struct paras *ps)
{
	const struct fig_group *t = &f->total, **v;
	char a[32], b[32];
	int64_t graded[3] = { 0, 0, 0 }, appraised = 0;
	size_t i;
	int k, listed;

	/* Volume. */
	para_new(ps);
	add(ps, "%s，%s共受理农户技术咨询%lld条，涉及农户%lld户，其中首次使用平台的农户%lld户",
	    o->title, o->platform, (long long)t->consultations, (long long)f->farmers,
	    (long long)f->new_farmers);
	if (f->by_channel.n) {
		add(ps, "；按渠道分，");
		for (i = 0; i < f->by_channel.n; i++)
			add(ps, "%s%s%lld条", i ? "、" : "", fig_channel_name(f->by_channel.g[i].key),
			    (long long)f->by_channel.g[i].consultations);
	}
	add(ps, "。");
	if (t->consultations) {
		v = by_volume(&f->by_category);
		add(ps, "按产业分，");
		for (i = 0, listed = 0; v[i]; i++) {
			if (v[i]->consultations == 0)
				continue;
			add(ps, "%s%s%lld条（%.1f%%）", listed++ ? "、" : "",
			    route_rules_name(o->rules, v[i]->key), (long long)v[i]->consultations,
			    pct(v[i]->consultations, t->consultations));
		}
		add(ps, "。");
		free(v);
		v = by_volume(&f->by_township);
		add(ps, "按乡镇分，");
		for (i = 0, listed = 0; v[i] && listed < 6; i++) {
			add(ps, "%s%s%lld条", listed++ ? "、" : "", *v[i]->key ? v[i]->key :
			    "未登记乡镇的农户", (long long)v[i]->consultations);
		}
		add(ps, "%s。", v[i] ? "等" : "");
		free(v);
	}

	/* Registry. */
	para_new(ps);
	add(ps, "平台入库县级专家%lld名、信息分诊员%lld名、信息员%lld名，累计服务农户%lld户。",
	    (long long)f->registry.experts, (long long)f->registry.triage,
	    (long long)f->registry.commissioners, (long long)f->registry.farmers);

	/* Service. */
	para_new(ps);
	add(ps, "已答复%lld条，答复率%.1f%%", (long long)t->answered,
	    pct(t->answered, t->consultations));
	if (t->nresponse) {
		bureau_duration(fig_median(t->response_ms, t->nresponse), a, sizeof(a));
		bureau_duration(fig_p90(t->response_ms, t->nresponse), b, sizeof(b));
		add(ps, "；首次答复用时中位数为%s，90%%的咨询在%s内得到答复", a, b);
		bureau_duration(fig_mean(t->response_ms, t->nresponse), a, sizeof(a));
		add(ps, "，平均%s%s", a, f->working_time ? "（夜间不计）" : "");
	}
	add(ps, "。专家转交%lld次，超时提醒%lld次，超时改派%lld次，分诊员改分类别%lld次。",
	    (long long)f->passes, (long long)f->reminders, (long long)f->reassignments,
	    (long long)f->routes);
	if (f->nbacklog) {
		bureau_duration(f->backlog[0].age_ms, a, sizeof(a));
		add(ps, "截至期末尚有%zu条咨询待答复，最早一条已等待%s，将继续跟进。", f->nbacklog, a);
	} else {
		add(ps, "期末没有待答复的咨询。");
	}

	/* Satisfaction. */
	para_new(ps);
	if (t->rated)
		add(ps, "农户对%lld条答复作出评价，占已答复的%.1f%%，平均%.1f分，群众满意度（4分及以上）%.1f%%。",
		    (long long)t->rated, pct(t->rated, t->answered),
		    (double)t->rating_sum / (double)t->rated, pct(t->satisfied, t->rated));
	else
		add(ps, "本期尚未收到农户评价。");

	/* Experts. */
	para_new(ps);
	for (i = 0; i < f->nexperts; i++) {
		const struct fig_expert *x = &f->experts[i];

		if (x->grade == NULL)
			continue;
		appraised++;
		for (k = 0; k < o->fig.ngrades; k++) {
			if (strcmp(x->grade, o->fig.grades[k].name) == 0)
				break;
		}
		graded[k < o->fig.ngrades ? k : 2]++;
	}
	add(ps, "对%lld名承担咨询任务的科技特派员进行考核，", (long long)appraised);
	for (k = 0; k < o->fig.ngrades; k++)
		add(ps, "%s%s%lld名", k ? "、" : "", o->fig.grades[k].name, (long long)graded[k]);
	add(ps, "、%s%lld名", o->fig.fail_grade, (long long)graded[2]);
	add(ps, "（考核标准：%s须答复率不低于%.0f%%", o->fig.grades[0].name,
	    o->fig.grades[0].min_answer_rate * 100);
	if (o->fig.grades[0].max_median_ms) {
		bureau_duration(o->fig.grades[0].max_median_ms, a, sizeof(a));
		add(ps, "、响应时间中位数不超过%s", a);
	}
	if (o->fig.grades[0].min_rating > 0)
		add(ps, "、平均评分不低于%.1f分", o->fig.grades[0].min_rating);
	add(ps, "）。");

	/* Cost and information service. */
	para_new(ps);
	add(ps, "本期收发短信%lld条，其中接收%lld条（%lld段）、发送%lld条（%lld段）",
	    (long long)(f->msgs_in + f->msgs_out), (long long)f->msgs_in,
	    (long long)f->segments_in, (long long)f->msgs_out, (long long)f->segments_out);
	if (f->nbroadcasts) {
		int64_t queued = 0, sent = 0;

		for (i = 0; i < f->nbroadcasts; i++) {
			queued += f->broadcasts[i].queued;
			sent += f->broadcasts[i].sent;
		}
		add(ps, "；推送产业资讯%zu期，计划发送%lld条，已发出%lld条", f->nbroadcasts,
		    (long long)queued, (long long)sent);
	}
	add(ps, "；发送失败%lld条。", (long long)f->failed_out);
}

static void
print_markdown(const struct report_opts *o, const struct figures *f, const struct paras *ps,
    FILE *out)
{
	const struct fig_group *t = &f->total;
	char a[32];
	size_t i;
	int k;

	fprintf(out, "# %s科技扶贫在线技术咨询服务情况\n\n", o->title);
	for (k = 0; k < ps->n; k++)
		fprintf(out, "%s\n\n", buf_text(&ps->p[k]));
	fprintf(out, "## 分产业情况\n\n| 类别 | 咨询 | 已答复 | 答复率 | 响应时间中位数 | 评价 | 平均评分 |\n"
	    "|---|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i <= f->by_category.n; i++) {
		const struct fig_group *g = i < f->by_category.n ? &f->by_category.g[i] : t;

		if (i < f->by_category.n && g->consultations == 0)
			continue;
		if (g->nresponse)
			bureau_duration(fig_median(g->response_ms, g->nresponse), a, sizeof(a));
		else
			snprintf(a, sizeof(a), "-");
		fprintf(out, "| %s | %lld | %lld | %.1f%% | %s | %lld | ", i < f->by_category.n ?
		    route_rules_name(o->rules, g->key) : "**合计**", (long long)g->consultations,
		    (long long)g->answered, pct(g->answered, g->consultations), a,
		    (long long)g->rated);
		if (g->rated)
			fprintf(out, "%.2f |\n", (double)g->rating_sum / (double)g->rated);
		else
			fprintf(out, "- |\n");
	}
	fprintf(out, "\n## 科技特派员考核\n\n| 专家 | 分配 | 答复 | 转交 | 答复率 | 响应时间中位数 | 平均评分 | 考核 |\n"
	    "|---|---:|---:|---:|---:|---:|---:|---|\n");
	for (i = 0; i < f->nexperts; i++) {
		const struct fig_expert *x = &f->experts[i];

		if (x->nresponse)
			bureau_duration(fig_median(x->response_ms, x->nresponse), a, sizeof(a));
		else
			snprintf(a, sizeof(a), "-");
		fprintf(out, "| %s | %lld | %lld | %lld | %.1f%% | %s | ", x->name,
		    (long long)x->assigned, (long long)x->answered, (long long)x->passed,
		    pct(x->answered, x->assigned), a);
		if (x->rated)
			fprintf(out, "%.2f", (double)x->rating_sum / (double)x->rated);
		else
			fprintf(out, "-");
		fprintf(out, " | %s |\n", x->grade ? x->grade : "未承担任务");
	}
	fprintf(out, "\n## 分月情况\n\n| 月份 | 咨询 | 已答复 | 答复率 |\n|---|---:|---:|---:|\n");
	for (i = 0; i < f->by_month.n; i++) {
		const struct fig_group *g = &f->by_month.g[i];

		fprintf(out, "| %s | %lld | %lld | %.1f%% |\n", g->key, (long long)g->consultations,
		    (long long)g->answered, pct(g->answered, g->consultations));
	}
}

void
bureau_report_period(struct report_opts *o, long year, const char *from_label,
    const char *to_label, char *title, size_t len)
{
	char date[32];		/* room for any long, though year is 2000..2200 */

	if (year) {
		snprintf(date, sizeof(date), "%ld-01-01", year);
		bureau_date_parse(date, &o->fig.from);	/* a year of 2000..2200: always a date */
		snprintf(date, sizeof(date), "%ld-01-01", year + 1);
		bureau_date_parse(date, &o->fig.to);
		snprintf(title, len, "%ld年", year);
	} else if (from_label || to_label) {
		snprintf(title, len, "%s至%s", from_label ? from_label : "开始以来",
		    to_label ? to_label : "今");
	} else {
		snprintf(title, len, "平台开通以来");
	}
	o->title = title;
	o->platform = "科技扶贫在线平台";
}

int
bureau_report_format(const char *name)
{
	if (strcmp(name, "text") == 0)
		return REPORT_TEXT;
	if (strcmp(name, "markdown") == 0)
		return REPORT_MARKDOWN;
	if (strcmp(name, "json") == 0)
		return REPORT_JSON;
	return -1;
}

int
bureau_report(struct store *s, const struct report_opts *o, FILE *out, char *err,
    size_t errlen)
{
	struct paras ps;
	struct figures f;
	json_t *root, *text;
	int k;

	if (bureau_figures(s, &o->fig, &f, err, errlen) != 0)
		return -1;
	memset(&ps, 0, sizeof(ps));
	write_paras(o, &f, &ps);
	switch (o->format) {
	case REPORT_JSON:
		root = bureau_figures_json(&f, o->rules, o->timezone);
		text = json_array();
		for (k = 0; k < ps.n; k++)
			json_array_append_new(text, json_string(buf_text(&ps.p[k])));
		json_object_set_new(root, "title", json_string(o->title));
		json_object_set_new(root, "paragraphs", text);
		json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', out);
		json_decref(root);
		break;
	case REPORT_MARKDOWN:
		print_markdown(o, &f, &ps, out);
		break;
	case REPORT_TEXT:
	default:
		fprintf(out, "%s科技扶贫在线技术咨询服务情况\n\n", o->title);
		for (k = 0; k < ps.n; k++)
			fprintf(out, "　　%s\n\n", buf_text(&ps.p[k]));
		break;
	}
	for (k = 0; k < ps.n; k++)
		buf_free(&ps.p[k]);
	bureau_figures_free(&f);
	return 0;
}
