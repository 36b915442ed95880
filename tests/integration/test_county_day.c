/*
 * A county day through the real binary, over HTTP, with a fake provider: five farmers, three
 * experts in two categories, a triage staff member, an information commissioner and the
 * bureau. A registration, a follow-up before and after an answer, a pass, a triage route, an
 * off-duty hand-over, a reminder, a reassignment, a commissioner's question, ratings good and
 * bad — then what each phone received and what the database holds.
 *
 * The timers are shortened (reminder after 2 s, reassignment after 6 s of working time, quiet
 * hours off) so that the day takes seconds; every wait is for something to happen, never a
 * fixed sleep that a slow machine could miss.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/lib/harness.h"
#include "tests/lib/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F1 "+8613800000001"
#define F2 "+8613800000002"
#define F3 "+8613800000003"
#define F5 "+8613800000005"
#define WANG "+8613900000001"	/* poultry */
#define LI "+8613900000002"	/* poultry */
#define ZHANG "+8613900000003"	/* livestock */
#define CHEN "+8613900000009"	/* triage */
#define ZHAO "+8613900000008"	/* commissioner */
#define BUREAU "+8613900000100"

static const char day_conf[] =
    "[consult]\nbureau_contact = " BUREAU "\nfollowup_window = 1h\n"
    "[escalation]\nremind_after = 2s\nreassign_after = 6s\noff_duty_grace = 1s\n"
    "check_interval = 100ms\n"
    "[quiet]\nstart = 00:00\nend = 00:00\n"
    "[townships]\n舜山镇 = 六郎村, 大坪村\n";

static const char people_csv[] =
    "phone,name,categories,townships,role\n"
    WANG ",王专家,poultry,舜山镇,expert\n"
    LI ",李专家,家禽,,expert\n"
    ZHANG ",张专家,livestock,,expert\n"
    CHEN ",陈分诊,,,triage\n"
    ZHAO ",赵信息员,,舜山镇,commissioner\n";

static int
setup(void **state)
{
	*state = h_world_new("county", day_conf);
	return *state ? 0 : -1;
}

static int
teardown(void **state)
{
	h_world_free(*state);
	return 0;
}

/* Send one SMS; returns the ticket it concerned (0: none) and checks the action. */
static long long
sms(struct world *w, const char *from, const char *text, const char *action)
{
	char form[1024];
	json_t *r;
	long long ticket;

	snprintf(form, sizeof(form), "from=%s&text=%s", from, text);
	if (h_post_form(w, form, &r) != 200)
		fail_msg("%s: %s", text, json_dumps(r, 0));
	if (strcmp(json_string_value(json_object_get(r, "action")), action) != 0)
		fail_msg("%s: action %s, want %s", text,
		    json_string_value(json_object_get(r, "action")), action);
	ticket = json_integer_value(json_object_get(r, "ticket"));
	json_decref(r);
	return ticket;
}

/* Wait until the phone "to" got a message containing needle. */
static const char *
got(struct world *w, const char *to, const char *needle)
{
	int64_t until = h_now_ms() + WAIT_MS;
	const char *text;

	while ((text = h_fake_find(&w->fake, to, needle)) == NULL && h_now_ms() < until)
		h_sleep_ms(20);
	if (text == NULL)
		fail_msg("%s never got \"%s\"", to, needle);
	return text;
}

static long long
q(struct world *w, const char *sql)
{
	return tu_query_int(w->db, sql);
}

static void
test_a_county_day(void **state)
{
	struct world *w = *state;
	char *csv, *out;
	long long t1, t2, t3, t4;

	csv = tu_write_file(w->dir, "people.csv", people_csv);
	assert_int_equal(h_run_cli(w, &out, "expert", "import", csv, NULL), 0);
	h_assert_contains(out, "5 added");
	free(out);
	free(csv);
	h_gateway_start(w);

	/* Morning. A farmer registers, then asks; the expert paired with 舜山镇 gets it. */
	sms(w, F1, "登记 舜山镇 六郎村", "command");
	got(w, F1, "已登记：舜山镇六郎村");
	t1 = sms(w, F1, "鹅苗死亡很多怎么办", "question");
	h_assert_contains(got(w, F1, "编号"), "家禽");
	h_assert_contains(got(w, WANG, "新问题#"), "舜山镇 农户138****0001：鹅苗死亡很多怎么办");
	/* A follow-up before the answer goes to the same expert. */
	assert_int_equal(sms(w, F1, "是刚买回来的苗", "followup"), t1);
	got(w, WANG, "农户追问：是刚买回来的苗");
	/* The expert answers from the phone; the farmer rates it. */
	sms(w, WANG, "1 建议先隔离病鹅，饮水加电解多维", "answer");
	got(w, F1, "王专家答复：建议先隔离病鹅");
	sms(w, F1, "5", "rating");
	got(w, F1, "感谢您对问题#1的评价（5分）");
	/* A follow-up after the answer reopens it for the same expert, who answers again. */
	assert_int_equal(sms(w, F1, "用了药好多了还要注意什么", "followup"), t1);
	got(w, WANG, "农户追问：用了药好多了还要注意什么");
	sms(w, WANG, "#1 注意保温，少量多餐", "answer");
	got(w, F1, "注意保温，少量多餐");

	/* A livestock question; its only expert passes it: triage staff get it and answer it. */
	t2 = sms(w, F2, "猪拉稀不吃食怎么办", "question");
	got(w, ZHANG, "新问题#2");
	sms(w, ZHANG, "转2", "pass");
	got(w, CHEN, "转来的问题#2");
	sms(w, CHEN, "2 先隔离病猪，补液，联系兽医", "answer");
	got(w, F2, "陈分诊答复：先隔离病猪");
	sms(w, F2, "不满意", "rating");
	got(w, CHEN, "#2收到1分评价");

	/* A greeting goes to triage; staff route it to poultry: 李专家 (fewest open) gets it. */
	t3 = sms(w, F3, "你好请问一下", "question");
	got(w, CHEN, "新问题#3（人工分诊）");
	sms(w, CHEN, "分3 家禽", "route");
	got(w, LI, "新问题#3（家禽）");
	/* 李专家 goes off duty: after the grace period #3 is handed to 王专家. */
	sms(w, LI, "暂停", "duty");
	got(w, WANG, "转来的问题#3");
	got(w, LI, "您暂停期间，问题#3已转给其他人答复");
	sms(w, WANG, "3 鸭子不下蛋多补钙和光照", "answer");
	got(w, F3, "王专家答复：鸭子不下蛋多补钙和光照");
	sms(w, LI, "恢复", "duty");

	/* The commissioner asks for a farmer without a phone of their own. 李专家, back and with
	 * the fewest open questions, gets it and does not answer: a reminder, then 王专家. */
	t4 = sms(w, ZHAO, "代13800000005 鸡冠发紫是什么病", "proxy");
	got(w, ZHAO, "已代农户138****0005提交问题");
	got(w, LI, "新问题#4");
	got(w, LI, "提醒：问题#4");
	got(w, WANG, "转来的问题#4");
	got(w, LI, "问题#4超时未答，已转给其他人答复");
	got(w, F5, "您的问题#4仍在处理中");
	sms(w, WANG, "4 可能是禽流感，请马上报告兽医站", "answer");
	got(w, F5, "王专家答复：可能是禽流感");
	got(w, ZHAO, "王专家答复（抄送）：可能是禽流感");

	/* Evening: the day's record. */
	assert_int_equal(h_db_wait(w, "SELECT count(*) FROM messages WHERE direction = 'out' AND"
	    " status <> 'sent'", 0), 0);
	assert_int_equal(h_gateway_stop(w), 0);
	assert_int_equal(q(w, "SELECT count(*) FROM consultations"), 4);
	assert_int_equal(q(w, "SELECT count(*) FROM consultations WHERE status = 'answered'"), 4);
	assert_int_equal(q(w, "SELECT rating FROM consultations WHERE id = 1"), 5);
	assert_int_equal(q(w, "SELECT rating FROM consultations WHERE id = 2"), 1);
	assert_int_equal(q(w, "SELECT count(*) FROM consultations WHERE id = 3 AND"
	    " rules_category = 'triage' AND category = 'poultry' AND classified_by = 'staff'"), 1);
	assert_int_equal(q(w, "SELECT channel = 'commissioner' FROM consultations WHERE id = 4"), 1);
	assert_int_equal(q(w, "SELECT count(*) FROM farmers WHERE phone = '" F1 "' AND"
	    " township = '舜山镇' AND village = '六郎村'"), 1);
	assert_int_equal(q(w, "SELECT count(*) FROM events WHERE kind = 'followup'"), 2);
	assert_int_equal(q(w, "SELECT count(*) FROM events WHERE kind = 'passed'"), 1);
	assert_int_equal(q(w, "SELECT count(*) FROM events WHERE kind = 'rerouted'"), 1);
	assert_int_equal(q(w, "SELECT count(*) FROM events WHERE kind = 'off_duty'"), 1);
	assert_int_equal(q(w, "SELECT count(*) FROM events WHERE kind = 'reminded' AND"
	    " consultation_id = 4 AND expert_id = (SELECT id FROM experts WHERE phone = '" LI "')"),
	    1);
	assert_int_equal(q(w, "SELECT count(*) FROM events WHERE kind = 'reassigned'"), 1);
	assert_int_equal(q(w, "SELECT answered_by = (SELECT id FROM experts WHERE phone = '"
	    WANG "') FROM consultations WHERE id = 4"), 1);
	/* No one needed the bureau today: every question found someone. */
	assert_int_equal(h_fake_count_to(&w->fake, BUREAU), 0);
	/* Nothing went twice: each farmer got exactly the messages of the story. */
	assert_int_equal(h_fake_count_to(&w->fake, F1), 7);
	assert_int_equal(h_fake_count_to(&w->fake, F2), 3);
	assert_int_equal(h_fake_count_to(&w->fake, F3), 3);	/* with "still being handled" */
	got(w, F3, "您的问题#3仍在处理中");
	assert_int_equal(h_fake_count_to(&w->fake, F5), 2);

	/* The bureau can see the history of any question. */
	assert_int_equal(h_run_cli(w, &out, "show", "4", NULL), 0);
	h_assert_contains(out, "提醒专家");
	h_assert_contains(out, "超时转派");
	h_assert_contains(out, "王专家");
	/* F7: the commissioner's 代 message holds the farmer's number: masked too. */
	h_assert_contains(out, "代138****0005 鸡冠发紫");
	assert_null(strstr(out, "13800000005"));
	free(out);
	assert_int_equal(h_run_cli(w, &out, "show", "4", "--unmasked", NULL), 0);
	h_assert_contains(out, "代13800000005 鸡冠发紫");
	free(out);
	assert_int_equal(h_run_cli(w, &out, "export", NULL), 0);
	h_assert_contains(out, "代138****0005 鸡冠发紫");
	assert_null(strstr(out, "13800000005"));
	free(out);
	assert_int_equal(h_run_cli(w, &out, "export", "--unmasked", NULL), 0);
	h_assert_contains(out, "代13800000005 鸡冠发紫");
	free(out);
	(void)t2;
	(void)t3;
	(void)t4;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_county_day, setup, teardown),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("county_day", tests, NULL, NULL);
}
