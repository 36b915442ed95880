/*
 * The bureau's figures over a seeded database: three months of 2018 played through the real
 * consultation lifecycle at known times, and every figure checked against a value worked out
 * by hand from that story (in the comments), not by the code under test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "bureau/corrections.h"
#include "bureau/export.h"
#include "bureau/figures.h"
#include "bureau/period.h"
#include "bureau/report.h"
#include "bureau/show.h"
#include "bureau/stats.h"
#include "common/clock.h"
#include "common/config.h"
#include "consult/consult.h"
#include "consult/ussd.h"
#include "experts/registry.h"
#include "routing/classify.h"
#include "routing/normalize.h"
#include "store/store.h"
#include "tests/lib/testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define A "+8613800000001"	/* 舜山镇 */
#define B "+8613800000002"	/* 六郎镇 */
#define C "+8613800000003"	/* not registered */
#define D "+8613800000004"	/* asks through the commissioner */
#define WANG "+8613900000002"	/* poultry, paired with 舜山镇 */
#define LI "+8613900000003"	/* livestock */
#define ZHANG "+8613900000004"	/* poultry */
#define TRIAGE "+8613900000009"
#define COMM "+8613900000008"
#define E "+8613800000005"	/* writes, never asks */
#define F "+8613800000006"	/* writes, never asks */
#define HOUR 3600000LL

static const struct config_township townships[] = {
	{ "舜山镇", "" },
	{ "六郎镇", "" },
};

static const char rules_text[] =
    "[routing]\nthreshold = 2\n"
    "[poultry]\nname = 家禽\npattern = 10 鸡|鸭|鹅\n"
    "[livestock]\nname = 畜牧\npattern = 10 猪|牛|羊(?!肚菌)\n";

struct fixture {
	char *dir, *path;
	struct store *s;
	struct route_rules *rules;
	struct route_norm *norm;
	struct consult *c;
};

/* Local time in Asia/Shanghai, as UTC ms. */
static int64_t
at(int y, int mo, int d, int h, int mi)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

static void
say(struct fixture *f, int64_t when, const char *from, const char *text)
{
	struct sms_in in = { "http", NULL, from, "10690000", text };
	struct consult_result res;

	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(consult_handle(f->c, &in, when, &res), STORE_OK);
	assert_int_equal(store_commit(f->s), STORE_OK);
}

static void
person(struct fixture *f, const char *phone, const char *name, enum store_role role,
    const char *categories, const char *townships_csv)
{
	struct store_expert e;

	memset(&e, 0, sizeof(e));
	snprintf(e.phone, sizeof(e.phone), "%s", phone);
	e.name = (char *)name;
	e.role = role;
	e.on_duty = 1;
	e.categories = (char *)categories;
	e.townships = (char *)townships_csv;
	assert_int_equal(store_expert_add(f->s, &e, at(2017, 12, 1, 9, 0), NULL), STORE_OK);
}

/*
 * The story of 2018:
 *  #1 01-10 09:00 A (舜山镇) 小鸡拉稀 → poultry → 王 (paired with 舜山镇); 王 answers 10:00 (1 h);
 *     A rates 5.
 *  #2 02-05 09:00 B (六郎镇) 猪不吃食 → livestock → 李; 李 answers 13:00 (4 h); B rates 2.
 *  #3 02-20 09:00 C 鸭子不下蛋 → poultry → 张 (assigned longest ago); 张 passes 09:30 → 王;
 *     王 answers 11:00 (2 h from the question, 1.5 h from his assignment).
 *  #4 03-15 09:00 the commissioner asks for D: 羊拉稀 → livestock → 李; never answered.
 *  #5 03-20 09:00 A 这个怎么弄 → triage; routed 10:00 to 家禽 → 王; 王 answers 12:00 (3 h; 2 h for him).
 */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct consult_opts o = {
		.signature = "【测试】", .service_number = "10690000", .provider = "http",
		.followup_window_ms = 3 * 86400000LL, .new_question_score = 10, .low_rating = 2,
		.max_segments = 3, .loop_limit = 20, .remind_after_ms = 1000 * HOUR,
		.reassign_after_ms = 2000 * HOUR, .off_duty_grace_ms = HOUR,
		.townships = townships, .ntownships = 2,
	};
	char err[512], *rules;

	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	f->dir = tu_mkdtemp("figures");
	rules = tu_write_file(f->dir, "rules.conf", rules_text);
	if (asprintf(&f->path, "%s/test.db", f->dir) < 0 ||
	    store_open(f->path, 1000, &f->s, err, sizeof(err)) != 0 ||
	    route_rules_load(rules, &f->rules, err, sizeof(err)) != 0 ||
	    route_norm_open(&f->norm, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	free(rules);
	f->c = consult_new(f->s, f->rules, f->norm, &o);
	*state = f;

	person(f, WANG, "王专家", ROLE_EXPERT, "poultry", "舜山镇");
	person(f, LI, "李专家", ROLE_EXPERT, "livestock", NULL);
	person(f, ZHANG, "张专家", ROLE_EXPERT, "poultry", NULL);
	person(f, TRIAGE, "分诊员", ROLE_TRIAGE, NULL, NULL);
	person(f, COMM, "信息员", ROLE_COMMISSIONER, NULL, NULL);

	say(f, at(2018, 1, 5, 8, 0), A, "登记 舜山镇");
	say(f, at(2018, 1, 10, 9, 0), A, "小鸡拉稀");
	say(f, at(2018, 1, 10, 10, 0), WANG, "1 用土霉素拌料");
	say(f, at(2018, 1, 10, 10, 5), A, "5");
	say(f, at(2018, 2, 1, 8, 0), B, "登记 六郎镇");
	say(f, at(2018, 2, 5, 9, 0), B, "猪不吃食");
	say(f, at(2018, 2, 5, 13, 0), LI, "2 先量体温");
	say(f, at(2018, 2, 5, 13, 5), B, "2");
	say(f, at(2018, 2, 20, 9, 0), C, "鸭子不下蛋");
	say(f, at(2018, 2, 20, 9, 30), ZHANG, "转3");
	say(f, at(2018, 2, 20, 11, 0), WANG, "3 补充光照");
	say(f, at(2018, 3, 15, 9, 0), COMM, "代13800000004 羊拉稀怎么办");
	say(f, at(2018, 3, 20, 9, 0), A, "这个怎么弄");
	say(f, at(2018, 3, 20, 10, 0), TRIAGE, "分5 家禽");
	say(f, at(2018, 3, 20, 12, 0), WANG, "5 您好，请说说鸡的情况");
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	consult_free(f->c);
	route_norm_close(f->norm);
	route_rules_free(f->rules);
	store_close(f->s);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	return 0;
}

static const struct fig_grade grades[2] = {
	{ "优秀", 0.9, 4 * HOUR, 4.5 },
	{ "合格", 0.6, 24 * HOUR, 3.0 },
};

static void
year_2018(struct fig_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->from = at(2018, 1, 1, 0, 0);
	o->to = at(2019, 1, 1, 0, 0);
	o->now = at(2018, 4, 1, 0, 0);
	o->grades = grades;
	o->ngrades = 2;
	o->fail_grade = "不合格";
}

static const struct fig_group *
find(const struct fig_groups *gs, const char *key)
{
	size_t i;

	for (i = 0; i < gs->n; i++) {
		if (strcmp(gs->g[i].key, key) == 0)
			return &gs->g[i];
	}
	fail_msg("no group %s", key);
	return NULL;
}

static const struct fig_expert *
expert(const struct figures *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->nexperts; i++) {
		if (strcmp(f->experts[i].name, name) == 0)
			return &f->experts[i];
	}
	fail_msg("no expert %s", name);
	return NULL;
}

static void
test_volume_service_and_satisfaction_of_the_year(void **state)
{
	struct fixture *f = *state;
	struct figures g;
	struct fig_opts o;
	char err[256];

	year_2018(&o);
	assert_int_equal(bureau_figures(f->s, &o, &g, err, sizeof(err)), 0);
	/* Volume: five questions from four farmers, all new in 2018. */
	assert_int_equal(g.total.consultations, 5);
	assert_int_equal(g.farmers, 4);
	assert_int_equal(g.new_farmers, 4);
	assert_int_equal(g.by_month.n, 3);
	assert_int_equal(find(&g.by_month, "2018-01")->consultations, 1);
	assert_int_equal(find(&g.by_month, "2018-02")->consultations, 2);
	assert_int_equal(find(&g.by_month, "2018-03")->consultations, 2);
	assert_int_equal(find(&g.by_year, "2018")->consultations, 5);
	assert_int_equal(find(&g.by_week, "2018-W02")->consultations, 1);	/* 01-10 */
	assert_int_equal(find(&g.by_day, "2018-03-20")->consultations, 1);
	/* #5 was routed to poultry: the category now is what counts. */
	assert_int_equal(find(&g.by_category, "poultry")->consultations, 3);
	assert_int_equal(find(&g.by_category, "livestock")->consultations, 2);
	assert_int_equal(find(&g.by_township, "舜山镇")->consultations, 2);
	assert_int_equal(find(&g.by_township, "六郎镇")->consultations, 1);
	assert_int_equal(find(&g.by_township, "")->consultations, 2);
	assert_int_equal(find(&g.by_channel, "sms")->consultations, 4);
	assert_int_equal(find(&g.by_channel, "commissioner")->consultations, 1);

	/* Service: 4 of 5 answered, after 1 h, 4 h, 2 h and 3 h. */
	assert_int_equal(g.total.answered, 4);
	assert_int_equal(fig_median(g.total.response_ms, g.total.nresponse), 150 * 60000);
	assert_int_equal(fig_p90(g.total.response_ms, g.total.nresponse), 4 * HOUR);
	assert_int_equal(fig_mean(g.total.response_ms, g.total.nresponse), 150 * 60000);
	assert_int_equal(g.response_bands[0], 1);	/* within 1 h: #1 */
	assert_int_equal(g.response_bands[1], 1);	/* 1–2 h: #3 */
	assert_int_equal(g.response_bands[2], 2);	/* 2–4 h: #5 (3 h), #2 (4 h) */
	assert_int_equal(g.passes, 1);
	assert_int_equal(g.routes, 1);
	assert_int_equal(g.reminders, 0);
	assert_int_equal(g.reassignments, 0);
	/* The backlog on 04-01: #4, waiting since 03-15 09:00, 16 days and 15 hours. */
	assert_int_equal(g.nbacklog, 1);
	assert_int_equal(g.backlog[0].id, 4);
	assert_int_equal(g.backlog[0].age_ms, (16 * 24 + 15) * HOUR);

	/* Satisfaction: two ratings, 5 and 2. */
	assert_int_equal(g.total.rated, 2);
	assert_int_equal(g.total.rating_sum, 7);
	assert_int_equal(g.total.satisfied, 1);
	assert_int_equal(g.ratings[4], 1);
	assert_int_equal(g.ratings[1], 1);

	/* SMS: 15 in (two registrations among them), every one a single segment. */
	assert_int_equal(g.msgs_in, 15);
	assert_int_equal(g.segments_in, 15);
	assert_int_equal(g.failed_out, 0);

	/* Registry at the end of the year. */
	assert_int_equal(g.registry.experts, 3);
	assert_int_equal(g.registry.triage, 1);
	assert_int_equal(g.registry.commissioners, 1);
	assert_int_equal(g.registry.farmers, 4);
	bureau_figures_free(&g);
}

static void
test_experts_are_appraised_on_what_they_were_given(void **state)
{
	struct fixture *f = *state;
	const struct fig_expert *x;
	struct figures g;
	struct fig_opts o;
	char err[256];

	year_2018(&o);
	assert_int_equal(bureau_figures(f->s, &o, &g, err, sizeof(err)), 0);
	/* 王: #1, #3 (after the pass), #5 (after the route), all answered: 1 h, 1.5 h, 2 h. */
	x = expert(&g, "王专家");
	assert_int_equal(x->assigned, 3);
	assert_int_equal(x->answered, 3);
	assert_int_equal(x->passed, 0);
	assert_int_equal(fig_median(x->response_ms, x->nresponse), 90 * 60000);
	assert_int_equal(x->rated, 1);
	assert_int_equal(x->rating_sum, 5);
	assert_string_equal(x->grade, "优秀");
	/* 李: #2 answered, #4 not: 50% is below the 60% a pass needs. */
	x = expert(&g, "李专家");
	assert_int_equal(x->assigned, 2);
	assert_int_equal(x->answered, 1);
	assert_string_equal(x->grade, "不合格");
	/* 张: #3, passed on. */
	x = expert(&g, "张专家");
	assert_int_equal(x->assigned, 1);
	assert_int_equal(x->passed, 1);
	assert_string_equal(x->grade, "不合格");
	bureau_figures_free(&g);
}

static void
test_a_period_counts_only_its_own_questions(void **state)
{
	struct fixture *f = *state;
	struct figures g;
	struct fig_opts o;
	char err[256];

	year_2018(&o);
	o.from = at(2018, 2, 1, 0, 0);
	o.to = at(2018, 3, 1, 0, 0);
	assert_int_equal(bureau_figures(f->s, &o, &g, err, sizeof(err)), 0);
	/* February: #2 and #3; B first wrote on 02-01, C on 02-20; A had written before. */
	assert_int_equal(g.total.consultations, 2);
	assert_int_equal(g.farmers, 2);
	assert_int_equal(g.new_farmers, 2);
	assert_int_equal(g.total.answered, 2);
	assert_int_equal(fig_median(g.total.response_ms, g.total.nresponse), 3 * HOUR);
	/* On 03-01 nothing was waiting. */
	assert_int_equal(g.nbacklog, 0);
	bureau_figures_free(&g);
}

static char *
capture(struct fixture *f, int what, int format)
{
	char *text = NULL, err[256];
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int64_t rows;

	assert_non_null(out);
	if (what == 's') {
		struct stats_opts so;

		memset(&so, 0, sizeof(so));
		year_2018(&so.fig);
		so.by = BY_MONTH;
		so.format = (enum stats_format)format;
		so.recent = 3;
		so.timezone = "Asia/Shanghai";
		so.rules = f->rules;
		assert_int_equal(bureau_stats(f->s, &so, out, err, sizeof(err)), 0);
	} else if (what == 'r') {
		struct report_opts ro;

		memset(&ro, 0, sizeof(ro));
		year_2018(&ro.fig);
		ro.title = "2018年";
		ro.platform = "本县科技扶贫在线平台";
		ro.format = (enum report_format)format;
		ro.timezone = "Asia/Shanghai";
		ro.rules = f->rules;
		assert_int_equal(bureau_report(f->s, &ro, out, err, sizeof(err)), 0);
	} else {
		assert_int_equal(bureau_export(f->s, at(2018, 1, 1, 0, 0), at(2019, 1, 1, 0, 0),
		    format, f->rules, out, &rows, err, sizeof(err)), 0);
	}
	fclose(out);
	return text;
}

static void
test_stats_json_and_table_carry_the_same_figures(void **state)
{
	struct fixture *f = *state;
	char *text;
	json_t *root, *g;

	text = capture(f, 's', STATS_JSON);
	root = json_loads(text, 0, NULL);
	assert_non_null(root);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "volume"),
	    "consultations")), 5);
	g = json_object_get(root, "groups");
	assert_int_equal(json_array_size(g), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(g, 1), "key")),
	    "2018-02");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(g, 1),
	    "median_response_seconds")), 3 * 3600);
	g = json_object_get(root, "service");
	assert_int_equal(json_integer_value(json_object_get(g, "median_response_seconds")), 9000);
	assert_int_equal(json_integer_value(json_object_get(g, "p90_response_seconds")), 14400);
	assert_true(json_real_value(json_object_get(g, "answer_rate")) == 0.8);
	g = json_object_get(root, "satisfaction");
	assert_true(json_real_value(json_object_get(g, "mean_rating")) == 3.5);
	assert_true(json_real_value(json_object_get(g, "satisfied_share")) == 0.5);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(g, "by_rating"), 4)), 1);
	json_decref(root);
	free(text);

	text = capture(f, 's', STATS_TABLE);
	tu_assert_contains(text, "2018-02");
	tu_assert_contains(text, "答复4个，答复率80.0%；首次答复用时中位数2小时30分，90%在4小时内");
	tu_assert_contains(text, "转交1次");
	tu_assert_contains(text, "有1个问题未答复，最早的#4已等待16天15小时");
	tu_assert_contains(text, "评价2个，占已答复的50.0%，平均3.50分，满意（4–5分）50.0%");
	tu_assert_contains(text, "在册：专家3名，分诊员1名，信息员1名，农户4户");
	free(text);
}

static void
test_the_report_reads_like_the_county_summary(void **state)
{
	struct fixture *f = *state;
	char *text;

	text = capture(f, 'r', REPORT_TEXT);
	tu_assert_contains(text, "2018年，本县科技扶贫在线平台共受理农户技术咨询5条，涉及农户4户");
	tu_assert_contains(text, "短信4条、信息员代问1条");
	tu_assert_contains(text, "家禽3条（60.0%）、畜牧2条（40.0%）");
	tu_assert_contains(text, "平台入库县级专家3名、信息分诊员1名、信息员1名");
	tu_assert_contains(text, "已答复4条，答复率80.0%");
	tu_assert_contains(text, "群众满意度（4分及以上）50.0%");
	tu_assert_contains(text, "优秀1名、合格0名、不合格2名");
	free(text);
	text = capture(f, 'r', REPORT_MARKDOWN);
	tu_assert_contains(text, "| 王专家 | 3 | 3 | 0 | 100.0% | 1小时30分 | 5.00 | 优秀 |");
	tu_assert_contains(text, "| 2018-02 | 2 | 2 | 100.0% |");
	free(text);
}

static void
test_the_export_masks_farmers_unless_asked(void **state)
{
	struct fixture *f = *state;
	char *text;

	text = capture(f, 'e', 0);
	assert_true(strncmp(text, "\xef\xbb\xbf编号,", strlen("\xef\xbb\xbf编号,")) == 0);
	tu_assert_contains(text, "138****0001");
	assert_null(strstr(text, "13800000001"));
	tu_assert_contains(text, "小鸡拉稀");
	free(text);
	text = capture(f, 'e', 1);
	tu_assert_contains(text, "+8613800000001");
	free(text);
}

static void
test_a_broadcast_reaches_subscribers_who_did_not_opt_out_after_the_answers(void **state)
{
	struct fixture *f = *state;
	struct store_msg rows[64];
	struct figures g;
	struct fig_opts o;
	int64_t id, queued;
	char err[256];
	int n, i;

	say(f, at(2018, 4, 1, 9, 0), A, "订阅 家禽");
	say(f, at(2018, 4, 1, 9, 0), C, "订阅 家禽");
	say(f, at(2018, 4, 1, 9, 1), C, "退订");
	say(f, at(2018, 4, 1, 9, 2), B, "订阅 畜牧");
	assert_int_equal(store_begin(f->s), STORE_OK);
	/* 家禽: A (C opted out). */
	assert_int_equal(store_broadcast_create(f->s, "http", "10690000", "poultry", NULL,
	    "【测试】鸡瘟防疫通知", 1, at(2018, 4, 2, 9, 0), &id, &queued), STORE_OK);
	assert_int_equal(queued, 1);
	/* Everyone in 六郎镇: B. */
	assert_int_equal(store_broadcast_create(f->s, "http", "10690000", NULL, "六郎镇",
	    "【测试】六郎镇培训", 1, at(2018, 4, 2, 9, 0), &id, &queued), STORE_OK);
	assert_int_equal(queued, 1);
	/* Every farmer: A, B and D; never C, never the staff. */
	assert_int_equal(store_broadcast_create(f->s, "http", "10690000", NULL, NULL,
	    "【测试】寒潮预警", 1, at(2018, 4, 2, 9, 0), &id, &queued), STORE_OK);
	assert_int_equal(queued, 3);
	assert_int_equal(store_commit(f->s), STORE_OK);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM messages WHERE kind ="
	    " 'broadcast' AND recipient = '" C "'"), 0);

	/* An answer queued after them still goes out before them (nothing here was sent). */
	say(f, at(2018, 4, 2, 9, 5), LI, "4 先隔离病羊");
	assert_int_equal(store_outbox_due(f->s, at(2018, 4, 2, 10, 0), rows, 64, &n), STORE_OK);
	for (i = 0; i < n && strcmp(rows[i].kind, "broadcast") != 0; i++)
		;
	assert_string_equal(rows[i - 3].kind, "answer");	/* to D, */
	assert_string_equal(rows[i - 2].kind, "copy");		/* the commissioner's copy, */
	assert_string_equal(rows[i - 1].kind, "confirm");	/* 李's confirmation */
	assert_int_equal(n - i, 5);			/* then the five broadcast SMS */
	for (; i < n; i++)
		assert_string_equal(rows[i].kind, "broadcast");
	for (i = 0; i < n; i++)
		store_msg_free(&rows[i]);

	/* The bureau sees each broadcast with its delivery figures. */
	year_2018(&o);
	assert_int_equal(bureau_figures(f->s, &o, &g, err, sizeof(err)), 0);
	assert_int_equal(g.nbroadcasts, 3);
	assert_int_equal(g.broadcasts[2].queued, 3);
	assert_int_equal(g.broadcasts[2].sent, 0);
	assert_string_equal(g.broadcasts[1].township, "六郎镇");
	bureau_figures_free(&g);
}

/* The figures of [from, to) with the year's options. */
static void
figures_of(struct fixture *f, int64_t from, int64_t to, struct figures *g)
{
	struct fig_opts o;
	char err[256];

	year_2018(&o);
	o.from = from;
	o.to = to;
	assert_int_equal(bureau_figures(f->s, &o, g, err, sizeof(err)), 0);
}

static void
test_new_farmers_are_those_who_asked_and_were_first_seen_in_the_period(void **state)
{
	struct fixture *f = *state;
	struct figures g;

	/* E asks for help and F subscribes in March; E asks for help again in April. */
	say(f, at(2018, 3, 2, 9, 0), E, "HELP");
	say(f, at(2018, 3, 3, 9, 0), F, "订阅 家禽");
	say(f, at(2018, 4, 2, 9, 0), E, "HELP");

	/* The year: A, B, C, D asked, all first seen in 2018; E and F never asked. */
	figures_of(f, at(2018, 1, 1, 0, 0), at(2019, 1, 1, 0, 0), &g);
	assert_int_equal(g.farmers, 4);
	assert_int_equal(g.new_farmers, 4);
	assert_int_equal(g.registry.farmers, 6);	/* the registry does hold E and F */
	bureau_figures_free(&g);

	/* March: D (#4, first seen 03-15) and A (#5, first seen 01-05) asked: one new. */
	figures_of(f, at(2018, 3, 1, 0, 0), at(2018, 4, 1, 0, 0), &g);
	assert_int_equal(g.farmers, 2);
	assert_int_equal(g.new_farmers, 1);
	bureau_figures_free(&g);

	/* April: nobody asked, so nobody is a new farmer who asked. */
	figures_of(f, at(2018, 4, 1, 0, 0), at(2018, 5, 1, 0, 0), &g);
	assert_int_equal(g.farmers, 0);
	assert_int_equal(g.new_farmers, 0);
	bureau_figures_free(&g);
}

static void
test_a_period_is_real_days_and_does_not_end_before_it_starts(void **state)
{
	int64_t from, to, ms = 42;
	char err[160];

	(void)state;
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	assert_int_equal(bureau_date_parse("2026-12-01", &from), 0);
	assert_int_equal(from, at(2026, 12, 1, 0, 0));
	assert_int_equal(bureau_date_parse("2024-02-29", &to), 0);	/* a leap year */
	assert_int_equal(bureau_date_parse("2026-02-29", &ms), -1);
	assert_int_equal(bureau_date_parse("2026-02-30", &ms), -1);
	assert_int_equal(bureau_date_parse("2026-04-31", &ms), -1);
	assert_int_equal(bureau_date_parse("2026-13-01", &ms), -1);
	assert_int_equal(bureau_date_parse("2026-12-01x", &ms), -1);
	assert_int_equal(bureau_date_parse("yesterday", &ms), -1);
	assert_int_equal(ms, 42);	/* untouched on failure */

	/* --from 2026-12-01 --to 2026-12-01: one day. */
	assert_int_equal(bureau_period_check(from, from + 86400000, err, sizeof(err)), 0);
	/* --from 2026-12-31 --to 2026-12-01 */
	assert_int_equal(bureau_period_check(at(2026, 12, 31, 0, 0), from + 86400000, err,
	    sizeof(err)), -1);
	tu_assert_contains(err, "2026-12-31");
	tu_assert_contains(err, "2026-12-01");
	/* --from 2026-12-02 --to 2026-12-01 */
	assert_int_equal(bureau_period_check(at(2026, 12, 2, 0, 0), from + 86400000, err,
	    sizeof(err)), -1);
}

/* An assignment's outcome, by consultation and expert phone (the latest of them). */
static char *
outcome_of(struct fixture *f, int cid, const char *phone)
{
	char sql[256];
	long long n;

	snprintf(sql, sizeof(sql), "SELECT CASE outcome WHEN 'answered' THEN 1 WHEN 'taken_over'"
	    " THEN 2 WHEN 'passed' THEN 3 ELSE 0 END FROM assignments a JOIN experts e ON"
	    " e.id = a.expert_id WHERE a.consultation_id = %d AND e.phone = '%s'"
	    " ORDER BY a.id DESC LIMIT 1", cid, phone);
	n = tu_query_int(f->path, sql);
	return n == 1 ? "answered" : n == 2 ? "taken_over" : n == 3 ? "passed" : "other";
}

static void
test_an_answer_by_someone_else_is_not_credited_to_the_holder(void **state)
{
	struct fixture *f = *state;
	const struct fig_expert *x;
	struct store_consult_line *lines;
	struct figures g;
	size_t n;
	char *text = NULL, err[256];
	size_t len = 0;
	FILE *out;

	/*
	 * #6 03-25 09:00 B 鸡拉稀带血 → poultry → 张 (王 is paired with 舜山镇, not B's 六郎镇, and
	 *    张 was assigned longest ago); triage answers 09:30; B rates 4.
	 * #7 03-26 09:00 C 鹅不吃食 → poultry → 王 (张 was assigned last); 王 passes 09:10 → 张;
	 *    王 answers anyway 09:20: 20 minutes after he was given it.
	 */
	say(f, at(2018, 3, 25, 9, 0), B, "鸡拉稀带血");
	assert_int_equal(tu_query_int(f->path, "SELECT e.phone = '" ZHANG "' FROM consultations c"
	    " JOIN experts e ON e.id = c.expert_id WHERE c.id = 6"), 1);
	say(f, at(2018, 3, 25, 9, 30), TRIAGE, "6 用磺胺类药拌料");
	say(f, at(2018, 3, 25, 9, 40), B, "4");
	say(f, at(2018, 3, 26, 9, 0), C, "鹅不吃食");
	say(f, at(2018, 3, 26, 9, 10), WANG, "转7");
	say(f, at(2018, 3, 26, 9, 20), WANG, "7 喂点青菜，看看粪便");

	assert_string_equal(outcome_of(f, 6, ZHANG), "taken_over");
	assert_string_equal(outcome_of(f, 7, ZHANG), "taken_over");
	assert_string_equal(outcome_of(f, 7, WANG), "answered");
	/* The question is the answerer's now: the one a follow-up goes to. */
	assert_int_equal(tu_query_int(f->path, "SELECT e.phone = '" TRIAGE "' FROM consultations c"
	    " JOIN experts e ON e.id = c.expert_id WHERE c.id = 6"), 1);

	figures_of(f, at(2018, 1, 1, 0, 0), at(2019, 1, 1, 0, 0), &g);
	/* 张: #3 (passed) is his; #6 and #7 were answered by others while he had them. */
	x = expert(&g, "张专家");
	assert_int_equal(x->assigned, 1);
	assert_int_equal(x->answered, 0);
	assert_int_equal(x->passed, 1);
	assert_int_equal(x->taken_over, 2);
	assert_int_equal(x->rated, 0);		/* B's 4 is for triage's answer */
	/* 王: #1, #3, #5 and #7 answered: 1 h, 1.5 h, 2 h, 20 min; median 75 min. */
	x = expert(&g, "王专家");
	assert_int_equal(x->assigned, 4);
	assert_int_equal(x->answered, 4);
	assert_int_equal(x->passed, 0);
	assert_int_equal(x->taken_over, 0);
	assert_int_equal(fig_median(x->response_ms, x->nresponse), 75 * 60000);
	assert_int_equal(x->rated, 1);
	/* The rating of #6 is counted, for no expert. */
	assert_int_equal(g.total.rated, 3);
	bureau_figures_free(&g);

	/* show and the list under stats both name who answered #6. */
	out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(bureau_show(f->s, f->rules, 6, 0, out, err, sizeof(err)), 0);
	fclose(out);
	tu_assert_contains(text, "状态 已答复  答复 分诊员  ");
	free(text);
	assert_int_equal(store_stats_recent(f->s, at(2018, 3, 25, 0, 0), at(2018, 3, 26, 0, 0), 5,
	    &lines, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(lines[0].expert, "分诊员");
	store_stats_recent_free(lines, n);
}

static void
test_only_category_changes_count_as_reroutes(void **state)
{
	struct fixture *f = *state;
	struct figures g;
	char *text = NULL, err[256];
	size_t len = 0;
	FILE *out;

	struct store_consult con;

	/* #6 鹅不吃食 → poultry; triage "routes" it to poultry (no change), then to livestock. */
	say(f, at(2018, 3, 25, 9, 0), B, "鹅不吃食");
	say(f, at(2018, 3, 25, 9, 10), TRIAGE, "分6 家禽");
	say(f, at(2018, 3, 25, 9, 20), TRIAGE, "分6 畜牧");
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM events WHERE kind = 'rerouted'"),
	    2);
	/* #7: a greeting a database from before greetings stopped opening tickets may hold,
	 * routed by triage to poultry. */
	memset(&con, 0, sizeof(con));
	con.farmer_id = 1;
	con.channel = "sms";
	con.question = "你好";
	con.category = "triage";
	con.classified_by = "rules";
	con.created_at = at(2018, 3, 26, 9, 0);
	assert_int_equal(store_consult_create(f->s, &con), STORE_OK);
	assert_int_equal(store_consult_set_category(f->s, con.id, "poultry", "staff"), STORE_OK);
	assert_int_equal(store_event_add(f->s, con.id, at(2018, 3, 26, 9, 5), "rerouted", 0,
	    "triage -> poultry"), STORE_OK);

	/* #5 (triage → poultry), #6 (poultry → livestock), #7: three changes. */
	figures_of(f, at(2018, 1, 1, 0, 0), at(2019, 1, 1, 0, 0), &g);
	assert_int_equal(g.routes, 3);
	bureau_figures_free(&g);
	figures_of(f, at(2018, 3, 25, 0, 0), at(2018, 3, 26, 0, 0), &g);
	assert_int_equal(g.routes, 1);
	bureau_figures_free(&g);

	/* corrections lists the three; as labeled examples not "你好". */
	out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(bureau_corrections(f->s, f->rules, f->norm, at(2018, 1, 1, 0, 0),
	    at(2019, 1, 1, 0, 0), CORRECTIONS_TABLE, out, err, sizeof(err)), 0);
	fclose(out);
	tu_assert_contains(text, "3 条改判");
	tu_assert_contains(text, "其中 1 条只是问候");
	free(text);
	text = NULL;
	out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(bureau_corrections(f->s, f->rules, f->norm, at(2018, 1, 1, 0, 0),
	    at(2019, 1, 1, 0, 0), CORRECTIONS_TSV, out, err, sizeof(err)), 0);
	fclose(out);
	assert_string_equal(text, "poultry\t这个怎么弄\nlivestock\t鹅不吃食\n");
	free(text);
}

static void
test_ussd_questions_are_not_counted_as_sms(void **state)
{
	struct fixture *f = *state;
	struct figures g;
	int64_t ticket = 0;
	char *text;

	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(consult_ussd_ask(f->c, E, "*123#", "poultry", "鸡瘟怎么防",
	    at(2018, 3, 25, 9, 0), &ticket), STORE_OK);
	assert_int_equal(store_commit(f->s), STORE_OK);
	assert_int_equal(ticket, 6);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM messages WHERE provider = 'ussd'"
	    " AND kind = 'question' AND direction = 'in'"), 1);

	/* Six questions, one of them by USSD; still the 15 SMS of the story received. */
	figures_of(f, at(2018, 1, 1, 0, 0), at(2019, 1, 1, 0, 0), &g);
	assert_int_equal(g.total.consultations, 6);
	assert_int_equal(find(&g.by_channel, "ussd")->consultations, 1);
	assert_int_equal(g.msgs_in, 15);
	assert_int_equal(g.segments_in, 15);
	assert_int_equal(g.ussd_in, 1);
	bureau_figures_free(&g);

	text = capture(f, 's', STATS_TABLE);
	tu_assert_contains(text, "短信：收到15条（15段）");
	free(text);
	text = capture(f, 'r', REPORT_TEXT);
	tu_assert_contains(text, "其中接收15条（15段）");
	free(text);
}

static void
test_a_removed_expert_is_still_named_and_what_they_held_moves_on(void **state)
{
	struct fixture *f = *state;
	const struct fig_expert *x;
	struct store_expert e;
	struct figures g;
	char err[256];
	int changed = 0;

	/* #6 03-25 09:00 → 张 (as in the take-over story); 张 is removed at 10:00. */
	say(f, at(2018, 3, 25, 9, 0), B, "鸡拉稀带血");
	assert_int_equal(expert_remove(f->s, ZHANG, at(2018, 3, 25, 10, 0), &e, err, sizeof(err)),
	    0);
	assert_int_equal(e.open_count, 1);
	store_expert_free(&e);
	/* An hour later (off_duty_grace) the escalation hands #6 on to 王. */
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(consult_tick(f->c, at(2018, 3, 25, 11, 5), &changed), STORE_OK);
	assert_int_equal(store_commit(f->s), STORE_OK);
	assert_int_equal(tu_query_int(f->path, "SELECT e.phone = '" WANG "' FROM consultations c"
	    " JOIN experts e ON e.id = c.expert_id WHERE c.id = 6"), 1);
	/* What 张 sends now is a farmer's: a question, #7. */
	say(f, at(2018, 3, 26, 9, 0), ZHANG, "6 用磺胺类药");
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM consultations c JOIN farmers"
	    " fa ON fa.id = c.farmer_id WHERE fa.phone = '" ZHANG "'"), 1);

	/* The year still names 张 with what he had: #3 (passed) and #6 (handed on). */
	figures_of(f, at(2018, 1, 1, 0, 0), at(2019, 1, 1, 0, 0), &g);
	x = expert(&g, "张专家");
	assert_int_equal(x->assigned, 2);
	assert_int_equal(x->passed, 1);
	assert_int_equal(x->answered, 0);
	/* On the register: 3 experts until 03-25 10:00, 2 after. */
	assert_int_equal(g.registry.experts, 2);
	bureau_figures_free(&g);
	figures_of(f, at(2018, 3, 1, 0, 0), at(2018, 3, 25, 0, 0), &g);
	assert_int_equal(g.registry.experts, 3);
	bureau_figures_free(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_volume_service_and_satisfaction_of_the_year,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_experts_are_appraised_on_what_they_were_given,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_period_counts_only_its_own_questions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stats_json_and_table_carry_the_same_figures,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_report_reads_like_the_county_summary, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_the_export_masks_farmers_unless_asked, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_broadcast_reaches_subscribers_who_did_not_opt_out_after_the_answers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_new_farmers_are_those_who_asked_and_were_first_seen_in_the_period, setup,
		    teardown),
		cmocka_unit_test(test_a_period_is_real_days_and_does_not_end_before_it_starts),
		cmocka_unit_test_setup_teardown(
		    test_an_answer_by_someone_else_is_not_credited_to_the_holder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_category_changes_count_as_reroutes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ussd_questions_are_not_counted_as_sms, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_removed_expert_is_still_named_and_what_they_held_moves_on, setup, teardown),
	};

	return cmocka_run_group_tests_name("figures", tests, NULL, NULL);
}
