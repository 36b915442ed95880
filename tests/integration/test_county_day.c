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

	while ((text = fp_find(&w->fake, to, needle)) == NULL && h_now_ms() < until)
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
	tu_assert_contains(out, "5 added");
	free(out);
	free(csv);
	h_gateway_start(w);

	/* Morning. A farmer registers, then asks; the expert paired with 舜山镇 gets it. */
	sms(w, F1, "登记 舜山镇 六郎村", "command");
	got(w, F1, "已登记：舜山镇六郎村");
	t1 = sms(w, F1, "鹅苗死亡很多怎么办", "question");
	tu_assert_contains(got(w, F1, "编号"), "家禽");
	tu_assert_contains(got(w, WANG, "新问题#"), "舜山镇 农户138****0001：鹅苗死亡很多怎么办");
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
	got(w, CHEN, "#2收到2分评价");

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
	assert_int_equal(q(w, "SELECT rating FROM consultations WHERE id = 2"), 2);
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
	assert_int_equal(fp_count_to(&w->fake, BUREAU), 0);
	/* Nothing went twice: each farmer got exactly the messages of the story. */
	assert_int_equal(fp_count_to(&w->fake, F1), 7);
	assert_int_equal(fp_count_to(&w->fake, F2), 3);
	assert_int_equal(fp_count_to(&w->fake, F3), 3);	/* with "still being handled" */
	got(w, F3, "您的问题#3仍在处理中");
	assert_int_equal(fp_count_to(&w->fake, F5), 3);	/* told who asked for them */
	got(w, F5, "信息员赵信息员已代您提交问题");

	/* The bureau can see the history of any question. */
	assert_int_equal(h_run_cli(w, &out, "show", "4", NULL), 0);
	tu_assert_contains(out, "提醒专家");
	tu_assert_contains(out, "超时转派");
	tu_assert_contains(out, "王专家");
	/* F7: the commissioner's 代 message holds the farmer's number: masked too. */
	tu_assert_contains(out, "代138****0005 鸡冠发紫");
	assert_null(strstr(out, "13800000005"));
	free(out);
	assert_int_equal(h_run_cli(w, &out, "show", "4", "--unmasked", NULL), 0);
	tu_assert_contains(out, "代13800000005 鸡冠发紫");
	free(out);
	assert_int_equal(h_run_cli(w, &out, "export", NULL), 0);
	tu_assert_contains(out, "代138****0005 鸡冠发紫");
	assert_null(strstr(out, "13800000005"));
	free(out);
	assert_int_equal(h_run_cli(w, &out, "export", "--unmasked", NULL), 0);
	tu_assert_contains(out, "代13800000005 鸡冠发紫");
	free(out);
	(void)t2;
	(void)t3;
	(void)t4;
}

/*
 * The same kind of day as people really type it: greetings before questions, thanks after
 * answers, commands with full stops and polite words, the words of our own notices, the same
 * advice to two farmers, a number that starts an answer, a junk ticket closed. Every farmer
 * gets exactly the answers meant for them, no command or courtesy reaches a farmer, every
 * expert sees the real question, and the figures match a count by hand.
 */
#define YANG "+8613900000004"	/* vegetable, grain */
#define ZHOU "+8613900000005"	/* aqua */
#define F4 "+8613800000004"
#define F6 "+8613800000006"
#define F7 "+8613800000007"
#define F8 "+8613800000008"
#define F9 "+8613800000009"

static const char loose_people_csv[] =
    "phone,name,categories,townships,role\n"
    WANG ",王专家,poultry,舜山镇,expert\n"
    ZHANG ",张专家,livestock,,expert\n"
    YANG ",杨丽,\"vegetable,grain\",,expert\n"
    ZHOU ",周专家,aqua,,expert\n"
    CHEN ",陈分诊,,,triage\n"
    ZHAO ",赵信息员,,舜山镇,commissioner\n";

/* How many answers phone got, as the database recorded them. */
static long long
answers_to(struct world *w, const char *phone)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM messages WHERE direction = 'out' AND"
	    " kind = 'answer' AND recipient = '%s'", phone);
	return q(w, sql);
}

/* A whole number in the stats JSON: section.key. */
static long long
jint(json_t *j, const char *section, const char *key)
{
	json_t *v = json_object_get(json_object_get(j, section), key);

	if (!json_is_integer(v))
		fail_msg("stats: no %s.%s", section, key);
	return json_integer_value(v);
}

/* An expert's figure in the stats JSON. */
static long long
expert_fig(json_t *j, const char *name, const char *key)
{
	json_t *x;
	size_t i;

	json_array_foreach(json_object_get(j, "experts"), i, x) {
		if (strcmp(json_string_value(json_object_get(x, "name")), name) == 0)
			return json_integer_value(json_object_get(x, key));
	}
	fail_msg("stats: no expert %s", name);
	return -1;
}

static void
test_a_county_day_as_people_type(void **state)
{
	struct world *w = *state;
	char *csv, *out;
	json_t *j;
	json_error_t jerr;

	csv = tu_write_file(w->dir, "people.csv", loose_people_csv);
	assert_int_equal(h_run_cli(w, &out, "expert", "import", csv, NULL), 0);
	free(out);
	free(csv);
	h_gateway_start(w);

	/* A greeting, then the question: the expert sees the question, not the greeting. */
	assert_int_equal(sms(w, F1, "在吗", "courtesy"), 0);
	got(w, F1, "请直接发送您的种植养殖问题");
	assert_int_equal(sms(w, F1, "番茄叶子卷了", "question"), 1);
	tu_assert_contains(got(w, YANG, "新问题#1"), "番茄叶子卷了");
	sms(w, YANG, "收到", "noted");
	sms(w, YANG, "好的，我看看", "rejected");
	got(w, YANG, "想好后请回复");
	sms(w, YANG, "1 番茄卷叶可能是病毒病，拔除病株，防治蚜虫", "answer");
	got(w, F1, "杨丽答复：番茄卷叶可能是病毒病");
	/* Thanks: a short reply, and the question stays answered. */
	assert_int_equal(sms(w, F1, "谢谢专家！", "courtesy"), 1);
	got(w, F1, "不客气");
	sms(w, F1, "满意", "rating");
	got(w, F1, "评价（4分）");

	/* The words of our own notice: 转交. Triage staff get it and answer it. */
	assert_int_equal(sms(w, F2, "鱼塘浮头怎么办", "question"), 2);
	got(w, ZHOU, "新问题#2");
	sms(w, ZHOU, "转交", "pass");
	got(w, ZHOU, "#2已转交");
	got(w, CHEN, "转来的问题#2");
	sms(w, CHEN, "2 开增氧机，减少投喂，换部分新水", "answer");
	got(w, F2, "陈分诊答复：开增氧机");
	sms(w, F2, "一般般", "rating");

	/* Two open: a reply without a ticket is not guessed; the list says which is which. */
	assert_int_equal(sms(w, F3, "鸭子不下蛋", "question"), 3);
	assert_int_equal(sms(w, F4, "小鸡拉白稀怎么办", "question"), 4);
	got(w, WANG, "新问题#4");
	sms(w, WANG, "多补钙", "rejected");
	tu_assert_contains(got(w, WANG, "您有2个待答问题"), "#3 鸭子不下蛋");
	sms(w, WANG, "3 多补钙和光照", "answer");
	got(w, F3, "王专家答复：多补钙和光照");
	/* The same advice to two farmers in turn: both get it. */
	sms(w, WANG, "用土霉素拌料，连用三天", "answer");
	got(w, WANG, "#4的答复已发给农户");
	/* (What the expert read has left us: the provider took it.) */
	assert_int_equal(h_db_wait(w, "SELECT count(*) FROM messages WHERE kind = 'confirm' AND"
	    " recipient = '" WANG "' AND body LIKE '%#4的答复%' AND status = 'sent'", 1), 1);
	assert_int_equal(sms(w, F5, "我家的鸡也拉白稀", "question"), 5);
	got(w, WANG, "新问题#5");
	assert_int_equal(sms(w, WANG, "用土霉素拌料，连用三天", "answer"), 5);
	got(w, F5, "王专家答复：用土霉素拌料");
	sms(w, WANG, "暂停。", "duty");
	got(w, WANG, "您已暂停接收新问题");
	sms(w, WANG, "恢复", "duty");

	/* A number that starts an answer is part of it. Thanks do not reopen; a follow-up does. */
	assert_int_equal(sms(w, F6, "你好", "courtesy"), 0);
	assert_int_equal(sms(w, F6, "牛不反刍怎么办", "question"), 6);
	got(w, ZHANG, "新问题#6");
	sms(w, ZHANG, "15天后再复查一次，先灌服健胃散", "answer");
	got(w, F6, "张专家答复：15天后再复查一次");
	sms(w, F6, "谢谢", "courtesy");
	assert_int_equal(sms(w, F6, "牛还是不吃草", "followup"), 6);
	got(w, ZHANG, "#6农户追问：牛还是不吃草");
	sms(w, ZHANG, "列表？", "list");
	got(w, ZHANG, "#6 牛不反刍怎么办");
	sms(w, ZHANG, "6 停喂精料，多喂青草", "answer");
	got(w, F6, "停喂精料");

	/* A junk question: triage closes it, and it leaves the backlog. */
	assert_int_equal(sms(w, F7, "？？？", "courtesy"), 0);
	assert_int_equal(sms(w, F7, "这个事情怎么办呢", "question"), 7);
	got(w, CHEN, "新问题#7");
	sms(w, CHEN, "关7 无具体问题", "close");
	got(w, F7, "已由工作人员关闭");

	/* Passed on with a full stop; triage routes it back by name to the one expert there is. */
	assert_int_equal(sms(w, F8, "苞谷叶子发黄", "question"), 8);
	got(w, YANG, "新问题#8");
	sms(w, YANG, "转8。", "pass");
	got(w, CHEN, "转来的问题#8");
	sms(w, CHEN, "分8 粮油作物。", "route");
	got(w, CHEN, "由杨丽答复");
	sms(w, YANG, "8 缺氮，追施尿素每亩10斤", "answer");
	got(w, F8, "杨丽答复：缺氮");

	/* The commissioner asks for a farmer, who is told who asked; an expert may not use 代. */
	assert_int_equal(sms(w, ZHAO, "代13800000009 猪不吃食发烧", "proxy"), 9);
	got(w, F9, "信息员赵信息员已代您提交问题");
	sms(w, WANG, "代13800000010 鸡瘟怎么办", "rejected");
	got(w, WANG, "信息员代农户提问");
	sms(w, ZHANG, "9 先量体温，肌注退烧针", "answer");
	got(w, F9, "张专家答复：先量体温");
	got(w, ZHAO, "（抄送）：先量体温");

	/* Farmers' loose commands. */
	sms(w, F1, "退订 蔬菜", "command");
	got(w, F1, "您没有订阅蔬菜资讯");
	sms(w, F1, "订阅 蔬菜", "command");
	sms(w, F1, "退订 蔬菜。", "command");
	got(w, F1, "已退订蔬菜资讯");
	sms(w, F4, "查询 4", "command");
	got(w, F4, "（重发）：用土霉素拌料");
	sms(w, F3, "5", "rating");
	sms(w, F3, "好的", "courtesy");
	sms(w, ZHOU, "帮助", "help");
	got(w, ZHOU, "专家指令");
	sms(w, CHEN, "分 99 家禽", "rejected");
	sms(w, F2, "谢谢", "courtesy");

	/* Evening: what each farmer got, and what never reached one. */
	assert_int_equal(h_db_wait(w, "SELECT count(*) FROM messages WHERE direction = 'out' AND"
	    " status <> 'sent'", 0), 0);
	assert_int_equal(answers_to(w, F1), 1);
	assert_int_equal(answers_to(w, F2), 1);
	assert_int_equal(answers_to(w, F3), 1);
	assert_int_equal(answers_to(w, F4), 1);
	assert_int_equal(answers_to(w, F5), 1);
	assert_int_equal(answers_to(w, F6), 2);
	assert_int_equal(answers_to(w, F7), 0);
	assert_int_equal(answers_to(w, F8), 1);
	assert_int_equal(answers_to(w, F9), 1);
	assert_int_equal(q(w, "SELECT count(*) FROM messages WHERE direction = 'out' AND kind ="
	    " 'answer' AND (body LIKE '%转交%' OR body LIKE '%暂停%' OR body LIKE '%收到%' OR"
	    " body LIKE '%列表%' OR body LIKE '%我看看%' OR body LIKE '%谢谢%' OR body LIKE"
	    " '%恢复%')"), 0);
	/* Every expert saw the real question. */
	assert_int_equal(q(w, "SELECT count(*) FROM messages WHERE direction = 'out' AND kind ="
	    " 'notify' AND (body LIKE '%在吗%' OR body LIKE '%你好%' OR body LIKE '%？？？%')"), 0);
	assert_int_equal(q(w, "SELECT count(*) FROM consultations"), 9);
	assert_int_equal(q(w, "SELECT count(*) FROM consultations WHERE status = 'answered'"), 8);
	assert_int_equal(q(w, "SELECT count(*) FROM consultations WHERE status = 'closed'"), 1);
	assert_int_equal(h_gateway_stop(w), 0);

	/*
	 * The figures, against a count by hand: 9 tickets, one closed as no question, so 8
	 * consultations from 8 farmers, all new, all answered; ratings 4 (F1), 3 (F2), 5 (F3);
	 * passes 2 (周 转交, 杨 转8。); to triage 3 (#2, #7, #8); routes 0 (分8 粮油作物 kept the
	 * category); one follow-up (F6). 张 had #6 twice (reopened) and #9: 3 of 3; 杨 had #1, #8
	 * and #8 again after the route: 2 of 3 with one pass; 周 passed his one.
	 */
	assert_int_equal(h_run_cli(w, &out, "stats", "--format", "json", "--recent", "0", NULL), 0);
	j = json_loads(out, 0, &jerr);
	if (j == NULL)
		fail_msg("stats --format json: %s: %s", jerr.text, out);
	free(out);
	assert_int_equal(jint(j, "volume", "consultations"), 8);
	assert_int_equal(jint(j, "volume", "closed"), 1);
	assert_int_equal(jint(j, "volume", "farmers"), 8);
	assert_int_equal(jint(j, "volume", "new_farmers"), 8);
	assert_int_equal(jint(j, "volume", "followups"), 1);
	assert_int_equal(jint(j, "service", "answered"), 8);
	assert_int_equal(jint(j, "service", "passes"), 2);
	assert_int_equal(jint(j, "service", "to_triage"), 3);
	assert_int_equal(jint(j, "service", "routes"), 0);
	assert_int_equal(jint(j, "service", "reassignments"), 0);
	assert_int_equal(jint(j, "satisfaction", "rated"), 3);
	assert_true(json_real_value(json_object_get(json_object_get(j, "satisfaction"),
	    "mean_rating")) == 4.0);
	assert_int_equal(expert_fig(j, "张专家", "assigned"), 3);
	assert_int_equal(expert_fig(j, "张专家", "answered"), 3);
	assert_int_equal(expert_fig(j, "杨丽", "assigned"), 3);
	assert_int_equal(expert_fig(j, "杨丽", "answered"), 2);
	assert_int_equal(expert_fig(j, "杨丽", "passed"), 1);
	assert_int_equal(expert_fig(j, "周专家", "passed"), 1);
	assert_int_equal(expert_fig(j, "王专家", "answered"), 3);
	json_decref(j);
	assert_int_equal(h_run_cli(w, &out, "report", NULL), 0);
	tu_assert_contains(out, "共受理农户技术咨询8条，涉及农户8户");
	tu_assert_contains(out, "已答复8条，答复率100.0%");
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_county_day, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_county_day_as_people_type, setup, teardown),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("county_day", tests, NULL, NULL);
}
