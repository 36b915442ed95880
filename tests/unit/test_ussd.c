/*
 * The USSD menu, walked screen by screen with a temporary database, a small rules file, the
 * shipped config/ussd.conf and a fake clock: every menu, paging with 0 and 00, invalid input,
 * repeated steps, questions holding "*", the longest lists and a menu written to every limit.
 * Every screen any test produces is checked against the 182-character limit.
 * USSD_SHOW=1 prints each step and its screen.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "consult/consult.h"
#include "gateway/provider.h"
#include "common/sms.h"
#include "gateway/ussd.h"
#include "routing/classify.h"
#include "routing/normalize.h"
#include "store/store.h"
#include "store/store_ussd.h"
#include "tests/lib/testutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FARMER "+8613800000001"
#define FARMER2 "+8613800000002"
#define WANG "+8613900000002"
#define TRIAGE "+8613900000009"
#define MENU "config/ussd.conf"

static const struct config_township townships[] = {
	{ "舜山镇", "六郎村, 大坪村, 白岩村" },
	{ "六郎镇", "" },
};

static const char rules_text[] =
    "[routing]\nthreshold = 2\n"
    "[poultry]\nname = 家禽\npattern = 10 鸡|鸭|鹅\n"
    "[livestock]\nname = 畜牧\npattern = 10 猪|牛|羊(?!肚菌)\n"
    "[fruit_tea]\nname = 果树茶叶\npattern = 10 苹果|茶\n";

struct fixture {
	char *dir, *path;
	struct store *s;
	struct route_rules *rules;
	struct route_norm *norm;
	struct consult *c;
	struct consult_opts o;
	struct ussd_menu *menu;
	int64_t now;
	int screens;		/* screens checked so far */
};

static struct fixture *current;

static int64_t
fake_now(void)
{
	return current->now;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512], *rules;

	f->o = (struct consult_opts){
		.signature = "【测试】", .service_number = "10690000", .provider = "http",
		.followup_window_ms = 3 * 86400000LL, .new_question_score = 10, .low_rating = 2,
		/* Walks of many steps from one number: their own test lowers it. */
		.max_segments = 3, .loop_limit = 1000, .remind_after_ms = 2 * 3600000LL,
		.reassign_after_ms = 8 * 3600000LL, .off_duty_grace_ms = 3600000LL,
		.escalation_check_ms = 0, .quiet = { 0, 0 },
		.townships = townships, .ntownships = 2,
	};
	f->dir = tu_mkdtemp("ussd");
	rules = tu_write_file(f->dir, "rules.conf", rules_text);
	if (asprintf(&f->path, "%s/test.db", f->dir) < 0 ||
	    store_open(f->path, 1000, &f->s, err, sizeof(err)) != 0 ||
	    route_rules_load(rules, &f->rules, err, sizeof(err)) != 0 ||
	    route_norm_open(&f->norm, err, sizeof(err)) != 0 ||
	    gw_ussd_menu_load(MENU, &f->menu, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	free(rules);
	f->c = consult_new(f->s, f->rules, f->norm, &f->o);
	f->now = 1700000000000LL;
	current = f;
	clock_set_source(fake_now);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	clock_set_source(NULL);
	consult_free(f->c);
	gw_ussd_menu_free(f->menu);
	route_norm_close(f->norm);
	route_rules_free(f->rules);
	store_close(f->s);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	return 0;
}

/* The consult again, with other rules or townships. */
static void
reopen(struct fixture *f, const struct route_rules *rules, const struct config_township *t,
    int n)
{
	consult_free(f->c);
	f->o.townships = t;
	f->o.ntownships = n;
	f->c = consult_new(f->s, rules ? rules : f->rules, f->norm, &f->o);
}

static void
add_person(struct fixture *f, const char *phone, const char *name, enum store_role role,
    const char *categories)
{
	struct store_expert e;

	memset(&e, 0, sizeof(e));
	snprintf(e.phone, sizeof(e.phone), "%s", phone);
	e.name = (char *)name;
	e.role = role;
	e.on_duty = 1;
	e.categories = (char *)categories;
	assert_int_equal(store_expert_add(f->s, &e, f->now, NULL), STORE_OK);
}

/* An SMS in its own transaction, as the writer thread does. */
static struct consult_result
sms(struct fixture *f, const char *from, const char *text)
{
	struct sms_in in = { "http", NULL, from, "10690000", text };
	struct consult_result res;

	f->now += 60000;
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(consult_handle(f->c, &in, f->now, &res), STORE_OK);
	assert_int_equal(store_commit(f->s), STORE_OK);
	return res;
}

/*
 * One USSD step from phone in its own transaction, as the writer thread runs it. The screen
 * (caller frees) always starts with CON or END and never holds more than 182 characters.
 */
static char *
step_from(struct fixture *f, const char *session, const char *phone, const char *text)
{
	struct ussd_in in;
	char *reply = NULL;

	memset(&in, 0, sizeof(in));
	in.session = (char *)session;
	in.service_code = (char *)"*384*1234#";
	snprintf(in.phone, sizeof(in.phone), "%s", phone);
	in.text = (char *)text;
	f->now += 1000;
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(gw_ussd_step(f->c, f->menu, &in, f->now, &reply), STORE_OK);
	assert_int_equal(store_commit(f->s), STORE_OK);
	assert_non_null(reply);
	if (getenv("USSD_SHOW"))
		printf("── %s text=\"%s\" (%d characters)\n%s\n\n", session, text,
		    utf8_chars(reply), reply);
	if (strncmp(reply, "CON ", 4) != 0 && strncmp(reply, "END ", 4) != 0)
		fail_msg("not a USSD screen: \"%s\"", reply);
	assert_true(utf8_valid(reply, strlen(reply)));
	if (utf8_chars(reply) > USSD_MAX_SCREEN)
		fail_msg("%d characters (at most %d): \"%s\"", utf8_chars(reply),
		    USSD_MAX_SCREEN, reply);
	f->screens++;
	return reply;
}

static char *
step(struct fixture *f, const char *session, const char *text)
{
	return step_from(f, session, FARMER, text);
}

static void
assert_contains(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}

static void
assert_lacks(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle) != NULL)
		fail_msg("\"%s\" contains \"%s\"", haystack, needle);
}

/* A step of a table-driven walk: the text sent, what the screen must and must not hold. */
struct want {
	const char *text;
	const char *has[5];
	const char *lacks;
};

#define NWANT(w) (sizeof(w) / sizeof((w)[0]))

static void
walk(struct fixture *f, const char *session, const struct want *w, size_t n)
{
	size_t i, j;
	char *screen;

	for (i = 0; i < n; i++) {
		screen = step(f, session, w[i].text);
		for (j = 0; j < 5 && w[i].has[j]; j++) {
			if (strstr(screen, w[i].has[j]) == NULL)
				fail_msg("step %zu (\"%s\"): \"%s\" does not contain \"%s\"", i,
				    w[i].text, screen, w[i].has[j]);
		}
		if (w[i].lacks && strstr(screen, w[i].lacks))
			fail_msg("step %zu (\"%s\"): \"%s\" contains \"%s\"", i, w[i].text, screen,
			    w[i].lacks);
		free(screen);
	}
}

static long long
q(struct fixture *f, const char *sql)
{
	return tu_query_int(f->path, sql);
}

/* The numbers of the choices a screen lists ("12 家禽"), in order; returns how many. */
static int
choices(const char *screen, int *nums, int max)
{
	const char *line = screen + 4;
	int n = 0, v;

	while (line && *line) {
		if (sscanf(line, "%d ", &v) == 1 && v > 0 && line[0] != '0' && n < max)
			nums[n++] = v;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return n;
}

static void
test_main_menu_and_invalid_input_shows_the_screen_again_with_a_hint(void **state)
{
	static const struct want w[] = {
		{ "", { "CON 科技扶贫在线", "1 提问", "2 我的问题", "3 评价", "4 订阅" }, "输入有误" },
		{ "9", { "CON 输入有误，请重新选择。\n科技扶贫在线", "5 登记" }, NULL },
		{ "9*abc", { "输入有误", "1 提问" }, NULL },
		{ "9*abc*", { "输入有误", "1 提问" }, NULL },
		{ "9*abc**0", { "输入有误", "1 提问" }, NULL },
		{ "9*abc**0*00", { "CON 科技扶贫在线" }, "输入有误" },
		{ "9*abc**0*00*1", { "请选择问题类别：", "1 家禽\n2 畜牧\n3 果树茶叶\n00 返回" },
		    "0 更多" },
		{ "9*abc**0*00*1*4", { "输入有误", "请选择问题类别" }, NULL },
		{ "9*abc**0*00*1*4*0", { "没有更多了。", "请选择问题类别" }, NULL },
		{ "9*abc**0*00*1*4*0*00", { "CON 科技扶贫在线" }, NULL },
	};

	walk(*state, "menu-1", w, NWANT(w));
}

static void
test_a_question_goes_to_the_chosen_category_and_keeps_its_stars(void **state)
{
	struct fixture *f = *state;
	static const struct want w[] = {
		{ "", { "1 提问" }, NULL },
		{ "1", { "2 畜牧" }, NULL },
		{ "1*2", { "CON 类别：畜牧\n请输入您的问题：\n00 返回" }, NULL },
		{ "1*2*00", { "请选择问题类别" }, NULL },
		{ "1*2*00*1", { "类别：家禽" }, NULL },
		{ "1*2*00*1*00*2", { "类别：畜牧" }, NULL },
		/* "鸡" would be poultry by the rules; the farmer said livestock. */
		{ "1*2*00*1*00*2*鸡和猪一起养*可以吗 0", { "END 已收到您的问题，编号1，类别：畜牧" },
		    NULL },
	};
	char *notice;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "livestock");
	walk(f, "ask-1", w, NWANT(w));
	assert_int_equal(q(f, "SELECT count(*) FROM consultations WHERE channel = 'ussd' AND"
	    " category = 'livestock' AND classified_by = 'menu' AND"
	    " question = '鸡和猪一起养*可以吗 0' AND status = 'assigned'"), 1);
	/* Recorded as an inbound message of its own, like every question. */
	assert_int_equal(q(f, "SELECT count(*) FROM messages WHERE direction = 'in' AND"
	    " provider = 'ussd' AND kind = 'question' AND consultation_id = 1 AND"
	    " sender = '" FARMER "' AND recipient = '*384*1234#'"), 1);
	/* The expert is told by SMS as usual; the farmer saw the ticket on the screen. */
	assert_int_equal(q(f, "SELECT count(*) FROM messages WHERE direction = 'out' AND"
	    " recipient = '" WANG "' AND kind = 'notify' AND body LIKE '%鸡和猪一起养*可以吗%'"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM messages WHERE direction = 'out' AND"
	    " recipient = '" FARMER "'"), 0);

	/* The answer goes to the farmer by SMS. */
	(void)sms(f, WANG, "1 可以，但要分圈饲养");
	assert_int_equal(q(f, "SELECT count(*) FROM messages WHERE direction = 'out' AND"
	    " recipient = '" FARMER "' AND kind = 'answer' AND body LIKE '%可以，但要分圈饲养%'"), 1);
	notice = step(f, "ask-2", "2*1");
	assert_contains(notice, "王专家答复：可以，但要分圈饲养");
	free(notice);
}

static void
test_an_empty_or_overlong_question_is_asked_for_again(void **state)
{
	struct fixture *f = *state;
	char text[1024], *screen;
	int i;

	/* The farmer types on after each hint: what came before is not part of the question. */
	static const struct want w[] = {
		{ "1*1*", { "CON 请写下您的问题。\n类别：家禽\n请输入您的问题：\n00 返回" }, NULL },
		{ "1*1**   ", { "请写下您的问题。" }, NULL },
		{ "1*1**   *0", { "请写下您的问题。", "类别：家禽" }, NULL },
		{ "1*1**   *0*鸡", { "请写下您的问题。" }, NULL },
		{ "1*1**   *0*鸡*鸡不吃食*怎么办", { "END 已收到您的问题，编号1，类别：家禽" }, NULL },
	};

	walk(f, "empty", w, NWANT(w));
	assert_int_equal(q(f, "SELECT count(*) FROM consultations WHERE question = '鸡不吃食*怎么办'"),
	    1);

	snprintf(text, sizeof(text), "1*3*");
	for (i = 0; i <= USSD_MAX_QUESTION; i++)
		strcat(text, i == 5 ? "*" : "茶");
	screen = step(f, "long", text);
	assert_contains(screen, "CON 问题太长，请简短些。\n类别：果树茶叶");
	free(screen);
	/* Typed again, shorter: only the new input is the question. */
	strcat(text, "*茶树*修剪");
	screen = step(f, "long", text);
	assert_contains(screen, "END 已收到您的问题，编号2");
	free(screen);
	assert_int_equal(q(f, "SELECT count(*) FROM consultations WHERE question = '茶树*修剪'"), 1);

	/* Exactly the most a question may hold, "*" counted. */
	snprintf(text, sizeof(text), "1*3*");
	for (i = 0; i < USSD_MAX_QUESTION; i++)
		strcat(text, i == 5 ? "*" : "茶");
	screen = step(f, "long2", text);
	assert_contains(screen, "END 已收到您的问题，编号3");
	free(screen);
	assert_int_equal(q(f, "SELECT length(question) FROM consultations WHERE id = 3"),
	    USSD_MAX_QUESTION);
}

static void
test_a_repeated_step_gets_the_same_screen_and_acts_once(void **state)
{
	struct fixture *f = *state;
	char *first, *again, *other;

	first = step(f, "rep", "1*1*鹅苗死亡很多怎么办");
	again = step(f, "rep", "1*1*鹅苗死亡很多怎么办");
	assert_string_equal(first, again);
	assert_int_equal(q(f, "SELECT count(*) FROM consultations"), 1);
	/* Another session is another question. */
	other = step(f, "rep-2", "1*1*鹅苗死亡很多怎么办");
	assert_contains(other, "编号2");
	free(first);
	free(again);
	free(other);

	/* A toggle repeated is toggled once. */
	first = step(f, "rep-3", "4*1");
	again = step(f, "rep-3", "4*1");
	assert_string_equal(first, again);
	assert_contains(first, "已订阅家禽。");
	assert_int_equal(q(f, "SELECT count(*) FROM subscriptions"), 1);
	free(first);
	free(again);
	/* Nothing kept for a session but the screens given. */
	assert_int_equal(q(f, "SELECT count(*) FROM ussd_steps WHERE session_id = 'rep'"), 1);
}

static void
test_a_session_from_another_number_is_refused(void **state)
{
	struct fixture *f = *state;
	char *mine, *theirs;

	mine = step(f, "owned", "");
	theirs = step_from(f, "owned", FARMER2, "2");
	assert_string_equal(theirs, "END 会话无效，请重新拨号。");
	free(mine);
	free(theirs);
	assert_int_equal(q(f, "SELECT count(*) FROM ussd_steps WHERE phone = '" FARMER2 "'"), 0);
}

static void
test_a_number_past_the_loop_limit_is_told_to_try_later(void **state)
{
	struct fixture *f = *state;
	char *screen;

	f->o.loop_limit = 4;
	reopen(f, NULL, townships, 2);
	/* Four steps: a question asked. */
	free(step(f, "loop-1", ""));
	free(step(f, "loop-1", "1"));
	free(step(f, "loop-1", "1*1"));
	screen = step(f, "loop-1", "1*1*鸡瘟怎么办");
	assert_contains(screen, "END 已收到您的问题");
	free(screen);
	/* The fifth in the hour, and every one after: a short END, nothing done or kept. */
	screen = step(f, "loop-2", "");
	assert_string_equal(screen, "END 操作过于频繁，请一小时后再试。");
	free(screen);
	screen = step(f, "loop-3", "1*1*鸭瘟怎么办");
	assert_string_equal(screen, "END 操作过于频繁，请一小时后再试。");
	free(screen);
	assert_int_equal(q(f, "SELECT count(*) FROM consultations"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM ussd_steps WHERE phone = '" FARMER "'"), 4);
	/* The same step sent again still gets its screen; another number is not held up. */
	screen = step(f, "loop-1", "1*1*鸡瘟怎么办");
	assert_contains(screen, "END 已收到您的问题");
	free(screen);
	screen = step_from(f, "other", FARMER2, "");
	assert_contains(screen, "CON ");
	free(screen);
	/* An hour after those steps, the menu again. */
	f->now += 3600000;
	screen = step(f, "loop-4", "");
	assert_contains(screen, "CON ");
	free(screen);
}

static void
test_old_steps_are_pruned_and_recent_ones_kept(void **state)
{
	struct fixture *f = *state;
	int deleted = 0;

	free(step(f, "old", ""));
	free(step(f, "old", "2"));
	f->now += 8 * 86400000LL;
	free(step(f, "new", ""));
	assert_int_equal(store_ussd_prune(f->s, f->now - 7 * 86400000LL, 1, &deleted), STORE_OK);
	assert_int_equal(deleted, 1);	/* at most max at a time */
	assert_int_equal(store_ussd_prune(f->s, f->now - 7 * 86400000LL, 100, &deleted), STORE_OK);
	assert_int_equal(deleted, 1);
	assert_int_equal(q(f, "SELECT count(*) FROM ussd_steps"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM ussd_steps WHERE session_id = 'new'"), 1);
}

static void
test_a_dialed_shortcut_and_input_after_the_end(void **state)
{
	struct fixture *f = *state;
	static const struct want w[] = {
		/* *384*1234*1*3# arrives as text "1*3" on the first step. */
		{ "1*3", { "CON 类别：果树茶叶" }, NULL },
		{ "1*3*茶叶发黄", { "END 已收到您的问题，编号1" }, NULL },
		/* A provider going on after END: the session is over, nothing is asked again. */
		{ "1*3*茶叶发黄*1", { "END 本次服务已结束，请重新拨号。" }, NULL },
	};
	static const struct want w2[] = {
		{ "5*2*1", { "END 本次服务已结束，请重新拨号。" }, NULL },
	};

	walk(f, "shortcut", w, NWANT(w));
	assert_int_equal(q(f, "SELECT count(*) FROM consultations"), 1);
	walk(f, "after-end", w2, NWANT(w2));
}

static void
test_my_questions_lists_the_last_three_and_pages_an_answer(void **state)
{
	struct fixture *f = *state;
	char answer[1024] = "", *screen, joined[2048] = "", expect[1200], text[1200];
	const char *body, *foot;
	int i, pages;

	static const struct want w[] = {
		{ "2", { "CON 我的问题（选择查看答复）：\n1 #4 专家处理中 小鸡拉稀\n2 #3 专家处理中 "
		    "苹果树叶子发黄是什么原因，要打什么药，用…\n3 #2 专家处理中 猪不吃食\n00 返回" },
		    "#1 " },
		{ "2*3", { "CON #2（畜牧）专家处理中，答复后短信通知您。问题：猪不吃食\n00 返回" },
		    NULL },
		{ "2*3*0", { "CON 没有更多了。\n#2（畜牧）" }, NULL },
		{ "2*3*0*5", { "输入有误", "#2（畜牧）" }, NULL },
		{ "2*3*0*5*00", { "我的问题", "3 #2 专家处理中 猪不吃食" }, NULL },
		{ "2*3*0*5*00*4", { "输入有误", "我的问题" }, NULL },
		{ "2*3*0*5*00*4*00", { "科技扶贫在线" }, NULL },
	};
	static const struct want answered[] = {
		{ "2", { "1 #5 已答复 鹅拉稀\n00 返回" }, NULL },
	};

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry,livestock,fruit_tea");
	(void)sms(f, FARMER, "鹅苗死亡很多怎么办");
	(void)sms(f, WANG, "1 建议先隔离病鹅");
	free(step(f, "q2", "1*2*猪不吃食"));
	free(step(f, "q3", "1*3*苹果树叶子发黄是什么原因，要打什么药，用量多少"));
	free(step(f, "q4", "1*1*小鸡拉稀"));
	walk(f, "mine-1", w, NWANT(w));

	/* A long answer: a screen of it at a time, "0 更多" until the last, nothing lost. */
	for (i = 0; i < 16; i++)
		strcat(answer, "建议先隔离病鹅，保温，饮水中加电解多维。");
	(void)sms(f, FARMER2, "鹅拉稀");
	snprintf(text, sizeof(text), "5 %s", answer);
	(void)sms(f, WANG, text);
	snprintf(expect, sizeof(expect), "#5 王专家答复：%s", answer);
	for (i = 0; i < (int)NWANT(answered); i++) {
		screen = step_from(f, "mine-2", FARMER2, answered[i].text);
		assert_contains(screen, answered[i].has[0]);
		free(screen);
	}
	snprintf(text, sizeof(text), "2*1");
	for (pages = 1; pages < 20; pages++) {
		screen = step_from(f, "mine-3", FARMER2, text);
		assert_true(strncmp(screen, "CON ", 4) == 0);
		body = screen + 4;
		foot = strrchr(body, '\n');
		assert_non_null(foot);
		strncat(joined, body, (size_t)(foot - body));
		if (strcmp(foot, "\n00 返回") == 0) {
			free(screen);
			break;
		}
		assert_string_equal(foot, "\n0 更多 00 返回");
		free(screen);
		strcat(text, "*0");
	}
	assert_string_equal(joined, expect);
	assert_true(pages >= 3);
	strcat(text, "*0");	/* past the last page */
	screen = step_from(f, "mine-3", FARMER2, text);
	assert_contains(screen, "CON 没有更多了。\n");
	free(screen);
	strcat(text, "*00");	/* back one page */
	screen = step_from(f, "mine-3", FARMER2, text);
	assert_contains(screen, "\n0 更多 00 返回");
	assert_lacks(screen, "没有更多了");
	free(screen);
	for (i = 2; i < pages; i++)	/* back to the first page, then the list */
		strcat(text, "*00");
	screen = step_from(f, "mine-3", FARMER2, text);
	assert_contains(screen, "CON #5 王专家答复：建议");
	free(screen);
	strcat(text, "*00");
	screen = step_from(f, "mine-3", FARMER2, text);
	assert_contains(screen, "CON 我的问题");
	free(screen);
}

static void
test_nothing_to_list_or_rate_says_so(void **state)
{
	struct fixture *f = *state;
	static const struct want w[] = {
		{ "2", { "CON 您还没有提过问题。\n00 返回" }, NULL },
		{ "2*1", { "输入有误", "您还没有提过问题。" }, NULL },
		{ "2*1*00", { "科技扶贫在线" }, NULL },
		{ "2*1*00*3", { "CON 您还没有可以评价的答复。\n00 返回" }, NULL },
		{ "2*1*00*3*5", { "输入有误", "您还没有可以评价的答复。" }, NULL },
	};

	walk(f, "none", w, NWANT(w));
	assert_int_equal(q(f, "SELECT count(*) FROM events WHERE kind = 'rated'"), 0);
}

static void
test_rating_the_last_answer_once_and_a_low_one_alerts_triage(void **state)
{
	struct fixture *f = *state;
	static const struct want w[] = {
		{ "3", { "CON 请为#1（王专家）的答复打分：\n5 很满意", "1 很不满意\n00 返回" }, NULL },
		{ "3*6", { "输入有误", "请为#1" }, NULL },
		{ "3*6*0", { "输入有误", "请为#1" }, NULL },
		{ "3*6*0*4", { "END 感谢您对#1的评价（4分）！" }, NULL },
		{ "3*6*0*4", { "END 感谢您对#1的评价（4分）！" }, NULL },	/* again */
	};
	static const struct want low[] = {
		{ "3*00", { "科技扶贫在线" }, NULL },
		{ "3*00*3*1", { "END 感谢您对#1的评价（1分），工作人员会跟进。" }, NULL },
	};

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	add_person(f, TRIAGE, "分诊员", ROLE_TRIAGE, "");
	(void)sms(f, FARMER, "鹅苗死亡很多怎么办");
	(void)sms(f, WANG, "1 建议先隔离病鹅");
	walk(f, "rate-1", w, NWANT(w));
	assert_int_equal(q(f, "SELECT rating FROM consultations WHERE id = 1"), 4);
	assert_int_equal(q(f, "SELECT count(*) FROM events WHERE kind = 'rated'"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM messages WHERE recipient = '" TRIAGE "'"), 0);
	walk(f, "rate-2", low, NWANT(low));
	assert_int_equal(q(f, "SELECT rating FROM consultations WHERE id = 1"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM messages WHERE recipient = '" TRIAGE "'"
	    " AND kind = 'alert'"), 1);
}

static void
test_subscribing_toggles_and_marks_the_categories(void **state)
{
	struct fixture *f = *state;
	static const struct want w[] = {
		{ "4", { "CON 订阅资讯（✓已订阅，再选取消）：\n1 家禽\n2 畜牧\n3 果树茶叶\n00 返回" },
		    "✓\n" },
		{ "4*2", { "CON 已订阅畜牧。\n订阅资讯", "2 畜牧✓\n" }, "1 家禽✓" },
		{ "4*2*3", { "已订阅果树茶叶。", "2 畜牧✓\n3 果树茶叶✓\n" }, NULL },
		{ "4*2*3*2", { "已取消畜牧。", "2 畜牧\n3 果树茶叶✓" }, NULL },
		{ "4*2*3*2*7", { "输入有误", "3 果树茶叶✓" }, NULL },
		{ "4*2*3*2*7*00", { "科技扶贫在线" }, NULL },
	};

	(void)sms(f, FARMER, "退订");
	assert_int_equal(q(f, "SELECT opted_out FROM farmers WHERE phone = '" FARMER "'"), 1);
	walk(f, "sub", w, NWANT(w));
	assert_int_equal(q(f, "SELECT count(*) FROM subscriptions"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM subscriptions WHERE category = 'fruit_tea'"), 1);
	/* Subscribing takes broadcasts again, as the SMS 订阅 does. */
	assert_int_equal(q(f, "SELECT opted_out FROM farmers WHERE phone = '" FARMER "'"), 0);
}

static void
test_registering_a_township_and_village(void **state)
{
	struct fixture *f = *state;
	static const struct want w[] = {
		{ "5", { "CON 请选择您所在的乡镇：\n1 舜山镇\n2 六郎镇\n00 返回" }, NULL },
		{ "5*1", { "CON 舜山镇，请选择村：\n1 六郎村\n2 大坪村\n3 白岩村\n00 返回" }, NULL },
		{ "5*1*4", { "输入有误", "舜山镇，请选择村" }, NULL },
		{ "5*1*4*00", { "请选择您所在的乡镇" }, NULL },
		{ "5*1*4*00*1*3", { "END 已登记：舜山镇白岩村。" }, NULL },
	};
	static const struct want w2[] = {
		/* A township that lists no villages: registered at once. */
		{ "5*2", { "END 已登记：六郎镇。" }, NULL },
	};
	static const struct want none[] = {
		{ "5", { "CON 本县尚未开放乡镇登记。\n00 返回" }, NULL },
		{ "5*00", { "科技扶贫在线" }, NULL },
	};

	walk(f, "reg-1", w, NWANT(w));
	assert_int_equal(q(f, "SELECT count(*) FROM farmers WHERE township = '舜山镇' AND"
	    " village = '白岩村'"), 1);
	walk(f, "reg-2", w2, NWANT(w2));
	assert_int_equal(q(f, "SELECT count(*) FROM farmers WHERE township = '六郎镇' AND"
	    " village IS NULL"), 1);
	reopen(f, NULL, NULL, 0);
	walk(f, "reg-3", none, NWANT(none));
}

/*
 * Page through a list with 0 from the screen reached by prefix: every choice 1..n appears once,
 * in order; "0 更多" on every page but the last; 0 on the last says so; 00 goes back a page.
 * Returns the number of pages.
 */
static int
page_through(struct fixture *f, const char *session, const char *prefix, int n)
{
	char text[512], *screen, *prev = NULL;
	int nums[256], got, seen = 0, pages = 0, i;

	snprintf(text, sizeof(text), "%s", prefix);
	for (;;) {
		screen = step(f, session, text);
		got = choices(screen, nums, 256);
		assert_true(got > 0);
		for (i = 0; i < got; i++)
			assert_int_equal(nums[i], seen + i + 1);
		seen += got;
		pages++;
		if (seen == n) {
			assert_lacks(screen, "0 更多");
			break;
		}
		assert_contains(screen, "\n0 更多 00 返回");
		free(prev);
		prev = screen;
		strcat(text, "*0");
	}
	assert_int_equal(seen, n);
	free(screen);
	/* 0 on the last page: a hint, the same page. */
	strcat(text, "*0");
	screen = step(f, session, text);
	assert_contains(screen, "CON 没有更多了。\n");
	free(screen);
	/* 00: the page before, as it was shown. */
	if (prev) {
		strcat(text, "*00");
		screen = step(f, session, text);
		assert_string_equal(screen, prev);
		free(screen);
		free(prev);
	}
	return pages;
}

static void
test_the_longest_category_and_township_lists_are_paged_within_182(void **state)
{
	struct fixture *f = *state;
	struct config_township *towns;
	struct route_rules *big;
	char *rules = malloc(64 * 160 + 64), err[512], *path, *screen, text[512], villages[4096];
	size_t used;
	int i, pages;

	/* 64 categories (the most there may be), each named with 8 characters (the longest). */
	used = (size_t)sprintf(rules, "[routing]\nthreshold = 2\n");
	for (i = 0; i < ROUTE_MAX_CATEGORIES; i++)
		used += (size_t)sprintf(rules + used, "[c%02d]\nname = 长名称类别甲%02d\n"
		    "pattern = 10 词%02d\n", i, i, i);
	path = tu_write_file(f->dir, "big.conf", rules);
	assert_int_equal(route_rules_load(path, &big, err, sizeof(err)), 0);
	free(path);
	free(rules);

	/* 150 townships named with 41 characters; the last lists 40 long villages. */
	towns = calloc(150, sizeof(*towns));
	villages[0] = '\0';
	for (i = 0; i < 40; i++)
		sprintf(villages + strlen(villages), "%s第%02d号很长名字的行政村民委员会", i ? ", " : "", i);
	for (i = 0; i < 150; i++) {
		if (asprintf(&towns[i].name, "第%03d个名字很长很长很长很长很长很长很长很长很长很长很长的镇",
		    i) < 0)
			abort();
		towns[i].villages = strdup(i == 149 ? villages : "");
	}
	reopen(f, big, towns, 150);

	pages = page_through(f, "big-1", "1", ROUTE_MAX_CATEGORIES);
	assert_true(pages >= 3);
	/* Choices are numbered across pages: 64 from the first page, 1 from the last. */
	screen = step(f, "big-2", "1*64");
	assert_contains(screen, "CON 类别：长名称类别甲63\n");
	free(screen);
	snprintf(text, sizeof(text), "1");
	for (i = 1; i < pages; i++)
		strcat(text, "*0");
	strcat(text, "*1*00");	/* back from the question: the page with category 1 */
	screen = step(f, "big-3", text);
	assert_contains(screen, "\n1 长名称类别甲00\n");
	free(screen);
	/* Invalid input on the last page: the hint and the same page, still within 182. */
	snprintf(text, sizeof(text), "1");
	for (i = 1; i < pages; i++)
		strcat(text, "*0");
	strcat(text, "*99");
	screen = step(f, "big-4", text);
	assert_contains(screen, "CON 输入有误，请重新选择。\n请选择问题类别：\n");
	assert_contains(screen, "\n64 长名称类别甲63");
	free(screen);

	/* Subscribing shows the same list with marks; every one marked still fits. */
	for (i = 1; i <= ROUTE_MAX_CATEGORIES; i++) {
		char session[32];

		snprintf(session, sizeof(session), "big-sub-%d", i);
		snprintf(text, sizeof(text), "4*%d", i);
		screen = step(f, session, text);
		assert_contains(screen, "CON 已订阅长名称类别甲");
		free(screen);
	}
	page_through(f, "big-sub-all", "4", ROUTE_MAX_CATEGORIES);
	assert_int_equal(q(f, "SELECT count(*) FROM subscriptions"), ROUTE_MAX_CATEGORIES);

	/* Townships: cut to fit a line, paged, the chosen one stored whole. */
	pages = page_through(f, "town-1", "5", 150);
	assert_true(pages >= 5);
	screen = step(f, "town-2", "5*150");
	assert_contains(screen, "CON 第149个名字很长很长很长很长很长很长…，请选择村：\n1 第00号");
	free(screen);
	page_through(f, "town-3", "5*150", 40);
	screen = step(f, "town-4", "5*150*40");
	assert_contains(screen, "END 已登记：");
	free(screen);
	assert_int_equal(q(f, "SELECT count(*) FROM farmers WHERE township LIKE '第149个%镇' AND"
	    " village = '第39号很长名字的行政村民委员会'"), 1);

	reopen(f, NULL, townships, 2);
	route_rules_free(big);
	for (i = 0; i < 150; i++) {
		free(towns[i].name);
		free(towns[i].villages);
	}
	free(towns);
}

/*
 * The menu file's texts with their limits, as config/ussd.conf documents them: each is written
 * as its start (placeholders, or what the farmer types) and filler up to the limit, counting
 * the start for what it may take on a screen.
 */
static const struct {
	const char *section, *key, *start;
	int counted;	/* characters the start counts for */
	int max;
} limits[] = {
	{ "main", "title", "", 0, 60 }, { "main", "ask", "", 0, 12 },
	{ "main", "mine", "", 0, 12 }, { "main", "rate", "", 0, 12 },
	{ "main", "subscribe", "", 0, 12 }, { "main", "register", "", 0, 12 },
	{ "nav", "more", "0 ", 2, 10 }, { "nav", "back", "00 ", 3, 10 },
	{ "nav", "invalid", "", 0, 30 }, { "nav", "no_more", "", 0, 30 },
	{ "nav", "ended", "", 0, 150 }, { "nav", "session", "", 0, 150 },
	{ "nav", "busy", "", 0, 150 },
	{ "ask", "choose", "", 0, 60 }, { "ask", "prompt", "{category}", 8, 100 },
	{ "ask", "empty", "", 0, 30 }, { "ask", "too_long", "", 0, 30 },
	{ "ask", "done", "{ticket}{category}", 18, 150 },
	{ "mine", "title", "", 0, 60 }, { "mine", "none", "", 0, 100 },
	{ "mine", "item", "{ticket}{status}{question}", 20, 30 },
	{ "mine", "queued", "", 0, 10 }, { "mine", "assigned", "", 0, 10 },
	{ "mine", "answered", "", 0, 10 }, { "mine", "closed", "", 0, 10 },
	{ "mine", "answer", "{ticket}{expert}{answer}", 20, 100 },
	{ "mine", "pending", "{ticket}{status}{question}", 20, 100 },
	{ "rate", "prompt", "{ticket}{expert}", 20, 100 }, { "rate", "none", "", 0, 100 },
	{ "rate", "done", "{ticket}{rating}", 11, 150 },
	{ "rate", "low", "{ticket}{rating}", 11, 150 },
	{ "subscribe", "title", "", 0, 60 }, { "subscribe", "mark", "", 0, 2 },
	{ "subscribe", "added", "{category}", 8, 30 },
	{ "subscribe", "removed", "{category}", 8, 30 },
	{ "register", "township", "", 0, 60 }, { "register", "village", "{township}", 20, 60 },
	{ "register", "done", "{township}{village}", 40, 150 },
	{ "register", "none", "", 0, 100 },
};

#define NLIMITS ((int)(sizeof(limits) / sizeof(limits[0])))

/* A menu file with every text at its limit; the text over (0-based), extra characters past. */
static char *
write_full_menu(struct fixture *f, int over, int extra)
{
	char *text = calloc(1, 64 * 1024), *path;
	const char *section = "";
	size_t used = 0;
	int i, j, n, wide;

	for (i = 0; i < NLIMITS; i++) {
		if (strcmp(section, limits[i].section) != 0) {
			section = limits[i].section;
			used += (size_t)sprintf(text + used, "[%s]\n", section);
		}
		n = limits[i].max - limits[i].counted + (i == over ? extra : 0);
		used += (size_t)sprintf(text + used, "%s = %s", limits[i].key, limits[i].start);
		/* Chinese where a line of 198 bytes holds it, Latin letters where it does not. */
		wide = strlen(limits[i].key) + strlen(limits[i].start) + 3 * (size_t)n + 4 < 198;
		for (j = 0; j < n; j++)
			used += (size_t)sprintf(text + used, "%s", wide ? "满" : "m");
		used += (size_t)sprintf(text + used, "\n");
	}
	path = tu_write_file(f->dir, "full.conf", text);
	free(text);
	return path;
}

static void
test_a_menu_with_every_text_at_its_limit_still_fits(void **state)
{
	struct fixture *f = *state;
	struct ussd_menu *full = NULL, *saved = f->menu;
	char err[512], *path, answer[1024] = "", text[1200], session[32];
	int i;
	static const char *const before[] = { "", "9", "1", "1*9", "1*1", "1*1*", "1*1*0",
	    "2", "2*9", "3", "3*9", "4", "4*1", "4*1*1", "4*9", "5", "5*1", "5*1*9", "5*1*0",
	    "5*1*2", "5*2", "5*2*1" };
	static const char *const after[] = { "2", "2*1", "2*1*9", "2*2", "2*2*0", "2*2*0*0",
	    "2*2*0*0*0", "2*2*0*0*0*0*0*0*0*0", "2*2*9", "3", "3*9", "3*5" };

	path = write_full_menu(f, -1, 0);
	if (gw_ussd_menu_load(path, &full, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	free(path);
	/* One character more anywhere is refused. */
	for (i = 0; i < NLIMITS; i++) {
		struct ussd_menu *m = NULL;
		char key[64];

		path = write_full_menu(f, i, 1);
		if (gw_ussd_menu_load(path, &m, err, sizeof(err)) == 0)
			fail_msg("[%s] %s: one character past the limit was taken",
			    limits[i].section, limits[i].key);
		snprintf(key, sizeof(key), "[%s] %s: ", limits[i].section, limits[i].key);
		assert_contains(err, key);
		assert_contains(err, "at most");
		free(path);
	}

	f->menu = full;
	add_person(f, WANG, "欧阳长名字的专家同志先生", ROLE_EXPERT, "poultry");
	for (i = 0; i < (int)NWANT(before); i++) {
		snprintf(session, sizeof(session), "full-a%d", i);
		free(step(f, session, before[i]));
	}
	snprintf(text, sizeof(text), "1*1*");
	for (i = 0; i <= USSD_MAX_QUESTION; i++)
		strcat(text, "满");
	free(step(f, "full-long", text));
	free(step(f, "full-q", "1*1*鹅苗死亡很多怎么办"));
	for (i = 0; i < 10; i++)
		strcat(answer, "建议先隔离病鹅，保温，饮水中加电解多维。");
	snprintf(text, sizeof(text), "1 %s", answer);
	(void)sms(f, WANG, text);
	free(step(f, "full-q2", "1*1*小鸡拉稀"));	/* pending, listed first */
	for (i = 0; i < (int)NWANT(after); i++) {
		snprintf(session, sizeof(session), "full-b%d", i);
		free(step(f, session, after[i]));
	}
	free(step(f, "full-low", "3*1"));
	free(step_from(f, "full-low", FARMER2, "1"));
	f->menu = saved;
	gw_ussd_menu_free(full);
}

/* Menu files with one mistake: refused, naming the file, the line and the key. */
static void
test_a_bad_menu_file_is_refused_naming_the_line_and_key(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *find, *replace;	/* in the shipped file */
		const char *marker;		/* the line to be named, or NULL: no line */
		const char *error;
	} cases[] = {
		{ "title = 科技扶贫在线", "titel = 科技扶贫在线", "titel =",
		    "[main] titel: unknown key" },
		{ "[register]", "[registre]", "township = 请选择",
		    "[registre] township: unknown section [registre]" },
		{ "more = 0 更多\n", "", NULL, "[nav] more: missing" },
		{ "编号{ticket}，类别", "编号{ticket}，专家{expert}", "专家{expert}",
		    "[ask] done: {expert} cannot be used here (it may hold {ticket}, {category})" },
		{ "title = 科技扶贫在线", "title = {ticket}科技扶贫在线", "{ticket}科技",
		    "[main] title: {ticket} cannot be used here (it holds no {…})" },
		{ "已订阅{category}。", "已订阅{category。", "已订阅{category。",
		    "[subscribe] added: a \"{\" without \"}\"" },
		{ "no_more = 没有更多了。", "no_more = 没有更多了没有更多了没有更多了没有更多了没有更多了没有更多了没有更多了",
		    "no_more = 没有更多了没有", "[nav] no_more: 35 characters (each {…} counted at its "
		    "longest), at most 30" },
		{ "mark = ✓\n", "mark = ✓\nmark = √\n", "mark = √",
		    "[subscribe] mark: given twice (first on line " },
		{ "ask = 提问", "ask =", "ask =", "[main] ask: empty" },
		{ "ask = 提问", "ask = \xe6\x8f", "ask = \xe6\x8f", "[main] ask: not valid UTF-8" },
	};
	FILE *fp = fopen(MENU, "r");
	char shipped[16384], err[512], *text, *pos, *path, want[256];
	struct ussd_menu *m;
	size_t len, i;
	int line;

	assert_non_null(fp);
	len = fread(shipped, 1, sizeof(shipped) - 1, fp);
	fclose(fp);
	shipped[len] = '\0';
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pos = strstr(shipped, cases[i].find);
		if (pos == NULL)
			fail_msg("case %zu: \"%s\" is not in " MENU, i, cases[i].find);
		text = calloc(1, len + strlen(cases[i].replace) + 1);
		memcpy(text, shipped, (size_t)(pos - shipped));
		strcat(text, cases[i].replace);
		strcat(text, pos + strlen(cases[i].find));
		path = tu_write_file(f->dir, "bad.conf", text);
		m = NULL;
		assert_int_equal(gw_ussd_menu_load(path, &m, err, sizeof(err)), -1);
		assert_null(m);
		if (cases[i].marker) {
			pos = strstr(text, cases[i].marker);
			assert_non_null(pos);
			for (line = 1; pos > text; pos--)
				line += pos[-1] == '\n';
			snprintf(want, sizeof(want), "%s:%d: %s", path, line, cases[i].error);
		} else {
			snprintf(want, sizeof(want), "%s: %s", path, cases[i].error);
		}
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("case %zu:\n got  \"%s\"\n want \"%s\"", i, err, want);
		free(path);
		free(text);
	}
	m = NULL;
	assert_int_equal(gw_ussd_menu_load("/nonexistent/ussd.conf", &m, err, sizeof(err)), -1);
	assert_contains(err, "/nonexistent/ussd.conf: cannot open");
}

/*
 * A step parsed as POST /ussd/africastalking parses it: the adapter's parse_ussd, which keeps
 * nothing of the provider's (no provider is opened).
 */
static int
parse_step(const struct gw_req *r, struct ussd_in *in, char *reason, size_t rlen)
{
	const struct gw_provider_ops *ops = gw_provider_find("africastalking");

	assert_non_null(ops);
	assert_non_null(ops->parse_ussd);
	return ops->parse_ussd(NULL, r, in, reason, rlen);
}

/* Requests in, parse or status out. */
static void
test_parse_checks_every_field(void **state)
{
	static const struct {
		const char *ctype, *body;
		int status;
		const char *expect;	/* the reason, or the normalized phone when 0 */
		const char *text;
	} cases[] = {
		{ "application/x-www-form-urlencoded", "sessionId=ATUid_1&serviceCode=*384*1234%23"
		    "&phoneNumber=%2B8613800000001&text=", 0, "+8613800000001", "" },
		{ "application/x-www-form-urlencoded; charset=UTF-8", "sessionId=ATUid_1&serviceCode="
		    "*384*1234%23&phoneNumber=13800000001&text=1*2*%E9%B8%A1*%E9%B8%AD&networkCode="
		    "46000", 0, "+8613800000001", "1*2*鸡*鸭" },
		{ "application/x-www-form-urlencoded", "sessionId=s&serviceCode=*1%23&phoneNumber="
		    "%2B254711000111&text=1", 0, "+254711000111", "1" },
		{ "application/json", "{\"sessionId\":\"s\"}", 415, "application/x-www-form-urlencoded",
		    NULL },
		{ NULL, "sessionId=s", 415, "application/x-www-form-urlencoded", NULL },
		{ "application/x-www-form-urlencoded", "serviceCode=*1%23&phoneNumber=13800000001&"
		    "text=", 400, "sessionId is missing", NULL },
		{ "application/x-www-form-urlencoded", "sessionId=s&phoneNumber=13800000001&text=",
		    400, "serviceCode is missing", NULL },
		{ "application/x-www-form-urlencoded", "sessionId=s&serviceCode=*1%23&text=", 400,
		    "phoneNumber is missing", NULL },
		{ "application/x-www-form-urlencoded", "sessionId=s&serviceCode=*1%23&phoneNumber="
		    "13800000001", 400, "text is missing", NULL },
		{ "application/x-www-form-urlencoded", "sessionId=&serviceCode=*1%23&phoneNumber="
		    "13800000001&text=", 400, "sessionId must be 1 to 128 printable ASCII", NULL },
		{ "application/x-www-form-urlencoded", "sessionId=a%20b&serviceCode=*1%23&"
		    "phoneNumber=13800000001&text=", 400, "sessionId must be", NULL },
		{ "application/x-www-form-urlencoded", "sessionId=%E4%BC%9A&serviceCode=*1%23&"
		    "phoneNumber=13800000001&text=", 400, "sessionId must be", NULL },
		{ "application/x-www-form-urlencoded", "sessionId=s&serviceCode=&phoneNumber="
		    "13800000001&text=", 400, "serviceCode must be", NULL },
		{ "application/x-www-form-urlencoded", "sessionId=s&serviceCode=*1%23&phoneNumber="
		    "hello&text=", 400, "phoneNumber is not a phone number", NULL },
		{ "application/x-www-form-urlencoded", "sessionId=s&serviceCode=*1%23&phoneNumber="
		    "1380000000&text=", 400, "phoneNumber is not a phone number", NULL },
		{ "application/x-www-form-urlencoded", "sessionId=s&serviceCode=*1%23&phoneNumber="
		    "13800000001&text=1*%FF%FE", 400, "text is not valid UTF-8", NULL },
		{ "application/x-www-form-urlencoded", "sessionId=s&serviceCode=*1%23&phoneNumber="
		    "13800000001&text=1*%ED%A0%80", 400, "text is not valid UTF-8", NULL },
		{ "application/x-www-form-urlencoded", "sessionId=s&serviceCode=*1%23&phoneNumber="
		    "13800000001&text=1*%00abc", 400, "text holds a NUL byte", NULL },
		{ "application/x-www-form-urlencoded", "sessionId=s&serviceCode=*1%23&phoneNumber="
		    "13800000001&text=1*%1B[2J", 400, "text holds control characters", NULL },
		{ "application/x-www-form-urlencoded", "sessionId=s&serviceCode=*1%23&phoneNumber="
		    "13800000001&text=%E9%B8%A1%0A%E9%B8%AD", 0, "+8613800000001", "鸡\n鸭" },
	};
	struct ussd_in in;
	struct gw_kv header;
	struct gw_req r;
	char reason[256];
	size_t i;
	int status;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.method = "POST";
		r.path = "/ussd/africastalking";
		r.tail = "";
		r.content_type = cases[i].ctype;
		r.body = cases[i].body;
		r.len = strlen(cases[i].body);
		header.key = (char *)"Content-Type";
		header.value = (char *)(cases[i].ctype ? cases[i].ctype : "");
		header.vlen = strlen(header.value);
		r.headers = &header;
		r.nheaders = cases[i].ctype ? 1 : 0;
		reason[0] = '\0';
		status = parse_step(&r, &in, reason, sizeof(reason));
		if (status != cases[i].status)
			fail_msg("case %zu: status %d, want %d (%s)", i, status, cases[i].status,
			    reason);
		if (status == 0) {
			assert_string_equal(in.phone, cases[i].expect);
			assert_string_equal(in.text, cases[i].text);
			assert_non_null(in.session);
			assert_non_null(in.service_code);
		} else {
			assert_contains(reason, cases[i].expect);
			assert_null(in.session);
			assert_null(in.text);
		}
		gw_ussd_free(&in);
	}
}

static void
test_parse_caps_the_text_and_the_fields(void **state)
{
	char body[8192], reason[256];
	struct ussd_in in;
	struct gw_req r;
	size_t used;
	int i;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.content_type = "application/x-www-form-urlencoded";
	r.body = body;

	/* USSD_MAX_TEXT bytes are taken, one more is not. */
	used = (size_t)sprintf(body, "sessionId=s&serviceCode=*1%%23&phoneNumber=13800000001&text=");
	for (i = 0; i < USSD_MAX_TEXT; i++)
		body[used++] = '1';
	body[used] = '\0';
	r.len = used;
	assert_int_equal(parse_step(&r, &in, reason, sizeof(reason)), 0);
	assert_int_equal(strlen(in.text), USSD_MAX_TEXT);
	gw_ussd_free(&in);
	body[used++] = '1';
	body[used] = '\0';
	r.len = used;
	assert_int_equal(parse_step(&r, &in, reason, sizeof(reason)), 400);
	assert_string_equal(reason, "text is longer than 1024 bytes");

	/* A session id of 129 bytes; more fields than a form may have. */
	used = (size_t)sprintf(body, "serviceCode=*1%%23&phoneNumber=13800000001&text=&sessionId=");
	for (i = 0; i < 129; i++)
		body[used++] = 'a';
	body[used] = '\0';
	r.len = used;
	assert_int_equal(parse_step(&r, &in, reason, sizeof(reason)), 400);
	assert_string_equal(reason, "sessionId is longer than 128 bytes");
	used = (size_t)sprintf(body, "sessionId=s&serviceCode=*1%%23&phoneNumber=13800000001&text=");
	for (i = 0; i < WEBHOOK_MAX_FIELDS; i++)
		used += (size_t)sprintf(body + used, "&x%d=1", i);
	r.len = used;
	assert_int_equal(parse_step(&r, &in, reason, sizeof(reason)), 400);
	assert_contains(reason, "more than");
	gw_ussd_free(&in);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_main_menu_and_invalid_input_shows_the_screen_again_with_a_hint),
		T(test_a_question_goes_to_the_chosen_category_and_keeps_its_stars),
		T(test_an_empty_or_overlong_question_is_asked_for_again),
		T(test_a_repeated_step_gets_the_same_screen_and_acts_once),
		T(test_a_session_from_another_number_is_refused),
		T(test_a_dialed_shortcut_and_input_after_the_end),
		T(test_my_questions_lists_the_last_three_and_pages_an_answer),
		T(test_nothing_to_list_or_rate_says_so),
		T(test_rating_the_last_answer_once_and_a_low_one_alerts_triage),
		T(test_subscribing_toggles_and_marks_the_categories),
		T(test_registering_a_township_and_village),
		T(test_a_number_past_the_loop_limit_is_told_to_try_later),
		T(test_old_steps_are_pruned_and_recent_ones_kept),
		T(test_the_longest_category_and_township_lists_are_paged_within_182),
		T(test_a_menu_with_every_text_at_its_limit_still_fits),
		T(test_a_bad_menu_file_is_refused_naming_the_line_and_key),
		T(test_parse_checks_every_field),
		T(test_parse_caps_the_text_and_the_fields),
	};
#undef T

	log_init("test", LOG_LEVEL_WARN);
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	return cmocka_run_group_tests_name("ussd", tests, NULL, NULL);
}
