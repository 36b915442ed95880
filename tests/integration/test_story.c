/*
 * The whole path through the real binary: an expert is registered, a farmer's question comes in
 * over HTTP, the acknowledgement and the expert's notice reach a fake provider on loopback, the
 * expert's answer reaches the farmer, bad input is refused with reasons, the gateway stops on
 * SIGINT and starts again with everything kept.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/sms.h"
#include "tests/lib/harness.h"
#include "tests/lib/testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define FARMER "+8613800000001"
#define FARMER2 "+8613800000007"
#define EXPERT "+8613900000002"
#define EXPERT2 "+8613900000003"

static int
setup(void **state)
{
	*state = h_world_new("story", NULL);
	return *state ? 0 : -1;
}

static int
teardown(void **state)
{
	h_world_free(*state);
	return 0;
}

static void
test_question_answer_restart_story(void **state)
{
	struct world *w = *state;
	json_t *r;
	char form[512], *out, ticket[32];
	const char *ack, *notice, *answer;
	long long t1, t2;
	int have;

	/* The bureau registers an expert before anything comes in. */
	assert_int_equal(h_run_cli(w, &out, "expert", "add", "--phone", EXPERT, "--name", "王专家",
	    "--categories", "poultry", NULL), 0);
	free(out);
	assert_int_equal(h_run_cli(w, NULL, "expert", "add", "--phone", EXPERT2, "--name", "李专家",
	    "--categories", "livestock", NULL), 0);
	h_gateway_start(w);

	/* The farmer asks. */
	assert_int_equal(h_post_form(w, "from=" FARMER "&text=鹅苗死亡很多怎么办", &r), 200);
	t1 = json_integer_value(json_object_get(r, "ticket"));
	assert_true(t1 > 0);
	assert_string_equal(json_string_value(json_object_get(r, "action")), "question");
	json_decref(r);
	snprintf(ticket, sizeof(ticket), "%lld", t1);

	have = fp_wait(&w->fake, 2);
	assert_int_equal(have, 2);
	ack = fp_find(&w->fake, FARMER, ticket);
	tu_assert_contains(ack, "家禽");
	assert_int_equal(sms_segments(ack), 1);
	notice = fp_find(&w->fake, EXPERT, ticket);
	tu_assert_contains(notice, "家禽");
	tu_assert_contains(notice, "138****0001");
	tu_assert_contains(notice, "鹅苗死亡很多怎么办");

	/* The expert replies from the phone with the ticket. */
	snprintf(form, sizeof(form), "from=" EXPERT "&text=%lld 建议先隔离病鹅……", t1);
	assert_int_equal(h_post_form(w, form, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r, "action")), "answer");
	json_decref(r);
	assert_int_equal(fp_wait(&w->fake, 4), 4);
	answer = fp_find(&w->fake, FARMER, "建议先隔离病鹅……");
	tu_assert_contains(answer, "王专家");
	snprintf(form, sizeof(form), "SELECT status = 'answered' AND answered_by = (SELECT id FROM"
	    " experts WHERE phone = '" EXPERT "') AND first_answered_at >= created_at FROM"
	    " consultations WHERE id = %lld", t1);
	assert_int_equal(tu_query_int(w->db, form), 1);
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM assignments WHERE outcome = 'answered'"
	    " AND ended_at IS NOT NULL"), 1);

	/* A second question, answered without a ticket: the expert's only open one. */
	assert_int_equal(h_post_form(w, "from=" FARMER2 "&text=小鸡拉稀怎么办&id=prov-77", &r), 200);
	t2 = json_integer_value(json_object_get(r, "ticket"));
	json_decref(r);
	/* The provider sends it again: acknowledged alike, processed once. */
	assert_int_equal(h_post_form(w, "from=" FARMER2 "&text=小鸡拉稀怎么办&id=prov-77", &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r, "ticket")), t2);
	json_decref(r);
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM consultations"), 2);
	assert_int_equal(h_post_form(w, "from=" EXPERT "&text=用土霉素拌料", &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r, "ticket")), t2);
	json_decref(r);
	fp_wait(&w->fake, 8);
	tu_assert_contains(fp_find(&w->fake, FARMER2, "用土霉素拌料"), "王专家");
	assert_int_equal(fp_count_to(&w->fake, FARMER2), 2);

	/* The provider refuses for a while: the message is retried, not lost or failed. */
	pthread_mutex_lock(&w->fake.lock);
	w->fake.fail_next = 2;
	pthread_mutex_unlock(&w->fake.lock);
	assert_int_equal(h_post_form(w, "from=+8613800000009&text=猪拉稀怎么办", &r), 200);
	json_decref(r);
	fp_wait(&w->fake, 10);
	assert_non_null(fp_find(&w->fake, "+8613800000009", "畜牧"));
	assert_int_equal(w->fake.refused, 2);
	assert_true(tu_query_int(w->db, "SELECT max(attempts) FROM messages WHERE direction = 'out'") >= 2);
	assert_int_equal(h_db_wait(w, "SELECT count(*) FROM messages WHERE direction = 'out' AND"
	    " status <> 'sent'", 0), 0);

	/* The bureau's figures. */
	if (h_run_cli(w, &out, "stats", NULL) != 0)
		fail_msg("stats failed: %s", out);
	tu_assert_contains(out, "家禽");
	tu_assert_contains(out, "已答复");
	tu_assert_contains(out, "王专家");
	tu_assert_contains(out, "鹅苗死亡很多怎么办");
	tu_assert_contains(out, "100.0%");
	free(out);

	/* The provider is down when the gateway stops: what was pending goes out after the restart. */
	pthread_mutex_lock(&w->fake.lock);
	w->fake.fail_next = 1000000;
	w->fake.refused = 0;
	pthread_mutex_unlock(&w->fake.lock);
	assert_int_equal(h_post_form(w, "from=+8613800000010&text=羊咳嗽流鼻涕", &r), 200);
	json_decref(r);
	while (tu_query_int(w->db, "SELECT count(*) FROM messages WHERE recipient = '+8613800000010' AND"
	    " attempts > 0 AND status = 'queued'") == 0)
		h_sleep_ms(20);

	/* Ctrl-C stops it cleanly; started again, everything is there. */
	assert_int_equal(h_gateway_stop(w), 0);
	tu_assert_contains(w->gw.log, "stopped");
	/* No log line carries a whole phone number. */
	if (strstr(w->gw.log, "13800000001") || strstr(w->gw.log, "13900000002"))
		fail_msg("a full phone number in the log:\n%s", w->gw.log);
	free(w->gw.log);
	w->gw.log = NULL;
	w->gw.log_len = 0;
	pthread_mutex_lock(&w->fake.lock);
	w->fake.fail_next = 0;
	pthread_mutex_unlock(&w->fake.lock);
	h_gateway_start(w);
	assert_int_equal(h_http(w, "GET", "/healthz", NULL, NULL, 0, NULL), 200);
	fp_wait(&w->fake, 12);
	assert_non_null(fp_find(&w->fake, "+8613800000010", "畜牧"));
	assert_int_equal(fp_count_to(&w->fake, "+8613800000010"), 1);
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM consultations WHERE status = 'answered'"),
	    2);
	assert_int_equal(h_db_wait(w, "SELECT count(*) FROM messages WHERE direction = 'out' AND"
	    " status <> 'sent'", 0), 0);
	if (h_run_cli(w, &out, "stats", "--format", "json", NULL) != 0)
		fail_msg("stats failed: %s", out);
	r = json_loads(out, 0, NULL);
	free(out);
	assert_non_null(r);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "total"),
	    "consultations")), 4);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "total"),
	    "answered")), 2);
	json_decref(r);
	assert_int_equal(h_gateway_stop(w), 0);
}

static void
test_bad_input_is_refused_with_reasons_and_nothing_valid_is_lost(void **state)
{
	struct world *w = *state;
	char *big, *reply, form[128];
	json_t *r;
	size_t i, n;

	assert_int_equal(h_run_cli(w, NULL, "expert", "add", "--phone", EXPERT, "--name", "王专家",
	    "--categories", "poultry", NULL), 0);
	assert_int_equal(h_run_cli(w, NULL, "expert", "add", "--phone", EXPERT2, "--name", "李专家",
	    "--categories", "livestock", NULL), 0);
	h_gateway_start(w);

	assert_int_equal(h_post_form(w, "text=hello", &r), 400);
	tu_assert_contains(json_string_value(json_object_get(r, "error")), "missing field: from");
	json_decref(r);
	assert_int_equal(h_post_form(w, "from=" FARMER, &r), 400);
	tu_assert_contains(json_string_value(json_object_get(r, "error")), "missing field: text");
	json_decref(r);
	assert_int_equal(h_post_form(w, "from=" FARMER "&text=", &r), 400);
	tu_assert_contains(json_string_value(json_object_get(r, "error")), "empty");
	json_decref(r);
	assert_int_equal(h_post_form(w, "from=12345&text=hi", &r), 400);
	tu_assert_contains(json_string_value(json_object_get(r, "error")), "not a phone number");
	json_decref(r);
	assert_int_equal(h_post_form(w, "from=" FARMER "&text=%FF%FE%00", &r), 400);
	tu_assert_contains(json_string_value(json_object_get(r, "error")), "UTF-8");
	json_decref(r);

	n = strlen("from=" FARMER "&text=");
	big = malloc(n + 2001 * 3 + 1);
	memcpy(big, "from=" FARMER "&text=", n);
	for (i = 0; i < 2001; i++)
		memcpy(big + n + i * 3, "鸡", 3);
	big[n + 2001 * 3] = '\0';
	assert_int_equal(h_post_form(w, big, &r), 400);
	tu_assert_contains(json_string_value(json_object_get(r, "error")), "longer than 2000");
	json_decref(r);
	free(big);

	big = malloc(70 * 1024 + 1);
	memset(big, 'a', 70 * 1024);
	memcpy(big, "from=" FARMER "&text=", n);
	big[70 * 1024] = '\0';
	assert_int_equal(h_post_form(w, big, &r), 413);
	json_decref(r);
	free(big);

	assert_int_equal(h_http(w, "POST", "/sms/inbound", "text/plain", "hi", 2, NULL), 415);
	assert_int_equal(h_http(w, "GET", "/sms/inbound", NULL, NULL, 0, NULL), 405);
	assert_int_equal(h_http(w, "GET", "/nowhere", NULL, NULL, 0, &reply), 404);
	tu_assert_contains(reply, "error");
	free(reply);
	assert_int_equal(h_http(w, "GET", "/healthz", NULL, NULL, 0, NULL), 200);

	/* An unknown ticket and someone else's ticket: 200 (stored), and the expert is told. */
	assert_int_equal(h_post_form(w, "from=" FARMER "&text=鹅苗死亡很多怎么办", &r), 200);
	json_decref(r);
	assert_int_equal(h_post_form(w, "from=" EXPERT "&text=#99999 答复", &r), 200);
	assert_string_equal(json_string_value(json_object_get(r, "action")), "rejected");
	json_decref(r);
	snprintf(form, sizeof(form), "from=" EXPERT2 "&text=#1 我来答");
	assert_int_equal(h_post_form(w, form, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r, "action")), "rejected");
	json_decref(r);
	fp_wait(&w->fake, 4);
	assert_non_null(fp_find(&w->fake, EXPERT, "没有编号为99999的问题"));
	assert_non_null(fp_find(&w->fake, EXPERT2, "#1不是分配给您的问题"));
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM messages WHERE kind = 'answer'"), 0);

	/* Through all that, the valid question was kept and the gateway kept serving. */
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM consultations"), 1);
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM messages WHERE direction = 'in'"), 3);
	assert_int_equal(h_http(w, "GET", "/healthz", NULL, NULL, 0, NULL), 200);
	assert_int_equal(h_gateway_stop(w), 0);
}

/*
 * F1: the generic webhook speaks for whoever is in "from" — an expert, a commissioner — so it
 * takes nothing without [http] inbound_token: a stranger's "answer" is refused, stored nowhere
 * and relayed to nobody.
 */
static void
test_a_stranger_without_the_token_cannot_speak_for_an_expert(void **state)
{
	static const char answer[] = "from=" EXPERT "&text=1 请把鹅全部扑杀，联系13812345678转账";
	static const struct {
		const char *name, *path, *auth;
		long want;
	} tries[] = {
		{ "no token", "/sms/inbound", "Authorization:", 401 },
		{ "a wrong token", "/sms/inbound", "Authorization: Bearer wrong-token-0123456789",
		    403 },
		{ "the token as Basic", "/sms/inbound", "Authorization: Basic " H_INBOUND_TOKEN,
		    401 },
		{ "a wrong token in the path", "/sms/inbound/wrong-token-0123456789",
		    "Authorization:", 403 },
		{ "the other path, no token", "/sms/http", "Authorization:", 401 },
	};
	struct world *w = *state;
	json_t *r;
	char *out;
	size_t i;

	assert_int_equal(h_run_cli(w, &out, "expert", "add", "--phone", EXPERT, "--name", "王专家",
	    "--categories", "poultry", NULL), 0);
	free(out);
	h_gateway_start(w);
	assert_int_equal(h_post_form(w, "from=" FARMER "&text=鹅苗死亡很多怎么办", &r), 200);
	json_decref(r);
	assert_int_equal(fp_wait(&w->fake, 2), 2);
	for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		const char *const extra[] = { tries[i].auth, NULL };
		long status = h_http_ex(w, "POST", tries[i].path, extra,
		    "application/x-www-form-urlencoded", answer, strlen(answer), NULL, NULL);

		if (status != tries[i].want)
			fail_msg("%s: %ld, want %ld", tries[i].name, status, tries[i].want);
	}
	/* A forged delivery report, too. */
	{
		const char *const none[] = { "Authorization:", NULL };

		assert_int_equal(h_http_ex(w, "POST", "/dlr/http", none,
		    "application/x-www-form-urlencoded", "id=2&status=delivered", 21, NULL, NULL),
		    401);
	}
	h_sleep_ms(300);
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM messages WHERE direction ="
	    " 'in'"), 1);
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM consultations WHERE status ="
	    " 'answered'"), 0);
	assert_int_equal(fp_count_to(&w->fake, FARMER), 1);	/* the acknowledgement only */
	/* With the token (the path form too), the expert's answer goes through. */
	assert_int_equal(h_http(w, "POST", "/sms/inbound/" H_INBOUND_TOKEN,
	    "application/x-www-form-urlencoded", "from=" EXPERT "&text=1 先隔离病鹅",
	    strlen("from=" EXPERT "&text=1 先隔离病鹅"), NULL), 200);
	assert_int_equal(fp_wait(&w->fake, 4), 4);
	tu_assert_contains(fp_find(&w->fake, FARMER, "先隔离病鹅"), "王专家");
	/* The refusals were logged, never the token. */
	assert_int_equal(h_log_wait(w, "refused with 401"), 1);
	pthread_mutex_lock(&w->gw.lock);
	assert_null(strstr(w->gw.log, H_INBOUND_TOKEN));
	pthread_mutex_unlock(&w->gw.lock);
}

static void
test_bad_config_stops_start_up_naming_file_line_and_key(void **state)
{
	struct world *w = *state;
	char *bad, *out;
	const char *bin = w->bin;
	int status, pipefd[2];
	char buf[1024];
	ssize_t n;
	pid_t pid;

	bad = tu_write_file(w->dir, "bad.conf", "[http]\nport = 8080\nthreads = 0\n");
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		execl(bin, bin, "-c", bad, "serve", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	n = read(pipefd[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	tu_assert_contains(buf, "bad.conf:3: [http] threads: 0 out of range 1..64");
	free(bad);

	/* A secret shorter than 16 characters, and the walkthrough's token off loopback. */
	{
		static const struct {
			const char *conf, *says;
		} secrets[] = {
			{ "[http]\nport = 0\ninbound_token = short-token\n",
			    "secrets.conf:3: [http] inbound_token: 11 characters; a secret needs "
			    "at least 16" },
			{ "[kannel]\nusername = k\ntoken = 0123456789\n",
			    "secrets.conf:3: [kannel] token: 10 characters" },
			{ "[africastalking]\ntoken = abc\n",
			    "secrets.conf:2: [africastalking] token:" },
			{ "[tencent]\ntoken = 123456789012345\n",
			    "secrets.conf:2: [tencent] token:" },
			{ "[aliyun]\n\ntoken = x\n", "secrets.conf:3: [aliyun] token:" },
			{ "[bureau]\napi_token = letmein\n",
			    "secrets.conf:2: [bureau] api_token: 7 characters" },
			{ "[http]\ninbound_token = has spaces in it, 32 chars\n",
			    "secrets.conf:2: [http] inbound_token: only letters, digits, - and _" },
			{ "[http]\nbind = 0.0.0.0\nport = 0\ninbound_token = "
			    "local-walkthrough-token-change-me\n", "set a secret of your own" },
		};
		size_t k;

		for (k = 0; k < sizeof(secrets) / sizeof(secrets[0]); k++) {
			char *conf;

			free(tu_write_file(w->dir, "secrets.conf", secrets[k].conf));
			if (asprintf(&conf, "%s/secrets.conf", w->dir) < 0)
				fail();
			out = NULL;
			{
				const char *saved = w->conf;

				w->conf = conf;
				status = h_run_cli(w, &out, "serve", NULL);
				w->conf = (char *)saved;
			}
			if (status != 1 || strstr(out, secrets[k].says) == NULL)
				fail_msg("%s: exit %d, said %s; want \"%s\"", secrets[k].conf,
				    status, out, secrets[k].says);
			free(out);
			free(conf);
		}
	}

	/* expert add with an unknown category says which ones exist. */
	assert_int_equal(h_run_cli(w, &out, "expert", "add", "--phone", EXPERT, "--name", "王",
	    "--categories", "chickens", NULL), 1);
	tu_assert_contains(out, "unknown category \"chickens\"");
	tu_assert_contains(out, "poultry");
	free(out);

	/* As root, serve starts only when told to. */
	if (geteuid() == 0) {
		const char *allow = getenv("FARMLINE_ALLOW_ROOT");
		char *saved = allow ? strdup(allow) : NULL;

		unsetenv("FARMLINE_ALLOW_ROOT");
		assert_int_equal(h_run_cli(w, &out, "serve", NULL), 1);
		tu_assert_contains(out, "refuses to run as root");
		free(out);
		if (saved)
			setenv("FARMLINE_ALLOW_ROOT", saved, 1);
		free(saved);
	}
}

static void
test_rules_reload_on_sighup_and_a_bad_file_keeps_the_old_ones(void **state)
{
	struct world *w = *state;
	char *rules, conf[2048];
	json_t *r;
	FILE *fp;

	if (asprintf(&rules, "%s/categories.conf", w->dir) < 0)
		fail();
	h_copy_file("config/categories.conf", rules);
	snprintf(conf, sizeof(conf), "[store]\npath = %s\n[http]\nport = 0\ninbound_token = "
	    H_INBOUND_TOKEN "\n[routing]\nrules = %s\n"
	    "[provider]\ntype = http\nurl = http://127.0.0.1:%d/send\n", w->db, rules,
	    w->fake.port);
	free(w->conf);
	w->conf = tu_write_file(w->dir, "farmline.conf", conf);
	h_gateway_start(w);

	assert_int_equal(h_post_form(w, "from=+8613800000021&text=羊驼不吃草", &r), 200);
	json_decref(r);
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM consultations WHERE id = 1 AND"
	    " category = 'livestock'"), 1);

	/* The county adds a category and tells the gateway. */
	fp = fopen(rules, "a");
	fputs("\n[camelid]\nname = 羊驼\npattern = 10 羊驼|驼羊\n", fp);
	fclose(fp);
	kill(w->gw.pid, SIGHUP);
	assert_true(h_log_wait(w, "rules reloaded"));
	assert_int_equal(h_post_form(w, "from=+8613800000022&text=羊驼不吃草", &r), 200);
	json_decref(r);
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM consultations WHERE id = 2 AND"
	    " category = 'camelid' AND rule LIKE '%categories.conf:%'"), 1);

	/* A mistake in the file: refused, and the rules in use stay. */
	fp = fopen(rules, "a");
	fputs("\n[broken]\nname = 坏\npattern = 3 (unclosed\n", fp);
	fclose(fp);
	kill(w->gw.pid, SIGHUP);
	assert_true(h_log_wait(w, "rules not reloaded"));
	assert_true(h_log_wait(w, "missing closing parenthesis"));
	assert_int_equal(h_post_form(w, "from=+8613800000023&text=羊驼不吃草", &r), 200);
	json_decref(r);
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM consultations WHERE id = 3 AND"
	    " category = 'camelid'"), 1);
	assert_int_equal(h_gateway_stop(w), 0);
	free(rules);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_question_answer_restart_story, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_bad_input_is_refused_with_reasons_and_nothing_valid_is_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_stranger_without_the_token_cannot_speak_for_an_expert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_config_stops_start_up_naming_file_line_and_key,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_rules_reload_on_sighup_and_a_bad_file_keeps_the_old_ones, setup, teardown),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("story", tests, NULL, NULL);
}
