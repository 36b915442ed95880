/*
 * A USSD session over HTTP against the real binary, as Africa's Talking drives it: the menu,
 * a question typed with a "*" in it, the same step sent again, the expert's answer reaching
 * the farmer by SMS at the fake provider and then on the screen, a rating, a registration; bad
 * requests refused with reasons; a bad menu file stopping start-up with its line and key.
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

#define FARMER "+8613800000001"
#define EXPERT "+8613900000002"
#define ATTOKEN "ussd-secret-0123456789abcdef"
#define AT_CONF "[africastalking]\nusername = sandbox\ntoken = " ATTOKEN "\n"
#define USSD_PATH "/ussd/africastalking/" ATTOKEN	/* its callback URL, with the secret */
#define TOWNS "[townships]\n舜山镇 = 六郎村, 大坪村\n六郎镇 =\n"

static int
setup(void **state)
{
	*state = h_world_new("ussd", AT_CONF TOWNS);
	return *state ? 0 : -1;
}

static int
teardown(void **state)
{
	h_world_free(*state);
	return 0;
}

/* One step as Africa's Talking posts it; the screen in *screen (caller frees). */
static long
ussd(struct world *w, const char *session, const char *phone, const char *text, char **screen)
{
	char *s = curl_easy_escape(w->curl, session, 0);
	char *p = curl_easy_escape(w->curl, phone, 0);
	char *t = curl_easy_escape(w->curl, text, 0);
	char *form;
	long status;

	if (asprintf(&form, "sessionId=%s&serviceCode=%%2A384%%2A1234%%23&phoneNumber=%s&text=%s"
	    "&networkCode=46000", s, p, t) < 0)
		abort();
	status = h_http(w, "POST", USSD_PATH, "application/x-www-form-urlencoded",
	    form, strlen(form), screen);
	if (getenv("USSD_SHOW"))
		printf("── %s text=\"%s\" → %ld\n%s\n\n", session, text, status, *screen);
	free(form);
	curl_free(s);
	curl_free(p);
	curl_free(t);
	return status;
}

/* The step's screen, which must be a 200 holding want. */
static char *
screen_has(struct world *w, const char *session, const char *text, const char *want)
{
	char *screen = NULL;

	if (ussd(w, session, FARMER, text, &screen) != 200)
		fail_msg("\"%s\": %s", text, screen);
	if (strncmp(screen, "CON ", 4) != 0 && strncmp(screen, "END ", 4) != 0)
		fail_msg("\"%s\": not a USSD screen: %s", text, screen);
	tu_assert_contains(screen, want);
	return screen;
}

static void
expect(struct world *w, const char *session, const char *text, const char *want)
{
	free(screen_has(w, session, text, want));
}

/* The number a list screen gives a choice ("10 家禽" → 10). */
static int
number_of(const char *screen, const char *name)
{
	const char *line = screen;
	char tail[64];
	int n;

	snprintf(tail, sizeof(tail), " %s", name);
	while (line) {
		line = strchr(line, '\n');
		if (line == NULL)
			break;
		line++;
		if (sscanf(line, "%d ", &n) == 1 && strncmp(strchr(line, ' '), tail,
		    strlen(tail)) == 0)
			return n;
	}
	fail_msg("no %s in %s", name, screen);
	return -1;
}

static void
test_a_ussd_question_is_answered_by_sms_and_rated_on_the_menu(void **state)
{
	struct world *w = *state;
	char *screen, *again, text[256], want[256], form[256], sql[256];
	const char *answer;
	long long ticket;
	json_t *r;
	int poultry;

	assert_int_equal(h_run_cli(w, NULL, "expert", "add", "--phone", EXPERT, "--name", "王专家",
	    "--categories", "poultry", NULL), 0);
	h_gateway_start(w);

	/* The farmer dials *384*1234#. */
	expect(w, "ATUid_1", "", "CON 科技扶贫在线 农技专家咨询\n1 提问\n2 我的问题\n3 评价\n4 订阅\n5 登记");
	expect(w, "ATUid_1", "7", "CON 输入有误，请重新选择。\n");
	screen = screen_has(w, "ATUid_1", "7*1", "CON 请选择问题类别：\n");
	poultry = number_of(screen, "家禽");
	free(screen);
	snprintf(text, sizeof(text), "7*1*%d", poultry);
	expect(w, "ATUid_1", text, "CON 类别：家禽\n请输入您的问题：\n00 返回");
	snprintf(text, sizeof(text), "7*1*%d*鹅苗死亡很多*怎么办", poultry);
	screen = screen_has(w, "ATUid_1", text, "END 已收到您的问题，编号");
	ticket = atoll(strstr(screen, "编号") + strlen("编号"));
	assert_true(ticket > 0);
	snprintf(want, sizeof(want), "编号%lld，类别：家禽", ticket);
	tu_assert_contains(screen, want);

	/* Africa's Talking sends the step again: the same screen, one question. */
	assert_int_equal(ussd(w, "ATUid_1", FARMER, text, &again), 200);
	assert_string_equal(again, screen);
	free(again);
	free(screen);
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM consultations WHERE channel ="
	    " 'ussd' AND classified_by = 'menu' AND category = 'poultry' AND question ="
	    " '鹅苗死亡很多*怎么办'"), 1);

	/* The expert is told by SMS, as for any question; the farmer gets no acknowledgement SMS. */
	assert_int_equal(fp_wait(&w->fake, 1), 1);
	tu_assert_contains(fp_find(&w->fake, EXPERT, "鹅苗死亡很多*怎么办"), "家禽");
	assert_int_equal(fp_count_to(&w->fake, FARMER), 0);

	/* The expert answers from the phone; the answer reaches the farmer by SMS. */
	snprintf(form, sizeof(form), "from=" EXPERT "&text=%lld 建议先隔离病鹅，保温，饮水中加电解多维",
	    ticket);
	assert_int_equal(h_post_form(w, form, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r, "action")), "answer");
	json_decref(r);
	assert_int_equal(fp_wait(&w->fake, 3), 3);
	answer = fp_find(&w->fake, FARMER, "建议先隔离病鹅，保温，饮水中加电解多维");
	assert_non_null(answer);
	tu_assert_contains(answer, "王专家");

	/* A new session: the question and its answer on the screen, then a rating. */
	snprintf(want, sizeof(want), "CON 我的问题（选择查看答复）：\n1 #%lld 已答复 鹅苗死亡很多*怎么办\n"
	    "00 返回", ticket);
	expect(w, "ATUid_2", "2", want);
	snprintf(want, sizeof(want), "CON #%lld 王专家答复：建议先隔离病鹅，保温，饮水中加电解多维\n"
	    "00 返回", ticket);
	expect(w, "ATUid_2", "2*1", want);
	expect(w, "ATUid_2", "2*1*00", "CON 我的问题");
	expect(w, "ATUid_2", "2*1*00*00", "CON 科技扶贫在线");
	snprintf(want, sizeof(want), "CON 请为#%lld（王专家）的答复打分：", ticket);
	expect(w, "ATUid_2", "2*1*00*00*3", want);
	snprintf(want, sizeof(want), "END 感谢您对#%lld的评价（5分）！", ticket);
	expect(w, "ATUid_2", "2*1*00*00*3*5", want);
	snprintf(sql, sizeof(sql), "SELECT rating FROM consultations WHERE id = %lld", ticket);
	assert_int_equal(tu_query_int(w->db, sql), 5);

	/* Registering where the farmer lives, and a subscription. */
	expect(w, "ATUid_3", "5", "CON 请选择您所在的乡镇：\n1 舜山镇\n2 六郎镇\n00 返回");
	expect(w, "ATUid_3", "5*1", "CON 舜山镇，请选择村：\n1 六郎村\n2 大坪村\n00 返回");
	expect(w, "ATUid_3", "5*1*2", "END 已登记：舜山镇大坪村。");
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM farmers WHERE phone = '" FARMER
	    "' AND township = '舜山镇' AND village = '大坪村'"), 1);
	snprintf(text, sizeof(text), "4*%d", poultry);
	expect(w, "ATUid_4", text, "CON 已订阅家禽。\n");
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM subscriptions WHERE category ="
	    " 'poultry'"), 1);
	/* Every screen given is kept, once. */
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM ussd_steps WHERE session_id ="
	    " 'ATUid_1'"), 5);
}

static void
test_bad_requests_are_refused_with_reasons(void **state)
{
	struct world *w = *state;
	static const struct {
		const char *method, *path, *ctype, *body;
		long status;
		const char *reason;
	} cases[] = {
		{ "POST", USSD_PATH, "application/x-www-form-urlencoded",
		    "sessionId=s&serviceCode=%2A1%23&text=", 400, "phoneNumber is missing" },
		{ "POST", USSD_PATH, "application/x-www-form-urlencoded",
		    "serviceCode=%2A1%23&phoneNumber=13800000001&text=", 400, "sessionId is missing" },
		{ "POST", USSD_PATH, "application/x-www-form-urlencoded",
		    "sessionId=s&serviceCode=%2A1%23&phoneNumber=12&text=", 400,
		    "phoneNumber is not a phone number" },
		{ "POST", USSD_PATH, "application/x-www-form-urlencoded",
		    "sessionId=s&serviceCode=%2A1%23&phoneNumber=13800000001&text=%C3%28", 400,
		    "text is not valid UTF-8" },
		{ "POST", USSD_PATH, "application/json", "{\"sessionId\":\"s\"}", 415,
		    "x-www-form-urlencoded" },
		{ "GET", USSD_PATH, NULL, NULL, 405, "use POST" },
		/* F2: a step reads a farmer's questions and answers: nothing without the secret. */
		{ "POST", "/ussd/africastalking", "application/x-www-form-urlencoded",
		    "sessionId=s&serviceCode=%2A1%23&phoneNumber=13800000001&text=2", 403,
		    "token" },
		{ "POST", "/ussd/africastalking/ussd-secret-0123456789abcdeX",
		    "application/x-www-form-urlencoded",
		    "sessionId=s&serviceCode=%2A1%23&phoneNumber=13800000001&text=2", 403,
		    "token" },
		{ "POST", "/ussd/twilio", "application/x-www-form-urlencoded", "sessionId=s", 404,
		    "not configured" },
	};
	char *reply, *big;
	size_t i;
	long status;

	h_gateway_start(w);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		status = h_http(w, cases[i].method, cases[i].path, cases[i].ctype, cases[i].body,
		    cases[i].body ? strlen(cases[i].body) : 0, &reply);
		if (status != cases[i].status)
			fail_msg("case %zu: %ld, want %ld: %s", i, status, cases[i].status, reply);
		tu_assert_contains(reply, "\"error\"");
		tu_assert_contains(reply, cases[i].reason);
		free(reply);
	}
	/* A text past the cap, and a body past [http] max_body. */
	big = malloc(70 * 1024);
	strcpy(big, "sessionId=s&serviceCode=%2A1%23&phoneNumber=13800000001&text=");
	memset(big + strlen(big), '1', 1025);
	big[strlen("sessionId=s&serviceCode=%2A1%23&phoneNumber=13800000001&text=") + 1025] = '\0';
	assert_int_equal(h_http(w, "POST", USSD_PATH,
	    "application/x-www-form-urlencoded", big, strlen(big), &reply), 400);
	tu_assert_contains(reply, "text is longer than 1024 bytes");
	free(reply);
	memset(big, 'a', 70 * 1024 - 1);
	big[70 * 1024 - 1] = '\0';
	assert_int_equal(h_http(w, "POST", USSD_PATH,
	    "application/x-www-form-urlencoded", big, strlen(big), &reply), 413);
	free(reply);
	free(big);
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM ussd_steps"), 0);
}

static void
test_a_bad_menu_file_stops_start_up_naming_the_line_and_key(void **state)
{
	char *dir = tu_mkdtemp("ussd-menu"), *menu, *conf, *out, want[512];
	struct world *w;

	(void)state;
	menu = tu_write_file(dir, "ussd.conf", "[main]\ntitle = 科技扶贫在线\ntitel = 拼错了\n");
	if (asprintf(&conf, AT_CONF "[ussd]\nmenu = %s\n", menu) < 0)
		abort();
	w = h_world_new("ussd-bad", conf);
	assert_int_equal(h_run_cli(w, &out, "serve", NULL), 1);
	snprintf(want, sizeof(want), "farmline: %s:3: [main] titel: unknown key", menu);
	tu_assert_contains(out, want);
	free(out);
	h_world_free(w);
	free(conf);
	free(menu);
	tu_rmtree(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_a_ussd_question_is_answered_by_sms_and_rated_on_the_menu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests_are_refused_with_reasons, setup,
		    teardown),
		cmocka_unit_test(test_a_bad_menu_file_stops_start_up_naming_the_line_and_key),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("ussd over HTTP", tests, NULL, NULL);
}
