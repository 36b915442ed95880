/*
 * No full phone number in the log. A county's session through the real binary at log level
 * debug: farmers register, ask, follow up and rate; experts answer, pass, list and go off
 * duty; triage staff route; a commissioner asks for a farmer by number; timers remind and
 * reassign; the provider refuses one number and fails another once, naming them in its
 * errors; a delivery report names a number; bad requests carry numbers (one written "vx" and
 * the number, as farmers give their WeChat, inside JSON a provider did not escape); the rules
 * are reloaded. Then the gateway's whole stderr is searched for a run of 11 or more digits
 * (a full number, with or without +86): there must be none; nor in the provider's words
 * stored with the messages.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/faults/faultlib.h"
#include "tests/lib/testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F1 "+8613800000001"
#define F2 "+8613800000002"
#define F3 "+8613800000003"
#define F4 "+8613800000004"
#define F6 "+8613800000006"
#define F7 "+8613800000007"	/* the provider refuses this number, naming it */
#define F8 "+8613800000008"	/* the provider fails once for this number, naming it */
#define WANG "+8613900000001"	/* poultry */
#define LI "+8613900000002"	/* poultry */
#define ZHANG "+8613900000003"	/* livestock */
#define CHEN "+8613900000009"	/* triage */
#define ZHAO "+8613900000008"	/* commissioner */

static const char people_csv[] =
    "phone,name,categories,townships,role\n"
    WANG ",王专家,poultry,舜山镇,expert\n"
    LI ",李专家,家禽,,expert\n"
    ZHANG ",张专家,livestock,,expert\n"
    CHEN ",陈分诊,,,triage\n"
    ZHAO ",赵信息员,,舜山镇,commissioner\n";

static struct fprov g_fp;
static struct world *g_w;

static int
setup(void **state)
{
	(void)state;
	memset(&g_fp, 0, sizeof(g_fp));
	snprintf(g_fp.reject_to, sizeof(g_fp.reject_to), "%s", F7);
	snprintf(g_fp.flaky_to, sizeof(g_fp.flaky_to), "%s", F8);
	if (fp_start(&g_fp, 0) != 0)
		return -1;
	g_w = fl_world_new("logs", g_fp.port, 0,
	    "[general]\nlog_level = debug\n"
	    "[consult]\nbureau_contact = +8613900000100\nfollowup_window = 1h\n"
	    "[escalation]\nremind_after = 1s\nreassign_after = 2s\noff_duty_grace = 1s\n"
	    "check_interval = 100ms\n"
	    "[sender]\nretry_base = 100ms\nretry_max = 400ms\npoll_interval = 50ms\n"
	    "[townships]\n舜山镇 = 六郎村, 大坪村\n");
	fl_watchdog(90, g_w);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	fl_world_free(g_w);
	fp_free(&g_fp);
	return 0;
}

/* One SMS from a phone; 200 expected; the ticket it concerned. */
static long long
sms(const char *from, const char *text)
{
	char *form, *reply = NULL, *efrom = fl_form_escape(from, strlen(from));
	char *etext = fl_form_escape(text, strlen(text));
	long long ticket = 0;
	json_t *r;
	long status;

	if (asprintf(&form, "from=%s&text=%s", efrom, etext) < 0)
		abort();
	status = fl_post_form(NULL, g_w->gw.port, form, &reply);
	if (status != 200)
		fail_msg("%s from %s: %ld %s", text, from, status, reply ? reply : "");
	r = json_loads(reply, 0, NULL);
	ticket = json_integer_value(json_object_get(r, "ticket"));
	json_decref(r);
	free(reply);
	free(form);
	free(efrom);
	free(etext);
	return ticket;
}

/* A request that must be refused with a 4xx. */
static void
refused(const char *what, const char *method, const char *path, const char *ctype,
    const char *body)
{
	long status = fl_request(NULL, g_w->gw.port, method, path, NULL, ctype, body,
	    body ? strlen(body) : 0, NULL, NULL, NULL);

	if (status < 400 || status >= 500)
		fail_msg("%s: answered %ld, want a 4xx", what, status);
}

/* Wait until the fake provider accepted a message to "to" containing needle. */
static void
got(const char *to, const char *needle)
{
	int64_t until = h_now_ms() + WAIT_MS;
	int found = 0, i;

	while (!found && h_now_ms() < until) {
		pthread_mutex_lock(&g_fp.lock);
		for (i = 0; i < g_fp.n && !found; i++)
			found = g_fp.hits[i].status == 200 && strcmp(g_fp.hits[i].to, to) == 0 &&
			    strstr(g_fp.hits[i].text, needle) != NULL;
		pthread_mutex_unlock(&g_fp.lock);
		if (!found)
			h_sleep_ms(20);
	}
	if (!found)
		fail_msg("%s never got \"%s\"", to, needle);
}

static void
test_no_full_phone_number_in_the_log(void **state)
{
	char *csv, *out, *log, text[256], body[512];
	long long t1, t2, t3, t4;
	int64_t t0 = h_now_ms();
	int lines = 0, found;
	const char *p;

	(void)state;
	csv = tu_write_file(g_w->dir, "people.csv", people_csv);
	assert_int_equal(h_run_cli(g_w, &out, "expert", "import", csv, NULL), 0);
	free(out);
	free(csv);
	h_gateway_restart(g_w);

	/* Farmers and experts at work. */
	sms(F1, "登记 舜山镇 六郎村");
	t1 = sms(F1, "鹅苗死亡很多怎么办");
	got(WANG, "新问题#");
	sms(F1, "是刚买回来的苗");
	snprintf(text, sizeof(text), "%lld 建议先隔离病鹅，饮水加电解多维", t1);
	sms(WANG, text);
	got(F1, "王专家答复");
	sms(F1, "5");
	t2 = sms(F2, "猪拉稀不吃食怎么办");
	snprintf(text, sizeof(text), "转%lld", t2);
	sms(ZHANG, text);
	snprintf(text, sizeof(text), "%lld 先隔离病猪，补液，联系兽医", t2);
	sms(CHEN, text);
	sms(F2, "不满意");
	t3 = sms(F3, "你好请问一下");
	snprintf(text, sizeof(text), "分%lld 家禽", t3);
	sms(CHEN, text);
	sms(LI, "暂停");
	sms(WANG, "列表");
	sms(LI, "恢复");
	/* A commissioner asks for a farmer by number; nobody answers: reminder, reassignment. */
	t4 = sms(ZHAO, "代13800000005 鸡冠发紫是什么病");
	sms(F4, "帮助");
	sms(F4, "退订");
	/* A farmer gives a number in the question itself. */
	sms(F6, "加我vx13800000006 小鸡拉稀怎么办，电话13800000006");
	/* The provider refuses one number and fails once for another, naming each. */
	sms(F7, "鸭子不下蛋是什么原因");
	sms(F8, "鸽子拉绿色粪便");
	got(F8, "编号");
	/* A delivery report naming the number, for message 2 by the reference it was sent with. */
	{
		char *ref = fl_qs(g_w->db, "SELECT report_ref FROM messages WHERE id = 2");

		snprintf(body, sizeof(body), "{\"ref\":\"%s\",\"status\":\"failed\",\"reason\":"
		    "\"subscriber %s unreachable, tel%s\"}", ref ? ref : "none", F1, F1 + 3);
		free(ref);
	}
	fl_request(NULL, g_w->gw.port, "POST", "/dlr/http", NULL, "application/json", body,
	    strlen(body), NULL, NULL, NULL);
	snprintf(body, sizeof(body), "{\"id\":\"999999\",\"status\":\"delivered\","
	    "\"reason\":\"to %s\"}", F2);
	fl_request(NULL, g_w->gw.port, "POST", "/dlr/http", NULL, "application/json", body,
	    strlen(body), NULL, NULL, NULL);
	snprintf(body, sizeof(body), "{\"id\":\"%s\",\"status\":\"failed\"}", F3);
	fl_request(NULL, g_w->gw.port, "POST", "/dlr/http", NULL, "application/json", body,
	    strlen(body), NULL, NULL, NULL);

	/* Bad requests carrying numbers. */
	refused("a number too long", "POST", "/sms/inbound", "application/x-www-form-urlencoded",
	    "from=%2B86138000000012&text=鸡瘟");
	refused("a number with a scheme", "POST", "/sms/inbound",
	    "application/x-www-form-urlencoded", "from=tel:%2B8613800000001&text=鸡瘟");
	refused("JSON a provider did not escape: a newline after a WeChat id", "POST",
	    "/sms/inbound", "application/json",
	    "{\"from\":\"+8613800000001\",\"text\":\"加我vx13800000001\n\"}");
	refused("JSON with a tab after a number", "POST", "/sms/inbound", "application/json",
	    "{\"from\":\"+8613800000001\",\"text\":\"13800000001\t\"}");
	refused("JSON with a number after it", "POST", "/sms/inbound", "application/json",
	    "{\"from\":\"+8613800000001\",\"text\":\"x\"} 13800000002");
	refused("JSON with two numbers run together", "POST", "/sms/inbound", "application/json",
	    "{\"from\":\"+8613800000001\",\"text\":\"1380000000113800000002\n\"}");
	refused("a number as the JSON from", "POST", "/sms/inbound", "application/json",
	    "{\"from\":8613800000001,\"text\":\"鸡瘟\"}");
	refused("GET with numbers in the query", "GET", "/sms/inbound?from=%2B8613800000001&text=x",
	    NULL, NULL);
	refused("a number in the path", "POST", "/sms/8613800000001",
	    "application/x-www-form-urlencoded", "from=%2B8613800000001&text=x");

	/* The timers: #t4 reminded, then reassigned; the rules reloaded. */
	assert_int_equal(h_db_wait(g_w, "SELECT count(*) > 0 FROM events WHERE kind = 'reassigned'",
	    1), 1);
	kill(g_w->gw.pid, SIGHUP);
	assert_true(h_log_wait(g_w, "rules reloaded"));
	h_sleep_ms(500);	/* the refused and retried SMS have been tried */
	assert_int_equal(h_gateway_stop(g_w), 0);

	log = h_gateway_log(g_w);
	for (p = log; *p; p++)
		lines += *p == '\n';
	if (getenv("FAULT_SHOW_LOG"))
		fputs(log, stdout);
	found = fl_grep_numbers(log, "logs");
	printf("logs: %d log lines at level debug from a session of %lld consultations (a"
	    " reminder, a reassignment, a refused and a retried SMS, %d bad requests with numbers);"
	    " %d hold a full phone number; %.1f s\n", lines, fl_q(g_w->db, "SELECT count(*) FROM"
	    " consultations"), 9, found, (double)(h_now_ms() - t0) / 1000.0);
	assert_non_null(strstr(log, "refused"));
	assert_non_null(strstr(log, "will be retried"));
	free(log);
	(void)t4;
	assert_int_equal(found, 0);
	/*
	 * F7: the provider's words stored with a message (its refusal, a report's reason) go to
	 * staff by SMS and into `farmline show`: the numbers in them are masked as in the log.
	 */
	{
		static const char digits11[] = "'*[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]"
		    "[0-9]*'";
		long long errors = fl_q(g_w->db, "SELECT count(*) FROM messages WHERE last_error IS"
		    " NOT NULL"), whole = fl_q(g_w->db, "SELECT count(*) FROM messages WHERE"
		    " last_error GLOB %s", digits11), details = fl_q(g_w->db, "SELECT count(*) FROM"
		    " events WHERE detail GLOB %s", digits11), masked = fl_q(g_w->db, "SELECT"
		    " count(*) FROM messages WHERE last_error LIKE '%%****%%'");

		printf("logs: %lld stored provider errors, %lld naming a number masked, %lld with a "
		    "whole number; %lld event details with one\n", errors, masked, whole, details);
		assert_true(masked > 0);
		assert_int_equal(whole, 0);
		assert_int_equal(details, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_full_phone_number_in_the_log, setup,
		    teardown),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("faults: phone numbers in the log", tests, NULL, NULL);
}
