/*
 * The consultation lifecycle, driven with struct sms_in values, a temporary database, a small
 * rules file and a fake clock: questions, answers, passes, re-routes, commissioners, repeats.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/clock.h"
#include "common/config.h"
#include "consult/consult.h"
#include "experts/assign.h"
#include "common/sms.h"
#include "routing/classify.h"
#include "routing/normalize.h"
#include "common/log.h"
#include "store/store.h"
#include "tests/lib/testutil.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FARMER "+8613800000001"
#define FARMER2 "+8613800000002"
#define WANG "+8613900000002"
#define LI "+8613900000003"
#define TRIAGE "+8613900000009"
#define COMMISSIONER "+8613900000008"
#define BUREAU "+8613900000100"
#define MIN 60000LL
#define HOUR (60 * MIN)

static const struct config_township townships[] = {
	{ "舜山镇", "六郎村, 大坪村" },
	{ "六郎镇", "" },
};

static const char rules_text[] =
    "[routing]\nthreshold = 2\n"
    "[poultry]\nname = 家禽\npattern = 10 鸡|鸭|鹅\n"
    "[livestock]\nname = 畜牧\npattern = 10 猪|牛|羊(?!肚菌)\n"
    "[fruit_tea]\nname = 果树茶叶\npattern = 10 苹果|茶\npattern = 3 树\n";

struct fixture {
	char *dir, *path;
	struct store *s;
	struct route_rules *rules;
	struct route_norm *norm;
	struct consult *c;
	int64_t now;
	int next_id;
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
	struct consult_opts o = {
		.signature = "【测试】", .service_number = "10690000", .provider = "http",
		.followup_window_ms = 3 * 86400000LL, .new_question_score = 10, .low_rating = 2,
		.max_segments = 3, .loop_limit = 20, .remind_after_ms = 2 * 3600000LL,
		.reassign_after_ms = 8 * 3600000LL, .off_duty_grace_ms = 3600000LL,
		.escalation_check_ms = 0, .quiet = { 0, 0 },
		.bureau_contact = BUREAU, .townships = townships, .ntownships = 2,
	};
	char err[512], *rules;

	f->dir = tu_mkdtemp("consult");
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
	route_norm_close(f->norm);
	route_rules_free(f->rules);
	store_close(f->s);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	return 0;
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

/* Deliver one SMS in its own transaction, as the writer thread does. */
static struct consult_result
sms_id(struct fixture *f, const char *from, const char *text, const char *id)
{
	struct sms_in in = { "http", id, from, "10690000", text };
	struct consult_result res;

	f->now += 60000;
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(consult_handle(f->c, &in, f->now, &res), STORE_OK);
	assert_int_equal(store_commit(f->s), STORE_OK);
	return res;
}

static struct consult_result
sms(struct fixture *f, const char *from, const char *text)
{
	return sms_id(f, from, text, NULL);
}

/* The outbound SMS to "to" queued after row id after, concatenated with "|". */
static char *
outbox_to(struct fixture *f, const char *to)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *all = calloc(1, 1);
	size_t len = 0;

	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT body FROM messages WHERE direction = 'out'"
	    " AND recipient = ?1 ORDER BY id", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, to, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *body = (const char *)sqlite3_column_text(st, 0);

		all = realloc(all, len + strlen(body) + 2);
		len += (size_t)sprintf(all + len, "%s|", body);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return all;
}

static long long count_to(struct fixture *f, const char *to, const char *kind);

static void
assert_contains(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}

static void
test_question_is_acknowledged_and_the_expert_told(void **state)
{
	struct fixture *f = *state;
	struct consult_result r;
	char *farmer, *expert, ticket[16];

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	r = sms(f, FARMER, "鹅苗死亡很多怎么办");
	assert_string_equal(r.action, "question");
	assert_true(r.ticket > 0);
	snprintf(ticket, sizeof(ticket), "%lld", (long long)r.ticket);

	farmer = outbox_to(f, FARMER);
	assert_contains(farmer, ticket);
	assert_contains(farmer, "家禽");
	assert_int_equal(tu_query_int(f->path, "SELECT max(segments) FROM messages WHERE kind = 'ack'"), 1);
	expert = outbox_to(f, WANG);
	assert_contains(expert, "#1");
	assert_contains(expert, "家禽");
	assert_contains(expert, "138****0001");
	assert_contains(expert, "鹅苗死亡很多怎么办");
	assert_null(strstr(expert, "13800000001"));
	/* The farmer's acknowledgement is queued before the expert's notice. */
	assert_true(tu_query_int(f->path, "SELECT min(id) FROM messages WHERE kind = 'ack'") <
	    tu_query_int(f->path, "SELECT min(id) FROM messages WHERE kind = 'notify'"));
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM consultations WHERE status = 'assigned'"
	    " AND category = 'poultry' AND classified_by = 'rules' AND score = 10"), 1);
	free(farmer);
	free(expert);
}

static void
test_traditional_question_is_routed_but_stored_as_written(void **state)
{
	struct fixture *f = *state;
	sqlite3 *db;
	sqlite3_stmt *st;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	sms(f, FARMER, "雞瘟怎麼辦");
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_prepare_v2(db, "SELECT question, category FROM consultations", -1, &st, NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "雞瘟怎麼辦");
	assert_string_equal((const char *)sqlite3_column_text(st, 1), "poultry");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void
test_answer_with_ticket_reaches_the_farmer_and_closes_the_assignment(void **state)
{
	struct fixture *f = *state;
	struct consult_result q, a;
	char text[64], *farmer;
	int64_t asked;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	q = sms(f, FARMER, "鹅苗死亡很多怎么办");
	asked = f->now;
	snprintf(text, sizeof(text), "%lld 建议先隔离病鹅……", (long long)q.ticket);
	a = sms(f, WANG, text);
	assert_string_equal(a.action, "answer");
	assert_int_equal(a.ticket, q.ticket);

	farmer = outbox_to(f, FARMER);
	assert_contains(farmer, "王专家答复：建议先隔离病鹅……");
	free(farmer);
	assert_int_equal(tu_query_int(f->path, "SELECT status = 'answered' FROM consultations"), 1);
	assert_int_equal(tu_query_int(f->path, "SELECT first_answered_at - created_at FROM consultations"),
	    f->now - asked);
	assert_int_equal(tu_query_int(f->path, "SELECT answered_by FROM consultations"),
	    tu_query_int(f->path, "SELECT id FROM experts"));
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM assignments WHERE ended_at IS NOT NULL"
	    " AND outcome = 'answered'"), 1);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM events WHERE kind = 'answered'"), 1);
}

static void
test_plain_reply_answers_the_only_open_question(void **state)
{
	struct fixture *f = *state;
	struct consult_result q, a;
	char *farmer;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	q = sms(f, FARMER, "小鸡拉稀");
	a = sms(f, WANG, "用土霉素拌料，三天");
	assert_string_equal(a.action, "answer");
	assert_int_equal(a.ticket, q.ticket);
	farmer = outbox_to(f, FARMER);
	assert_contains(farmer, "用土霉素拌料，三天");
	free(farmer);
}

static void
test_plain_reply_with_several_open_lists_them_and_relays_nothing(void **state)
{
	struct fixture *f = *state;
	struct consult_result a;
	char *expert;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	sms(f, FARMER, "小鸡拉稀");
	sms(f, FARMER2, "鸭子不下蛋");
	a = sms(f, WANG, "多喂青菜");
	assert_string_equal(a.action, "rejected");
	expert = outbox_to(f, WANG);
	assert_contains(expert, "您有2个待答问题：#1 小鸡拉稀、#2 鸭子不下蛋");
	free(expert);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM messages WHERE kind = 'answer'"), 0);
	/* A number at the start that is not one of their tickets is part of the answer. */
	a = sms(f, WANG, "3天后再打一次药");
	assert_string_equal(a.action, "rejected");
}

static void
test_unknown_ticket_and_someone_elses_ticket_are_refused_with_a_reason(void **state)
{
	struct fixture *f = *state;
	struct consult_result a;
	char *expert;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	add_person(f, LI, "李专家", ROLE_EXPERT, "livestock");
	sms(f, FARMER, "小鸡拉稀");	/* #1, 王专家 */
	a = sms(f, LI, "#1 我来答");
	assert_string_equal(a.action, "rejected");
	a = sms(f, LI, "#999 答复");
	assert_string_equal(a.action, "rejected");
	expert = outbox_to(f, LI);
	assert_contains(expert, "#1不是分配给您的问题");
	assert_contains(expert, "没有编号为999的问题");
	free(expert);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM messages WHERE kind = 'answer'"), 0);
	assert_int_equal(tu_query_int(f->path, "SELECT status = 'assigned' FROM consultations"), 1);
	/* A malformed command gets the right form back. */
	a = sms(f, WANG, "1");
	assert_string_equal(a.action, "rejected");
	expert = outbox_to(f, WANG);
	assert_contains(expert, "回复格式：编号 答复内容");
	free(expert);
}

static void
test_repeated_provider_id_is_processed_once_and_answered_alike(void **state)
{
	struct fixture *f = *state;
	struct consult_result a, b;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	a = sms_id(f, FARMER, "小鸡拉稀", "prov-1");
	b = sms_id(f, FARMER, "小鸡拉稀", "prov-1");
	assert_true(b.duplicate);
	assert_int_equal(a.ticket, b.ticket);
	assert_int_equal(a.message_id, b.message_id);
	assert_string_equal(a.action, b.action);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM consultations"), 1);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM messages WHERE direction = 'in'"), 1);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM messages WHERE kind = 'ack'"), 1);
}

/* The lifecycle again with a two-minute dedup window and no follow-up window. */
static void
with_dedup_window(struct fixture *f)
{
	struct consult_opts o = {
		.signature = "【测试】", .service_number = "10690000", .provider = "http",
		.followup_window_ms = 0, .new_question_score = 10, .low_rating = 2,
		.max_segments = 3, .loop_limit = 20, .remind_after_ms = 2 * HOUR,
		.reassign_after_ms = 8 * HOUR, .off_duty_grace_ms = HOUR,
		.dedup_window_ms = 2 * MIN,
	};

	consult_free(f->c);
	f->c = consult_new(f->s, f->rules, f->norm, &o);
}

static void
test_without_a_provider_id_the_same_text_again_soon_is_a_repeat(void **state)
{
	struct fixture *f = *state;
	struct consult_result a, b, c;

	with_dedup_window(f);
	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	a = sms(f, FARMER, "小鸡拉稀");
	b = sms(f, FARMER, "小鸡拉稀");		/* a minute later: the provider again */
	assert_true(b.duplicate);
	assert_int_equal(a.ticket, b.ticket);
	f->now += 2 * MIN;
	c = sms(f, FARMER, "小鸡拉稀");		/* three minutes on: the farmer again */
	assert_false(c.duplicate);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM messages WHERE direction = 'in'"), 2);
}

static void provider_took(struct fixture *f, long long id, const char *provider_id);

/* Mark every SMS queued so far as handed to the provider (the sender's part). */
static void
all_sent(struct fixture *f)
{
	struct store_msg rows[64];
	int n, i;

	assert_int_equal(store_outbox_due(f->s, f->now + 1000 * HOUR, rows, 64, &n), STORE_OK);
	for (i = 0; i < n; i++) {
		provider_took(f, rows[i].id, NULL);
		store_msg_free(&rows[i]);
	}
}

static void
test_a_repeat_is_never_a_persons_deliberate_second_message(void **state)
{
	struct fixture *f = *state;
	struct consult_result a, b, q, r;
	char *farmer2, text[64];

	with_dedup_window(f);
	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	/* The same advice to two farmers in turn, each the only question open: both get it. */
	sms(f, FARMER, "小鸡拉稀怎么办");
	a = sms(f, WANG, "建议用土霉素拌料");
	assert_string_equal(a.action, "answer");
	all_sent(f);
	sms(f, FARMER2, "我家的鸡也拉稀");
	b = sms(f, WANG, "建议用土霉素拌料");
	assert_false(b.duplicate);
	assert_string_equal(b.action, "answer");
	assert_int_equal(b.ticket, 2);
	farmer2 = outbox_to(f, FARMER2);
	assert_contains(farmer2, "#2 王专家答复：建议用土霉素拌料");
	free(farmer2);
	/* The provider sending the expert's message again before our reply left: a repeat. */
	q = sms(f, FARMER, "鸡还是拉稀");	/* a new question: no follow-up window here */
	snprintf(text, sizeof(text), "%lld 加点电解多维", (long long)q.ticket);
	a = sms(f, WANG, text);
	b = sms(f, WANG, text);
	assert_true(b.duplicate);
	assert_int_equal(a.message_id, b.message_id);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM messages WHERE direction = 'out'"
	    " AND kind = 'answer' AND body LIKE '%电解多维%'"), 1);
	/* Told to add the ticket, the expert sends the text again: it counts. */
	all_sent(f);
	q = sms(f, FARMER, "鸡不吃食了");
	r = sms(f, FARMER2, "鸭子也不吃食了");
	a = sms(f, WANG, "多喂青菜");
	assert_string_equal(a.action, "rejected");
	all_sent(f);
	snprintf(text, sizeof(text), "%lld 先隔离", (long long)r.ticket);
	assert_string_equal(sms(f, WANG, text).action, "answer");
	all_sent(f);
	b = sms(f, WANG, "多喂青菜");
	assert_false(b.duplicate);
	assert_string_equal(b.action, "answer");
	assert_int_equal(b.ticket, q.ticket);
}

static void
test_a_provider_id_from_another_sender_is_another_message(void **state)
{
	struct fixture *f = *state;
	struct consult_result a, b;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	a = sms_id(f, FARMER, "小鸡拉稀", "prov-1");
	b = sms_id(f, FARMER2, "鸭子不下蛋", "prov-1");
	assert_false(b.duplicate);
	assert_true(a.ticket != b.ticket);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM consultations"), 2);
}

static void
test_no_expert_goes_to_triage_and_without_triage_waits_until_one_comes(void **state)
{
	struct fixture *f = *state;
	struct consult_result q;
	char *farmer, *triage;
	int assigned;

	q = sms(f, FARMER, "苹果树不结果");
	farmer = outbox_to(f, FARMER);
	assert_contains(farmer, "排队");
	free(farmer);
	assert_int_equal(tu_query_int(f->path, "SELECT status = 'queued' FROM consultations"), 1);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM events WHERE kind = 'queued'"), 1);

	/* Nothing changes while nobody is there. */
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(consult_tick(f->c, f->now, &assigned), STORE_OK);
	assert_int_equal(store_commit(f->s), STORE_OK);
	assert_int_equal(assigned, 0);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM events WHERE kind = 'queued'"), 1);

	add_person(f, TRIAGE, "分诊员", ROLE_TRIAGE, NULL);
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(consult_tick(f->c, f->now, &assigned), STORE_OK);
	assert_int_equal(store_commit(f->s), STORE_OK);
	assert_int_equal(assigned, 1);
	triage = outbox_to(f, TRIAGE);
	assert_contains(triage, "苹果树不结果");
	free(triage);
	(void)q;
	/* Triage staff may answer any question. */
	q = sms(f, TRIAGE, "#1 请修剪后多施有机肥");
	assert_string_equal(q.action, "answer");
}

static void
test_pass_goes_to_the_next_expert_then_to_triage(void **state)
{
	struct fixture *f = *state;
	struct consult_result r;
	char *li, *wang;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	add_person(f, LI, "李专家", ROLE_EXPERT, "poultry");
	add_person(f, TRIAGE, "分诊员", ROLE_TRIAGE, NULL);
	sms(f, FARMER, "小鸡拉稀");		/* 王专家 */
	r = sms(f, WANG, "转1");
	assert_string_equal(r.action, "pass");
	li = outbox_to(f, LI);
	assert_contains(li, "转来的问题#1");
	free(li);
	r = sms(f, LI, "PASS #1");
	assert_string_equal(r.action, "pass");
	assert_int_equal(tu_query_int(f->path, "SELECT e.role = 'triage' FROM consultations c JOIN experts e"
	    " ON e.id = c.expert_id"), 1);
	/* Wang no longer has it and cannot pass it again. */
	r = sms(f, WANG, "转1");
	assert_string_equal(r.action, "rejected");
	wang = outbox_to(f, WANG);
	assert_contains(wang, "#1已转交其他专家");
	free(wang);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM assignments WHERE outcome = 'passed'"),
	    2);
}

static int
take_correction(void *arg, const struct store_correction *c)
{
	char **got = arg;

	if (asprintf(got, "#%lld %s -> %s: %s", (long long)c->id, c->rules_category, c->category,
	    c->question) < 0)
		*got = NULL;
	return 1;
}

static void
test_route_by_staff_is_stored_as_a_correction(void **state)
{
	struct fixture *f = *state;
	struct consult_result r;
	char *wang, *got;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	add_person(f, TRIAGE, "分诊员", ROLE_TRIAGE, NULL);
	sms(f, FARMER, "你好，请问一下");	/* triage */
	assert_int_equal(tu_query_int(f->path, "SELECT category = 'triage' FROM consultations"), 1);
	r = sms(f, TRIAGE, "分1 家禽");
	assert_string_equal(r.action, "route");
	assert_int_equal(tu_query_int(f->path, "SELECT category = 'poultry' AND classified_by = 'staff'"
	    " FROM consultations"), 1);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM events WHERE kind = 'rerouted' AND"
	    " detail = 'triage -> poultry'"), 1);
	wang = outbox_to(f, WANG);
	assert_contains(wang, "新问题#1（家禽）");
	free(wang);
	/* The correction is there for whoever tunes the rules. */
	got = NULL;
	assert_int_equal(store_corrections(f->s, 0, INT64_MAX, take_correction, &got), STORE_OK);
	assert_non_null(got);
	assert_string_equal(got, "#1 triage -> poultry: 你好，请问一下");
	free(got);
}

static void
test_experts_route_only_their_own_questions_and_loose_route_words_are_answers(void **state)
{
	struct fixture *f = *state;
	char *li, *farmer;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	add_person(f, LI, "李专家", ROLE_EXPERT, "livestock");
	add_person(f, TRIAGE, "分诊员", ROLE_TRIAGE, NULL);
	sms(f, FARMER, "小鸡拉稀");		/* #1 王专家 */
	sms(f, FARMER2, "猪不吃食");		/* #2 李专家 */
	/* An expert may not move someone else's question... */
	assert_string_equal(sms(f, WANG, "分2 家禽").action, "rejected");
	assert_int_equal(tu_query_int(f->path, "SELECT category = 'livestock' FROM consultations"
	    " WHERE id = 2"), 1);
	/* ...but may send their own to the right category, and triage may move any, telling the
	 * one who had it. */
	assert_string_equal(sms(f, WANG, "分1 畜牧").action, "route");
	assert_int_equal(count_to(f, LI, "notify"), 2);
	assert_string_equal(sms(f, TRIAGE, "分 2 家禽").action, "route");
	li = outbox_to(f, LI);
	assert_contains(li, "问题#2已由分诊员分到家禽，无需您再答复");
	free(li);
	/* 分 followed by a number and no category is an answer: "分3次喂药". */
	sms(f, "+8613800000003", "鸭子不下蛋");	/* #3 王专家 */
	assert_string_equal(sms(f, WANG, "2 先隔离").action, "answer");	/* #2 is 王's now */
	assert_string_equal(sms(f, WANG, "分3次喂药，隔离病鸭").action, "answer");
	farmer = outbox_to(f, "+8613800000003");
	assert_contains(farmer, "王专家答复：分3次喂药，隔离病鸭");
	free(farmer);
	/* Saying the notice was read is not an answer. */
	sms(f, "+8613800000004", "鹅不吃食");	/* #4 王专家 */
	assert_string_equal(sms(f, WANG, "收到").action, "noted");
	assert_int_equal(count_to(f, "+8613800000004", "answer"), 0);
}

/*
 * An unknown category quoted back to triage staff is cut between characters, never inside one
 * (found by fuzz/fuzz_consult.c: the reply held half a character, invalid UTF-8).
 */
static void
test_an_unknown_long_category_is_quoted_back_in_whole_characters(void **state)
{
	struct fixture *f = *state;
	char *triage;

	add_person(f, TRIAGE, "分诊员", ROLE_TRIAGE, NULL);
	sms(f, FARMER, "你好，请问一下");	/* #1, triage */
	/* "a" and 22 鸡 are 67 bytes: what is quoted is "a" and 20 鸡 (61 of at most 63). */
	assert_string_equal(sms(f, TRIAGE, "分1 a鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡").action,
	    "rejected");
	triage = outbox_to(f, TRIAGE);
	assert_true(utf8_valid(triage, strlen(triage)));
	assert_contains(triage, "没有“a鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡鸡”这个类别");
	free(triage);
}

static void
test_a_number_starting_an_answer_is_a_ticket_only_if_open_with_the_sender(void **state)
{
	struct fixture *f = *state;
	char *farmer;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	add_person(f, LI, "李专家", ROLE_EXPERT, "poultry");
	sms(f, FARMER, "小鸡拉稀");		/* #1 王专家 */
	sms(f, WANG, "转1");			/* now 李专家's */
	sms(f, FARMER2, "鸭子不下蛋");		/* #2 王专家 (fewest open) */
	/* 王专家 once had #1, but "1天后再打一次药" is the answer to #2, the one open with him. */
	assert_int_equal(sms(f, WANG, "1天后再打一次药").ticket, 2);
	farmer = outbox_to(f, FARMER2);
	assert_contains(farmer, "王专家答复：1天后再打一次药");
	free(farmer);
	assert_int_equal(count_to(f, FARMER, "answer"), 0);
	/* Written as a ticket, a late answer to one he had still goes: "#1 …". */
	assert_int_equal(sms(f, WANG, "#1 用土霉素").ticket, 1);
}

static void
test_commissioner_asks_for_a_farmer_and_gets_a_copy_of_the_answer(void **state)
{
	struct fixture *f = *state;
	struct consult_result r;
	char *farmer, *comm;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "livestock");
	add_person(f, COMMISSIONER, "张信息员", ROLE_COMMISSIONER, NULL);
	r = sms(f, COMMISSIONER, "代13800000005 猪不吃食发烧");
	assert_string_equal(r.action, "proxy");
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM consultations c JOIN farmers f ON"
	    " f.id = c.farmer_id WHERE f.phone = '+8613800000005' AND c.channel = 'commissioner'"),
	    1);
	r = sms(f, WANG, "1 先量体温，打退烧针");
	assert_string_equal(r.action, "answer");
	farmer = outbox_to(f, "+8613800000005");
	assert_contains(farmer, "先量体温，打退烧针");
	free(farmer);
	comm = outbox_to(f, COMMISSIONER);
	assert_contains(comm, "已代农户138****0005提交问题");
	assert_contains(comm, "（抄送）：先量体温");
	free(comm);
	/* The farmer heard who asked for them, before the answer. */
	farmer = outbox_to(f, "+8613800000005");
	assert_contains(farmer, "信息员");
	free(farmer);
	/* Anything else from a commissioner gets the form of the command; a greeting is noted. */
	r = sms(f, COMMISSIONER, "今天去了三个村");
	assert_string_equal(r.action, "rejected");
	r = sms(f, COMMISSIONER, "你好");
	assert_string_equal(r.action, "noted");
}

static void
test_off_duty_experts_get_nothing_new(void **state)
{
	struct fixture *f = *state;
	struct consult_result r;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	r = sms(f, WANG, "暂停");
	assert_string_equal(r.action, "duty");
	sms(f, FARMER, "小鸡拉稀");
	assert_int_equal(tu_query_int(f->path, "SELECT status = 'queued' FROM consultations"), 1);
	sms(f, WANG, "ON");
	assert_int_equal(tu_query_int(f->path, "SELECT on_duty FROM experts"), 1);
}

static void
test_acknowledgement_fits_one_segment_in_the_worst_case(void **state)
{
	struct fixture *f = *state;
	char text[256], full[320];
	int outcome;

	/* The longest signature the config takes (16 characters) and the longest category name
	 * the rules take (8), with a ten-digit ticket. */
	static const char *const names[] = { "果树茶叶", "八个字的类别名称", ROUTE_TRIAGE_NAME };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		for (outcome = ASSIGN_EXPERT; outcome <= ASSIGN_QUEUED; outcome++) {
			consult_ack_text(f->c, 9999999999LL, names[i], outcome, text, sizeof(text));
			snprintf(full, sizeof(full), "【某某县科技扶贫在线服务平台站】%s", text);
			assert_int_equal(utf8_chars("【某某县科技扶贫在线服务平台站】"), 16);
			if (sms_segments(full) != 1)
				fail_msg("%d characters: %s", utf8_chars(full), full);
		}
	}
}


/* Run the periodic work at f->now + ms. */
static int
tick_after(struct fixture *f, int64_t ms)
{
	int changed = 0;

	f->now += ms;
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(consult_tick(f->c, f->now, &changed), STORE_OK);
	assert_int_equal(store_commit(f->s), STORE_OK);
	return changed;
}

static long long
count_to(struct fixture *f, const char *to, const char *kind)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM messages WHERE direction = 'out' AND"
	    " recipient = '%s' AND kind = '%s'", to, kind);
	return tu_query_int(f->path, sql);
}

static void
test_follow_up_while_open_reaches_the_same_expert(void **state)
{
	struct fixture *f = *state;
	struct consult_result q, r;
	char *wang, *farmer;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	add_person(f, LI, "李专家", ROLE_EXPERT, "poultry");
	q = sms(f, FARMER, "小鸡拉稀");
	r = sms(f, FARMER, "拉的是白色的稀便，已经死了三只");
	assert_string_equal(r.action, "followup");
	assert_int_equal(r.ticket, q.ticket);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM consultations"), 1);
	wang = outbox_to(f, WANG);
	assert_contains(wang, "#1农户追问：拉的是白色的稀便，已经死了三只");
	free(wang);
	assert_int_equal(count_to(f, LI, "followup"), 0);
	farmer = outbox_to(f, FARMER);
	assert_contains(farmer, "已收到您对问题#1的补充");
	free(farmer);
	assert_int_equal(tu_query_int(f->path, "SELECT consultation_id FROM messages WHERE"
	    " kind = 'followup' AND direction = 'in'"), 1);
}

static void
test_follow_up_after_an_answer_reopens_it_for_the_expert_who_answered(void **state)
{
	struct fixture *f = *state;
	struct consult_result r;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	sms(f, FARMER, "小鸡拉稀");
	sms(f, WANG, "1 用土霉素拌料");
	r = sms(f, FARMER, "用了两天还是拉，还有别的办法吗");
	assert_string_equal(r.action, "followup");
	assert_int_equal(tu_query_int(f->path, "SELECT status = 'assigned' FROM consultations"), 1);
	assert_int_equal(count_to(f, WANG, "followup"), 1);
	/* The expert answers it again with a plain reply: it is their only open one. */
	r = sms(f, WANG, "换用氟苯尼考");
	assert_string_equal(r.action, "answer");
	assert_int_equal(tu_query_int(f->path, "SELECT status = 'answered' AND"
	    " last_answered_at > first_answered_at FROM consultations"), 1);
}

static void
test_after_the_window_a_text_is_a_new_question(void **state)
{
	struct fixture *f = *state;
	struct consult_result r;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	sms(f, FARMER, "小鸡拉稀");
	sms(f, WANG, "1 用土霉素拌料");
	f->now += 3 * 86400000LL;	/* the window is three days */
	r = sms(f, FARMER, "小鸡又拉稀了");
	assert_string_equal(r.action, "question");
	assert_int_equal(r.ticket, 2);
}

static void
test_a_confident_other_category_is_a_new_question_a_vague_text_a_follow_up(void **state)
{
	struct fixture *f = *state;
	struct consult_result r;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	add_person(f, LI, "李专家", ROLE_EXPERT, "livestock");
	sms(f, FARMER, "小鸡拉稀");
	/* 猪: livestock at score 10 (new_question_score): clearly a new question. */
	r = sms(f, FARMER, "另外我家的猪不吃食");
	assert_string_equal(r.action, "question");
	assert_int_equal(r.ticket, 2);
	assert_int_equal(count_to(f, LI, "notify"), 1);
	/* Nothing classifiable: it follows up on the newest open question (#2). */
	r = sms(f, FARMER, "还有点发烧");
	assert_string_equal(r.action, "followup");
	assert_int_equal(r.ticket, 2);
	/* The same category as the open question: a follow-up, whatever the score. */
	r = sms(f, FARMER, "猪圈要不要消毒");
	assert_string_equal(r.action, "followup");
	assert_int_equal(r.ticket, 2);
	/* Another category but a weak score (树: 3) is not clearly new. */
	r = sms(f, FARMER, "树下面拴着的");
	assert_string_equal(r.action, "followup");
	/* Poultry while the pig question is newest: it joins the open poultry question (#1). */
	r = sms(f, FARMER, "鸡还是拉稀");
	assert_string_equal(r.action, "followup");
	assert_int_equal(r.ticket, 1);
	assert_int_equal(count_to(f, WANG, "followup"), 1);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM consultations"), 2);
}

static void
test_ratings_are_thanked_and_low_ones_alert_triage(void **state)
{
	struct fixture *f = *state;
	struct consult_result r;
	char *farmer, *triage;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	add_person(f, TRIAGE, "分诊员", ROLE_TRIAGE, NULL);
	r = sms(f, FARMER, "5");
	assert_string_equal(r.action, "command");	/* nothing answered yet */
	farmer = outbox_to(f, FARMER);
	assert_contains(farmer, "目前没有可以评价的答复");
	free(farmer);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM consultations"), 0);

	sms(f, FARMER, "小鸡拉稀");
	sms(f, WANG, "1 用土霉素拌料");
	r = sms(f, FARMER, "５");
	assert_string_equal(r.action, "rating");
	assert_int_equal(r.ticket, 1);
	assert_int_equal(tu_query_int(f->path, "SELECT rating FROM consultations"), 5);
	farmer = outbox_to(f, FARMER);
	assert_contains(farmer, "感谢您对问题#1的评价（5分）！");
	free(farmer);
	assert_int_equal(count_to(f, TRIAGE, "alert"), 0);

	/* 不满意 is 2, as on the USSD screen. */
	r = sms(f, FARMER, "不满意");
	assert_string_equal(r.action, "rating");
	assert_int_equal(tu_query_int(f->path, "SELECT rating FROM consultations"), 2);
	triage = outbox_to(f, TRIAGE);
	assert_contains(triage, "#1收到2分评价（农户138****0001），请回访跟进。");
	free(triage);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM events WHERE kind = 'rated'"),
	    2);
	/* Rating the same answer low again alerts nobody again. */
	r = sms(f, FARMER, "很不满意");
	assert_string_equal(r.action, "rating");
	assert_int_equal(tu_query_int(f->path, "SELECT rating FROM consultations"), 1);
	assert_int_equal(count_to(f, TRIAGE, "alert"), 1);
}

/* The longest text queued to "to", in segments. */
static long long
max_segments_to(struct fixture *f, const char *to)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT max(segments) FROM messages WHERE direction = 'out' AND"
	    " recipient = '%s'", to);
	return tu_query_int(f->path, sql);
}

static void
test_commands_reply_in_one_or_two_segments(void **state)
{
	struct fixture *f = *state;
	struct consult_result r;
	char *farmer;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	r = sms(f, FARMER, "帮助");
	assert_string_equal(r.action, "command");
	r = sms(f, FARMER, "查询");
	sms(f, FARMER, "小鸡拉稀");
	sms(f, WANG, "1 用土霉素拌料");
	f->now += 4 * 86400000LL;
	sms(f, FARMER, "苹果树不结果");
	f->now += 4 * 86400000LL;
	sms(f, FARMER, "猪不吃食");
	r = sms(f, FARMER, "CX");
	assert_string_equal(r.action, "command");
	farmer = outbox_to(f, FARMER);
	assert_contains(farmer, "县科技专家免费解答");
	assert_contains(farmer, "您还没有提过问题");
	assert_contains(farmer, "您最近的问题：#3（畜牧）排队中；#2（果树茶叶）排队中；#1（家禽）已答复。");
	free(farmer);
	assert_true(max_segments_to(f, FARMER) <= 2);
}

static void
test_stop_subscribe_and_register(void **state)
{
	struct fixture *f = *state;
	char *farmer;

	sms(f, FARMER, "退订");
	assert_int_equal(tu_query_int(f->path, "SELECT opted_out FROM farmers"), 1);
	sms(f, FARMER, "订阅 畜牧");
	assert_int_equal(tu_query_int(f->path, "SELECT opted_out FROM farmers"), 0);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM subscriptions WHERE"
	    " category = 'livestock'"), 1);
	sms(f, FARMER, "订阅 香蕉");
	sms(f, FARMER, "登记 舜山镇 六郎村");
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM farmers WHERE"
	    " township = '舜山镇' AND village = '六郎村'"), 1);
	sms(f, FARMER, "登记 舜山镇 月亮村");
	sms(f, FARMER, "登记 火星镇");
	sms(f, FARMER, "登記 六郎鎮");	/* traditional, any village accepted there */
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM farmers WHERE"
	    " township = '六郎镇' AND village IS NULL"), 1);
	farmer = outbox_to(f, FARMER);
	assert_contains(farmer, "已退订资讯短信");
	assert_contains(farmer, "已订阅畜牧资讯");
	assert_contains(farmer, "没有“香蕉”这个类别。可订阅：家禽、畜牧、果树茶叶。");
	assert_contains(farmer, "已登记：舜山镇六郎村");
	assert_contains(farmer, "舜山镇没有“月亮村”这个村");
	assert_contains(farmer, "没有找到这个乡镇。格式：登记 乡镇 村，如“登记 舜山镇 六郎村”。可登记：舜山镇、六郎镇。");
	free(farmer);
	assert_true(max_segments_to(f, FARMER) <= 2);
	/* Questions that merely begin with 登记 or 订阅 are questions. */
	assert_string_equal(sms(f, FARMER2, "登记的补贴怎么领").action, "question");
	assert_string_equal(sms(f, "+8613800000003", "订阅号怎么关注").action, "question");
	/* A long unknown name is quoted back cut between characters, never inside one. */
	sms(f, "+8613800000004", "订阅 鸡鸭鹅猪牛羊兔鱼虾蟹龟鳖");
	farmer = outbox_to(f, "+8613800000004");
	assert_contains(farmer, "没有“鸡鸭鹅猪牛羊兔鱼虾蟹”这个类别");
	free(farmer);
}

static void
test_a_number_sending_too_much_gets_no_more_replies_that_hour(void **state)
{
	struct fixture *f = *state;
	struct consult_result r;
	int i;

	for (i = 0; i < 20; i++) {
		r = sms(f, "+8613800000055", "帮助");	/* a minute apart */
		assert_string_equal(r.action, "command");
	}
	r = sms(f, "+8613800000055", "帮助");
	assert_string_equal(r.action, "throttled");
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM messages WHERE direction = 'in'"),
	    21);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM messages WHERE direction = 'out'"),
	    20);
	f->now += HOUR;
	r = sms(f, "+8613800000055", "帮助");
	assert_string_equal(r.action, "command");
}

static void
test_a_busy_expert_is_never_throttled_but_a_looping_one_hears_nothing_back(void **state)
{
	struct fixture *f = *state;
	char farmer[32], text[64];
	int i;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	/* 25 questions and 25 answers within the hour: every answer reaches its farmer. */
	for (i = 1; i <= 25; i++) {
		snprintf(farmer, sizeof(farmer), "+86138000001%02d", i);
		sms(f, farmer, "小鸡拉稀怎么办");
		f->now -= 50000;	/* keep it all inside the hour */
	}
	for (i = 1; i <= 25; i++) {
		snprintf(text, sizeof(text), "%d 用土霉素拌料", i);
		assert_string_equal(sms(f, WANG, text).action, "answer");
		f->now -= 50000;
	}
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM messages WHERE kind = 'answer'"
	    " AND direction = 'out'"), 25);
	/* Loop protection is for farmers: a busy expert hears back every time, and a mistyped
	 * ticket is never lost silently. */
	assert_int_equal(count_to(f, WANG, "confirm"), 25);
	assert_string_equal(sms(f, WANG, "列表").action, "list");
	assert_int_equal(count_to(f, WANG, "reply"), 1);
	assert_string_equal(sms(f, WANG, "570 检查油路").action, "rejected");
	assert_int_equal(count_to(f, WANG, "reply"), 2);
}

static void
test_a_long_answer_goes_in_numbered_parts_that_never_cut_a_character(void **state)
{
	struct fixture *f = *state;
	char answer[4096] = "1 ", *parts, *p;
	sqlite3 *db;
	sqlite3_stmt *st;
	int i, n = 0;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	sms(f, FARMER, "小鸡拉稀");
	for (i = 0; i < 300; i++)
		strcat(answer, i % 10 == 9 ? "。" : "隔");
	sms(f, WANG, answer);
	/* 300 characters: more than three segments (201 units), so numbered parts. */
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_prepare_v2(db, "SELECT body, segments FROM messages WHERE kind = 'answer' AND direction = 'out'"
	    " ORDER BY id", -1, &st, NULL);
	parts = calloc(1, 8192);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *body = (const char *)sqlite3_column_text(st, 0);
		char want[32];

		n++;
		if (sqlite3_column_int(st, 1) > 3)
			fail_msg("part %d has %d segments: %s", n, sqlite3_column_int(st, 1), body);
		assert_int_equal(sms_segments(body), sqlite3_column_int(st, 1));
		assert_true(strncmp(body, "【测试】(", strlen("【测试】(")) == 0);
		snprintf(want, sizeof(want), "(%d/", n);
		assert_non_null(strstr(body, want));
		p = strchr(body + strlen("【测试】"), ')') + 1;
		strcat(parts, p);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_int_equal(n, 2);
	assert_contains(parts, "#1 王专家答复：");
	assert_int_equal(strstr(parts, "：") - parts + strlen("：") + strlen(answer + 2),
	    strlen(parts));
	free(parts);
}

static void
test_reminder_then_reassignment_then_triage_and_the_bureau(void **state)
{
	struct fixture *f = *state;
	char *farmer, *bureau;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	add_person(f, LI, "李专家", ROLE_EXPERT, "poultry");
	add_person(f, TRIAGE, "分诊员", ROLE_TRIAGE, NULL);
	sms(f, FARMER, "小鸡拉稀");		/* 王专家 */
	assert_int_equal(tick_after(f, 119 * MIN), 0);
	assert_int_equal(tick_after(f, 2 * MIN), 1);	/* two hours: a reminder */
	assert_int_equal(count_to(f, WANG, "reminder"), 1);
	assert_int_equal(tick_after(f, HOUR), 0);	/* only one */
	assert_int_equal(count_to(f, WANG, "reminder"), 1);
	assert_int_equal(tick_after(f, 5 * HOUR), 1);	/* eight hours: the next expert */
	assert_int_equal(count_to(f, LI, "notify"), 1);
	assert_int_equal(count_to(f, WANG, "notice"), 1);
	farmer = outbox_to(f, FARMER);
	assert_contains(farmer, "您的问题#1仍在处理中，已请其他专家答复");
	free(farmer);
	assert_int_equal(count_to(f, BUREAU, "alert"), 0);
	/* 李专家 does not answer either: every expert has had it, so triage, and the bureau. */
	tick_after(f, 8 * HOUR);
	assert_int_equal(count_to(f, TRIAGE, "notify"), 1);
	bureau = outbox_to(f, BUREAU);
	assert_contains(bureau, "问题#1（家禽）本类专家都未能答复，已转分诊员");
	free(bureau);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM events WHERE kind IN"
	    " ('reminded', 'reassigned')"), 3);
	/* Triage staff do not answer in time either: with no one else to ask, it stays with them
	 * — never "handed on" to the person who holds it — they are told once how to act, and
	 * the bureau once. */
	tick_after(f, 8 * HOUR + MIN);
	assert_int_equal(count_to(f, TRIAGE, "notify"), 1);
	assert_int_equal(count_to(f, TRIAGE, "notice"), 0);
	assert_int_equal(count_to(f, TRIAGE, "reminder"), 1);
	assert_int_equal(tu_query_int(f->path, "SELECT e.phone = '" TRIAGE "' FROM consultations c"
	    " JOIN experts e ON e.id = c.expert_id WHERE c.id = 1 AND c.status = 'assigned'"), 1);
	bureau = outbox_to(f, BUREAU);
	assert_contains(bureau, "问题#1（家禽）在分诊员分诊员处8小时未处理，也没有其他人可以接手");
	free(bureau);
	assert_int_equal(count_to(f, BUREAU, "alert"), 2);
	/* Days later: nothing more is sent, and nothing counts as another reassignment. */
	tick_after(f, 8 * HOUR + MIN);
	tick_after(f, 8 * HOUR + MIN);
	assert_int_equal(count_to(f, BUREAU, "alert"), 2);
	assert_int_equal(count_to(f, TRIAGE, "reminder"), 1);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM events WHERE kind ="
	    " 'reassigned'"), 2);
	/* 王专家's late answer still counts. */
	assert_string_equal(sms(f, WANG, "1 用土霉素拌料").action, "answer");
}

/* The sender's part: message id handed to the provider, which gave it provider_id. */
static void
provider_took(struct fixture *f, long long id, const char *provider_id)
{
	assert_int_equal(store_outbox_sending(f->s, id, "http", NULL, f->now), STORE_OK);
	assert_int_equal(store_outbox_sent(f->s, id, provider_id, f->now), STORE_OK);
}

static int
report(struct fixture *f, const char *provider_id, enum consult_report status, const char *why)
{
	struct report_in r = { "http", NULL, provider_id, status, why, 0 };
	int found = -1;

	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(consult_handle_report(f->c, &r, f->now, &found), STORE_OK);
	assert_int_equal(store_commit(f->s), STORE_OK);
	return found;
}

static void
test_an_undelivered_answer_is_tried_once_more_then_the_expert_and_triage_are_told(void **state)
{
	struct fixture *f = *state;
	long long first, second;
	char *wang, *triage;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	add_person(f, TRIAGE, "分诊员", ROLE_TRIAGE, NULL);
	sms(f, FARMER, "小鸡拉稀");
	sms(f, WANG, "1 用土霉素拌料");
	first = tu_query_int(f->path, "SELECT id FROM messages WHERE kind = 'answer' AND"
	    " direction = 'out'");
	provider_took(f, first, "prov-1");
	/* Reports for messages farmline never sent are ignored. */
	assert_int_equal(report(f, "prov-unknown", REPORT_FAILED, "x"), 0);
	assert_int_equal(report(f, "prov-1", REPORT_FAILED, "absent subscriber"), 1);
	assert_int_equal(tu_query_int(f->path, "SELECT status = 'failed' AND last_error ="
	    " 'absent subscriber' AND report_at IS NOT NULL FROM messages WHERE id = (SELECT id FROM"
	    " messages WHERE provider_id = 'prov-1')"), 1);
	/* The periodic work queues one more try of the same answer. */
	tick_after(f, MIN);
	second = tu_query_int(f->path, "SELECT id FROM messages WHERE kind = 'answer' AND"
	    " direction = 'out' AND retry_of IS NOT NULL");
	assert_true(second > first);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM messages WHERE kind = 'answer'"
	    " AND direction = 'out' AND status = 'queued'"), 1);
	assert_int_equal(count_to(f, WANG, "notice"), 0);
	/* The second try fails too: now the expert and triage staff are told, once. */
	provider_took(f, second, "prov-2");
	assert_int_equal(report(f, "prov-2", REPORT_FAILED, "absent subscriber"), 1);
	tick_after(f, MIN);
	tick_after(f, MIN);
	wang = outbox_to(f, WANG);
	assert_contains(wang, "#1的答复两次都未能送达农户138****0001（absent subscriber）");
	free(wang);
	triage = outbox_to(f, TRIAGE);
	assert_contains(triage, "#1的答复两次都未能送达");
	free(triage);
	assert_int_equal(count_to(f, WANG, "notice"), 1);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM messages WHERE kind = 'answer'"
	    " AND direction = 'out'"), 2);
	/* Failed (or delivered) is final: a report that comes after changes nothing. */
	assert_int_equal(report(f, "prov-2", REPORT_DELIVERED, NULL), 0);
	assert_int_equal(report(f, "prov-2", REPORT_FAILED, "late"), 0);
}

static void
test_a_report_that_the_farmer_opted_out_stops_broadcasts_to_them(void **state)
{
	struct fixture *f = *state;
	struct report_in r = { "http", NULL, "prov-9", REPORT_FAILED, "21610 unsubscribed", 1 };
	long long ack;
	int found = 0;

	sms(f, FARMER, "小鸡拉稀");
	ack = tu_query_int(f->path, "SELECT id FROM messages WHERE kind = 'ack'");
	provider_took(f, ack, "prov-9");
	assert_int_equal(tu_query_int(f->path, "SELECT opted_out FROM farmers"), 0);
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(consult_handle_report(f->c, &r, f->now, &found), STORE_OK);
	assert_int_equal(store_commit(f->s), STORE_OK);
	assert_int_equal(found, 1);
	assert_int_equal(tu_query_int(f->path, "SELECT opted_out FROM farmers WHERE phone = '"
	    FARMER "'"), 1);
}

static void
test_off_duty_hands_open_questions_on_after_the_grace_period(void **state)
{
	struct fixture *f = *state;

	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	add_person(f, LI, "李专家", ROLE_EXPERT, "poultry");
	sms(f, FARMER, "小鸡拉稀");		/* 王专家 */
	sms(f, WANG, "暂停");
	assert_int_equal(tick_after(f, 50 * MIN), 0);
	assert_int_equal(tu_query_int(f->path, "SELECT e.name = '王专家' FROM consultations c JOIN"
	    " experts e ON e.id = c.expert_id"), 1);
	assert_int_equal(tick_after(f, 15 * MIN), 1);
	assert_int_equal(tu_query_int(f->path, "SELECT e.name = '李专家' FROM consultations c JOIN"
	    " experts e ON e.id = c.expert_id"), 1);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM assignments WHERE"
	    " outcome = 'off_duty'"), 1);
	/* New questions do not go to an expert who is off duty. */
	sms(f, FARMER2, "鸭子不下蛋");
	assert_int_equal(count_to(f, LI, "notify"), 2);
}

static void
test_quiet_hours_hold_notices_and_stop_the_clock(void **state)
{
	struct fixture *f = *state;
	struct consult_opts o = {
		.signature = "【测试】", .service_number = "10690000", .provider = "http",
		.followup_window_ms = 3 * 86400000LL, .new_question_score = 10, .low_rating = 2,
		.max_segments = 3, .loop_limit = 20, .remind_after_ms = 2 * HOUR,
		.reassign_after_ms = 8 * HOUR, .off_duty_grace_ms = HOUR,
		.escalation_check_ms = 0, .quiet = { 22 * 60, 7 * 60 },
	};
	/* 2026-11-20 21:29 in Asia/Shanghai. */
	const int64_t evening = (1795104000LL + 21 * 3600 + 29 * 60) * 1000;

	consult_free(f->c);
	f->c = consult_new(f->s, f->rules, f->norm, &o);
	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	f->now = evening;
	sms(f, FARMER, "小鸡拉稀");		/* at 21:30 */
	/* The acknowledgement goes at once; the expert's notice, at 21:30, too. */
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM messages WHERE kind IN"
	    " ('ack', 'notify') AND next_attempt_at = created_at"), 2);
	f->now = evening + 61 * MIN;	/* 22:30 */
	sms(f, FARMER2, "鸭子不下蛋");
	/* At night the expert's notice waits for 07:00; the farmer's acknowledgement does not. */
	assert_int_equal(tu_query_int(f->path, "SELECT next_attempt_at FROM messages WHERE"
	    " kind = 'notify' AND consultation_id = 2"), evening + (9 * 60 + 31) * MIN);
	assert_int_equal(tu_query_int(f->path, "SELECT next_attempt_at = created_at FROM messages"
	    " WHERE kind = 'ack' AND consultation_id = 2"), 1);
	/* Two working hours after 21:30 is 08:30 the next morning, not 23:30. */
	f->now = evening + 2 * HOUR + 10 * MIN;	/* 23:39 */
	assert_int_equal(tick_after(f, 0), 0);
	f->now = evening + 10 * HOUR + 59 * MIN;	/* 08:28 */
	assert_int_equal(tick_after(f, 0), 0);
	assert_int_equal(count_to(f, WANG, "reminder"), 0);
	f->now = evening + 11 * HOUR + 2 * MIN;	/* 08:31 */
	assert_int_equal(tick_after(f, 0), 1);
	assert_int_equal(count_to(f, WANG, "reminder"), 1);
	/* The expert's answer at night goes at once. */
	f->now = evening + 24 * HOUR;		/* 21:29 the next day */
	f->now += 60 * MIN;			/* 22:29 (sms adds a minute) */
	sms(f, WANG, "1 用土霉素拌料");
	assert_int_equal(tu_query_int(f->path, "SELECT next_attempt_at = created_at FROM messages"
	    " WHERE kind = 'answer' AND direction = 'out'"), 1);
	/* A notice held for the morning is withdrawn when the question is answered before it. */
	sms(f, "+8613800000003", "鹅不吃食");	/* #3 at 22:30 */
	assert_int_equal(tu_query_int(f->path, "SELECT status = 'queued' FROM messages WHERE"
	    " kind = 'notify' AND consultation_id = 3"), 1);
	sms(f, WANG, "3 先看看是不是受凉了");
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM messages WHERE kind = 'notify'"
	    " AND consultation_id = 3 AND status = 'withdrawn' AND next_attempt_at IS NULL"), 1);
	/* The notice of #2, due since the morning, was not withdrawn with it. */
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM messages WHERE"
	    " status = 'withdrawn'"), 1);
}

static void
test_experts_see_whole_numbers_only_when_the_county_says_so(void **state)
{
	struct fixture *f = *state;
	struct consult_opts o = {
		.signature = "【测试】", .service_number = "10690000", .provider = "http",
		.max_segments = 3, .loop_limit = 20, .remind_after_ms = 2 * HOUR,
		.reassign_after_ms = 8 * HOUR, .reveal_farmer_number = 1,
	};
	char *wang;

	consult_free(f->c);
	f->c = consult_new(f->s, f->rules, f->norm, &o);
	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	sms(f, FARMER, "小鸡拉稀");
	wang = outbox_to(f, WANG);
	assert_contains(wang, "农户+8613800000001：小鸡拉稀");
	free(wang);
}


/*
 * What people really send, and what each must lead to. Every row runs on a fresh database in
 * one of a few situations; "answers" is how many answers it sent to a farmer (a command or a
 * courtesy must send none), "gets" a part of what the sender got back, "status" what #1 is
 * after it (a 谢谢 must not reopen an answered question).
 */
enum scene {
	S_NEW,		/* a farmer who never wrote */
	S_WAITING,	/* the farmer's #1 (poultry) is with 王专家 */
	S_ANSWERED,	/* …and 王专家 answered it */
	S_EXPERT1,	/* 王专家, with #1 open */
	S_EXPERT2,	/* 王专家, with #1 and #2 open */
	S_EXPERT0,	/* 王专家, with nothing open */
	S_TRIAGE1,	/* triage staff, holding #1 (这个怎么弄) */
	S_COMMISSION,	/* the information commissioner */
};

struct phrasing {
	enum scene scene;
	const char *text;
	const char *action;
	int answers;
	const char *gets;	/* NULL: not checked */
	const char *status;	/* of #1; NULL: not checked */
};

static const struct phrasing phrasings[] = {
	/* An expert with one question open: commands in every loose form are commands. */
	{ S_EXPERT1, "转交", "pass", 0, "#1已转交", "assigned" },
	{ S_EXPERT1, "转交1", "pass", 0, "#1已转交", NULL },
	{ S_EXPERT1, "转交 #1", "pass", 0, NULL, NULL },
	{ S_EXPERT1, "转给别的专家吧", "pass", 0, NULL, NULL },
	{ S_EXPERT1, "请转给其他专家", "pass", 0, NULL, NULL },
	{ S_EXPERT1, "这个我不会，转交吧", "pass", 0, NULL, NULL },
	{ S_EXPERT1, "转1。", "pass", 0, NULL, NULL },
	{ S_EXPERT1, "轉1", "pass", 0, NULL, NULL },
	{ S_EXPERT1, "转 1 吧", "pass", 0, NULL, NULL },
	{ S_EXPERT1, "PASS 1", "pass", 0, NULL, NULL },
	{ S_EXPERT1, "pass.", "pass", 0, NULL, NULL },
	{ S_EXPERT1, "转", "pass", 0, NULL, NULL },
	{ S_EXPERT1, "暂停。", "duty", 0, "您已暂停接收新问题", "assigned" },
	{ S_EXPERT1, "暂停", "duty", 0, NULL, "assigned" },
	{ S_EXPERT1, "暫停", "duty", 0, NULL, NULL },
	{ S_EXPERT1, "Off.", "duty", 0, NULL, NULL },
	{ S_EXPERT1, "OFF", "duty", 0, NULL, NULL },
	{ S_EXPERT1, "off now", "duty", 0, NULL, NULL },
	{ S_EXPERT1, "我要暂停几天", "duty", 0, NULL, NULL },
	{ S_EXPERT1, "暂停吧！", "duty", 0, NULL, NULL },
	{ S_EXPERT1, "恢复", "duty", 0, "您已恢复接收新问题", NULL },
	{ S_EXPERT1, "ON!", "duty", 0, NULL, NULL },
	{ S_EXPERT1, "恢复接收", "duty", 0, NULL, NULL },
	{ S_EXPERT1, "列表？", "list", 0, "#1 小鸡拉稀怎么办", "assigned" },
	{ S_EXPERT1, "列表", "list", 0, NULL, NULL },
	{ S_EXPERT1, "LIST", "list", 0, NULL, NULL },
	{ S_EXPERT1, "list please", "list", 0, NULL, NULL },
	{ S_EXPERT1, "查询", "list", 0, NULL, NULL },
	{ S_EXPERT1, "帮助", "help", 0, "专家指令", "assigned" },
	{ S_EXPERT1, "HELP", "help", 0, NULL, NULL },
	{ S_EXPERT1, "？", "help", 0, NULL, NULL },
	{ S_EXPERT1, "幫助", "help", 0, NULL, NULL },
	{ S_EXPERT1, "怎么用", "help", 0, NULL, NULL },
	/* Courtesies are never answers. */
	{ S_EXPERT1, "收到", "noted", 0, "作答请回复", "assigned" },
	{ S_EXPERT1, "收到！", "noted", 0, NULL, NULL },
	{ S_EXPERT1, "好的", "noted", 0, NULL, NULL },
	{ S_EXPERT1, "好的好的", "noted", 0, NULL, NULL },
	{ S_EXPERT1, "OK", "noted", 0, NULL, NULL },
	{ S_EXPERT1, "ok.", "noted", 0, NULL, NULL },
	{ S_EXPERT1, "谢谢", "noted", 0, NULL, NULL },
	{ S_EXPERT1, "你好", "noted", 0, NULL, NULL },
	{ S_EXPERT1, "在吗", "noted", 0, NULL, NULL },
	{ S_EXPERT1, "👍", "noted", 0, NULL, NULL },
	{ S_EXPERT1, "🙏🙏", "noted", 0, NULL, NULL },
	{ S_EXPERT1, "。。。", "noted", 0, NULL, NULL },
	{ S_EXPERT1, "嗯嗯", "noted", 0, NULL, NULL },
	{ S_EXPERT1, "知道了", "noted", 0, NULL, NULL },
	{ S_EXPERT1, "明白了，谢谢", "noted", 0, NULL, "assigned" },
	/* Not an answer, not yet a pass: asked which. */
	{ S_EXPERT1, "不会", "rejected", 0, "转 编号", "assigned" },
	{ S_EXPERT1, "不懂。", "rejected", 0, NULL, NULL },
	{ S_EXPERT1, "这个我不清楚", "rejected", 0, NULL, NULL },
	{ S_EXPERT1, "好的，我看看", "rejected", 0, "想好后请回复", "assigned" },
	{ S_EXPERT1, "稍等", "rejected", 0, NULL, NULL },
	{ S_EXPERT1, "收到，马上回复", "rejected", 0, NULL, NULL },
	{ S_EXPERT1, "看看", "rejected", 0, NULL, NULL },
	{ S_EXPERT1, "看看叶子背面有没有虫", "answer", 1, NULL, NULL },
	{ S_EXPERT1, "1", "rejected", 0, "回复格式", NULL },
	{ S_EXPERT1, "1。", "rejected", 0, NULL, NULL },
	{ S_EXPERT1, "#1", "rejected", 0, NULL, NULL },
	{ S_EXPERT1, "OFF the feed for a day", "rejected", 0, NULL, NULL },
	{ S_EXPERT1, "代13800000009 猪不吃食", "rejected", 0, "信息员", NULL },
	{ S_EXPERT1, "关1", "rejected", 0, "只有分诊员", "assigned" },
	{ S_EXPERT1, "5 用土霉素", "rejected", 0, "没有编号为5的问题", NULL },
	/* Answers, with a ticket or without, are relayed. */
	{ S_EXPERT1, "1 用土霉素拌料", "answer", 1, NULL, "answered" },
	{ S_EXPERT1, "#1 用土霉素拌料", "answer", 1, NULL, "answered" },
	{ S_EXPERT1, "Q1：用土霉素拌料", "answer", 1, NULL, NULL },
	{ S_EXPERT1, "＃１ 用土霉素拌料", "answer", 1, NULL, NULL },
	{ S_EXPERT1, "1，用土霉素拌料", "answer", 1, NULL, NULL },
	{ S_EXPERT1, "用土霉素拌料，连用三天", "answer", 1, NULL, "answered" },
	{ S_EXPERT1, "15天后再补一次药", "answer", 1, NULL, NULL },
	{ S_EXPERT1, "67.鳃病用硫酸铜", "answer", 1, NULL, NULL },
	{ S_EXPERT1, "3天后打第二针", "answer", 1, NULL, NULL },
	{ S_EXPERT1, "1天后再看", "answer", 1, NULL, NULL },
	{ S_EXPERT1, "暂停喂料两天，只给清水", "answer", 1, NULL, NULL },
	{ S_EXPERT1, "转基因玉米不影响", "answer", 1, NULL, NULL },
	{ S_EXPERT1, "先转移到干燥的地方", "answer", 1, NULL, NULL },
	{ S_EXPERT1, "关好门窗注意保暖", "answer", 1, NULL, NULL },
	{ S_EXPERT1, "分两次喂药", "answer", 1, NULL, NULL },
	{ S_EXPERT1, "代谢病可能性大", "answer", 1, NULL, NULL },
	{ S_EXPERT1, "收到，建议先隔离病鸡", "answer", 1, NULL, NULL },
	{ S_EXPERT1, "谢谢提问，建议用土霉素", "answer", 1, NULL, NULL },
	{ S_EXPERT1, "不清楚病因，建议送检", "answer", 1, NULL, NULL },
	{ S_EXPERT1, "转给农技站检测一下", "answer", 1, NULL, NULL },
	{ S_EXPERT1, "offer more water", "answer", 1, NULL, NULL },
	{ S_EXPERT1, "分1 畜牧", "route", 0, "已分到畜牧", "assigned" },
	/* With two open, a reply without a ticket is never guessed. */
	{ S_EXPERT2, "用土霉素拌料", "rejected", 0, "#1 小鸡拉稀怎么办", "assigned" },
	{ S_EXPERT2, "15天后再补一次药", "rejected", 0, "#2 鸭子不下蛋怎么办", NULL },
	{ S_EXPERT2, "转交", "rejected", 0, "转交哪个问题", NULL },
	{ S_EXPERT2, "转2", "pass", 0, NULL, "assigned" },
	{ S_EXPERT2, "2 多补钙和光照", "answer", 1, NULL, "assigned" },
	{ S_EXPERT2, "1 用土霉素", "answer", 1, NULL, "answered" },
	{ S_EXPERT2, "列表", "list", 0, "您有2个待答问题", NULL },
	{ S_EXPERT2, "好的", "noted", 0, NULL, NULL },
	{ S_EXPERT2, "暂停", "duty", 0, NULL, NULL },
	{ S_EXPERT2, "1", "rejected", 0, NULL, NULL },
	/* With none open. */
	{ S_EXPERT0, "用土霉素拌料", "rejected", 0, "没有待答的问题", NULL },
	{ S_EXPERT0, "列表", "list", 0, "没有待答的问题", NULL },
	{ S_EXPERT0, "转交", "rejected", 0, "无需转交", NULL },
	{ S_EXPERT0, "你好", "noted", 0, NULL, NULL },
	{ S_EXPERT0, "帮助", "help", 0, NULL, NULL },
	{ S_EXPERT0, "恢复", "duty", 0, NULL, NULL },
	/* Triage staff. */
	{ S_TRIAGE1, "关1 无具体问题", "close", 0, "#1已关闭", "closed" },
	{ S_TRIAGE1, "关 1", "close", 0, NULL, "closed" },
	{ S_TRIAGE1, "CLOSE #1", "close", 0, NULL, "closed" },
	{ S_TRIAGE1, "关闭1，重复提问。", "close", 0, NULL, "closed" },
	{ S_TRIAGE1, "關1", "close", 0, NULL, "closed" },
	{ S_TRIAGE1, "关", "rejected", 0, "关闭格式", "assigned" },
	{ S_TRIAGE1, "关9 无效", "rejected", 0, "没有编号为9的问题", NULL },
	{ S_TRIAGE1, "分1 家禽", "route", 0, "由王专家答复", "assigned" },
	{ S_TRIAGE1, "分 1 家禽。", "route", 0, NULL, NULL },
	{ S_TRIAGE1, "分1 到家禽", "route", 0, NULL, NULL },
	{ S_TRIAGE1, "分1 家禽类", "route", 0, NULL, NULL },
	{ S_TRIAGE1, "分1 给畜牧专家", "route", 0, "由李专家答复", NULL },
	{ S_TRIAGE1, "ROUTE 1 poultry", "route", 0, NULL, NULL },
	{ S_TRIAGE1, "分1 果树茶叶", "route", 0, "暂无该类专家在岗，问题仍由您处理", "assigned" },
	{ S_TRIAGE1, "分1 蔬菜", "rejected", 0, "没有“蔬菜”这个类别", NULL },
	{ S_TRIAGE1, "1 先看看情况再说", "answer", 1, NULL, "answered" },
	{ S_TRIAGE1, "先拍张照片发来看看", "answer", 1, NULL, "answered" },
	{ S_TRIAGE1, "帮助", "help", 0, "关 编号", NULL },
	{ S_TRIAGE1, "列表", "list", 0, "#1 这个怎么弄", NULL },
	{ S_TRIAGE1, "转1", "rejected", 0, "没有其他分诊员在岗", "assigned" },
	{ S_TRIAGE1, "好的", "noted", 0, NULL, NULL },
	{ S_TRIAGE1, "代13800000009 猪不吃食", "rejected", 0, NULL, NULL },
	/* The information commissioner. */
	{ S_COMMISSION, "代13800000005 鸡冠发紫是什么病", "proxy", 0, "已代农户", NULL },
	{ S_COMMISSION, "代 138 0000 0005 玉米倒伏", "proxy", 0, NULL, NULL },
	{ S_COMMISSION, "FOR 13800000005 duck not laying", "proxy", 0, NULL, NULL },
	{ S_COMMISSION, "代13800000005", "rejected", 0, "代问格式", NULL },
	{ S_COMMISSION, "代", "rejected", 0, NULL, NULL },
	{ S_COMMISSION, "你好", "noted", 0, NULL, NULL },
	{ S_COMMISSION, "帮助", "help", 0, "信息员代农户提问", NULL },
	{ S_COMMISSION, "今天去了三个村", "rejected", 0, NULL, NULL },
	{ S_COMMISSION, "1 用药", "rejected", 0, NULL, NULL },
	/* A farmer who never wrote: a greeting opens nothing. */
	{ S_NEW, "在吗", "courtesy", 0, "请直接发送您的种植养殖问题", NULL },
	{ S_NEW, "你好", "courtesy", 0, NULL, NULL },
	{ S_NEW, "您好！", "courtesy", 0, NULL, NULL },
	{ S_NEW, "？？？", "courtesy", 0, NULL, NULL },
	{ S_NEW, "。。。!!", "courtesy", 0, NULL, NULL },
	{ S_NEW, "🐔🐔🐔", "courtesy", 0, NULL, NULL },
	{ S_NEW, "谢谢", "courtesy", 0, NULL, NULL },
	{ S_NEW, "有人吗", "courtesy", 0, NULL, NULL },
	{ S_NEW, "帮助", "command", 0, "直接发送问题", NULL },
	{ S_NEW, "帮 助", "command", 0, NULL, NULL },
	{ S_NEW, "HELP", "command", 0, NULL, NULL },
	{ S_NEW, "?", "command", 0, NULL, NULL },
	{ S_NEW, "查询", "command", 0, "您还没有提过问题", NULL },
	{ S_NEW, "查询一下", "command", 0, NULL, NULL },
	{ S_NEW, "退订", "command", 0, "已退订", NULL },
	{ S_NEW, "TD", "command", 0, NULL, NULL },
	{ S_NEW, "退订 畜牧", "command", 0, "您没有订阅畜牧资讯", NULL },
	{ S_NEW, "退订 火星", "command", 0, "没有“火星”这个类别", NULL },
	{ S_NEW, "订阅 畜牧", "command", 0, "已订阅畜牧资讯", NULL },
	{ S_NEW, "5", "command", 0, "目前没有可以评价的答复", NULL },
	{ S_NEW, "满意", "command", 0, NULL, NULL },
	{ S_NEW, "查询 1", "command", 0, "没有找到您的问题#1", NULL },
	{ S_NEW, "登记 舜山镇 六郎村", "command", 0, "已登记", NULL },
	{ S_NEW, "鹅苗死亡怎么办", "question", 0, "编号1", "assigned" },
	{ S_NEW, "天麻怎么种", "question", 0, NULL, "assigned" },
	{ S_NEW, "鹅苗死亡怎么办？", "question", 0, "怎么办？回复", NULL },
	{ S_NEW, "你好，鸡拉稀怎么办", "question", 0, "家禽", NULL },
	{ S_NEW, "在吗 鸭子不下蛋", "question", 0, "家禽", NULL },
	{ S_NEW, "雞瘟怎麼預防", "question", 0, "家禽", NULL },
	{ S_NEW, "订阅号怎么关注", "question", 0, NULL, NULL },
	/* A farmer waiting for an answer. */
	{ S_WAITING, "在吗", "courtesy", 0, "正在处理中", "assigned" },
	{ S_WAITING, "谢谢", "courtesy", 0, NULL, "assigned" },
	{ S_WAITING, "好的", "courtesy", 0, NULL, "assigned" },
	{ S_WAITING, "是刚买回来的苗", "followup", 0, "补充", "assigned" },
	{ S_WAITING, "还有腹泻", "followup", 0, NULL, NULL },
	{ S_WAITING, "查询", "command", 0, "专家处理中", NULL },
	{ S_WAITING, "查询 1", "command", 0, "尚无答复", NULL },
	{ S_WAITING, "猪不吃食怎么办", "question", 0, "畜牧", "assigned" },
	/* A farmer who got an answer: thanks never reopen it. */
	{ S_ANSWERED, "谢谢", "courtesy", 0, "请回复1-5评价", "answered" },
	{ S_ANSWERED, "谢谢专家！", "courtesy", 0, NULL, "answered" },
	{ S_ANSWERED, "好的", "courtesy", 0, NULL, "answered" },
	{ S_ANSWERED, "OK", "courtesy", 0, NULL, "answered" },
	{ S_ANSWERED, "👍👍", "courtesy", 0, NULL, "answered" },
	{ S_ANSWERED, "收到了", "courtesy", 0, NULL, "answered" },
	{ S_ANSWERED, "多谢多谢", "courtesy", 0, NULL, "answered" },
	{ S_ANSWERED, "5", "rating", 0, "5分", "answered" },
	{ S_ANSWERED, "满意", "rating", 0, "4分", "answered" },
	{ S_ANSWERED, "很满意", "rating", 0, "5分", NULL },
	{ S_ANSWERED, "一般般", "rating", 0, "3分", NULL },
	{ S_ANSWERED, "很一般", "rating", 0, "3分", NULL },
	{ S_ANSWERED, "不满意", "rating", 0, "2分", NULL },
	{ S_ANSWERED, "很不满意", "rating", 0, "1分", NULL },
	{ S_ANSWERED, "5星", "rating", 0, NULL, NULL },
	{ S_ANSWERED, "4分", "rating", 0, NULL, NULL },
	{ S_ANSWERED, "６", "command", 0, "评价请回复1-5", "answered" },
	{ S_ANSWERED, "0", "command", 0, NULL, "answered" },
	{ S_ANSWERED, "鸡还是拉稀", "followup", 0, NULL, "assigned" },
	{ S_ANSWERED, "谢谢，鸡还是拉稀", "followup", 0, NULL, "assigned" },
	{ S_ANSWERED, "用了药还是不行", "followup", 0, NULL, "assigned" },
	{ S_ANSWERED, "猪不吃食怎么办", "question", 0, "畜牧", "answered" },
	{ S_ANSWERED, "苹果树叶子发黄", "question", 0, NULL, "answered" },
	{ S_ANSWERED, "查询 1", "command", 0, "用土霉素拌料", "answered" },
	{ S_ANSWERED, "查询1", "command", 0, "（重发）", NULL },
	{ S_ANSWERED, "退订 家禽", "command", 0, NULL, "answered" },
};

static const char *
scene_sender(enum scene sc)
{
	switch (sc) {
	case S_NEW:
	case S_WAITING:
	case S_ANSWERED:
		return FARMER;
	case S_TRIAGE1:
		return TRIAGE;
	case S_COMMISSION:
		return COMMISSIONER;
	default:
		return WANG;
	}
}

static void
scene_set(struct fixture *f, enum scene sc)
{
	add_person(f, WANG, "王专家", ROLE_EXPERT, "poultry");
	add_person(f, LI, "李专家", ROLE_EXPERT, "livestock");
	add_person(f, TRIAGE, "分诊员", ROLE_TRIAGE, NULL);
	add_person(f, COMMISSIONER, "信息员", ROLE_COMMISSIONER, NULL);
	switch (sc) {
	case S_WAITING:
	case S_ANSWERED:
	case S_EXPERT1:
	case S_EXPERT2:
		assert_string_equal(sms(f, FARMER, "小鸡拉稀怎么办").action, "question");
		if (sc == S_ANSWERED)
			assert_string_equal(sms(f, WANG, "1 用土霉素拌料").action, "answer");
		if (sc == S_EXPERT2)
			assert_string_equal(sms(f, FARMER2, "鸭子不下蛋怎么办").action, "question");
		break;
	case S_TRIAGE1:
		assert_string_equal(sms(f, FARMER, "这个怎么弄").action, "question");
		break;
	default:
		break;
	}
}

/* One row of the table; "" when it holds, else what went wrong (caller frees). */
static char *
phrasing_check(const struct phrasing *p)
{
	void *st = NULL;
	struct fixture *f;
	struct consult_result r;
	long long answers, last;
	char sql[256], *why = NULL, *all;

	assert_int_equal(setup(&st), 0);
	f = st;
	scene_set(f, p->scene);
	answers = tu_query_int(f->path, "SELECT count(*) FROM messages WHERE direction = 'out'"
	    " AND kind = 'answer'");
	last = tu_query_int(f->path, "SELECT coalesce(max(id), 0) FROM messages");
	r = sms(f, scene_sender(p->scene), p->text);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM messages WHERE id > %lld AND"
	    " direction = 'out' AND instr(body, '%s') > 0", last, p->gets ? p->gets : "");
	all = outbox_to(f, scene_sender(p->scene));
	if (strcmp(r.action, p->action) != 0) {
		if (asprintf(&why, "action %s, want %s (sender got: %s)", r.action, p->action,
		    all) < 0)
			abort();
	} else if (tu_query_int(f->path, "SELECT count(*) FROM messages WHERE direction = 'out'"
	    " AND kind = 'answer'") - answers != p->answers) {
		if (asprintf(&why, "answers sent to a farmer: want %d", p->answers) < 0)
			abort();
	} else if (p->gets && tu_query_int(f->path, sql) == 0) {
		if (asprintf(&why, "nothing sent holds \"%s\"; the sender got: %s", p->gets,
		    all) < 0)
			abort();
	} else if (p->status) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM consultations WHERE id = 1 AND"
		    " status = '%s'", p->status);
		if (tu_query_int(f->path, sql) != 1 && asprintf(&why, "#1 is not %s", p->status) < 0)
			abort();
	}
	free(all);
	teardown(&st);
	return why;
}

static void
test_what_people_really_send_leads_where_it_should(void **state)
{
	size_t i;
	int failed = 0;

	(void)state;
	for (i = 0; i < sizeof(phrasings) / sizeof(phrasings[0]); i++) {
		char *why = phrasing_check(&phrasings[i]);

		if (why) {
			fprintf(stderr, "row %zu \"%s\": %s\n", i, phrasings[i].text, why);
			failed++;
		}
		free(why);
	}
	if (failed)
		fail_msg("%d of %zu phrasings went wrong", failed, i);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_question_is_acknowledged_and_the_expert_told),
		T(test_traditional_question_is_routed_but_stored_as_written),
		T(test_answer_with_ticket_reaches_the_farmer_and_closes_the_assignment),
		T(test_plain_reply_answers_the_only_open_question),
		T(test_plain_reply_with_several_open_lists_them_and_relays_nothing),
		T(test_unknown_ticket_and_someone_elses_ticket_are_refused_with_a_reason),
		T(test_repeated_provider_id_is_processed_once_and_answered_alike),
		T(test_no_expert_goes_to_triage_and_without_triage_waits_until_one_comes),
		T(test_pass_goes_to_the_next_expert_then_to_triage),
		T(test_route_by_staff_is_stored_as_a_correction),
		T(test_commissioner_asks_for_a_farmer_and_gets_a_copy_of_the_answer),
		T(test_off_duty_experts_get_nothing_new),
		T(test_acknowledgement_fits_one_segment_in_the_worst_case),
		T(test_follow_up_while_open_reaches_the_same_expert),
		T(test_follow_up_after_an_answer_reopens_it_for_the_expert_who_answered),
		T(test_after_the_window_a_text_is_a_new_question),
		T(test_a_confident_other_category_is_a_new_question_a_vague_text_a_follow_up),
		T(test_ratings_are_thanked_and_low_ones_alert_triage),
		T(test_commands_reply_in_one_or_two_segments),
		T(test_stop_subscribe_and_register),
		T(test_a_number_sending_too_much_gets_no_more_replies_that_hour),
		T(test_a_long_answer_goes_in_numbered_parts_that_never_cut_a_character),
		T(test_reminder_then_reassignment_then_triage_and_the_bureau),
		T(test_off_duty_hands_open_questions_on_after_the_grace_period),
		T(test_quiet_hours_hold_notices_and_stop_the_clock),
		T(test_without_a_provider_id_the_same_text_again_soon_is_a_repeat),
		T(test_a_repeat_is_never_a_persons_deliberate_second_message),
		T(test_a_provider_id_from_another_sender_is_another_message),
		T(test_an_undelivered_answer_is_tried_once_more_then_the_expert_and_triage_are_told),
		T(test_a_report_that_the_farmer_opted_out_stops_broadcasts_to_them),
		T(test_experts_route_only_their_own_questions_and_loose_route_words_are_answers),
		T(test_a_number_starting_an_answer_is_a_ticket_only_if_open_with_the_sender),
		T(test_an_unknown_long_category_is_quoted_back_in_whole_characters),
		T(test_a_busy_expert_is_never_throttled_but_a_looping_one_hears_nothing_back),
		T(test_experts_see_whole_numbers_only_when_the_county_says_so),
		cmocka_unit_test(test_what_people_really_send_leads_where_it_should),
	};
#undef T

	log_init("test", LOG_LEVEL_WARN);
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	return cmocka_run_group_tests_name("consult", tests, NULL, NULL);
}
