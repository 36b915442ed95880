/*
 * What the bureau sees through the real binary: the JSON API and /metrics behind the bearer
 * token, the dashboard's sign-in, and the report and broadcast commands, over a small day of
 * questions whose figures are counted by hand below.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/lib/harness.h"
#include "tests/lib/testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN "county-bureau-2018"
#define BEARER "Authorization: Bearer " TOKEN
#define EXPERT "+8613900000002"

static int
setup(void **state)
{
	*state = h_world_new("bureau", "[bureau]\napi_token = " TOKEN "\n"
	    "[townships]\n舜山镇 =\n");
	return *state ? 0 : -1;
}

static int
teardown(void **state)
{
	h_world_free(*state);
	return 0;
}

static json_t *
get_json(struct world *w, const char *path, long want)
{
	const char *const auth[] = { BEARER, NULL };
	char *text;
	json_t *j;
	long status = h_http_ex(w, "GET", path, auth, NULL, NULL, 0, &text, NULL);

	if (status != want)
		fail_msg("GET %s: %ld, want %ld: %s", path, status, want, text);
	j = json_loads(text, 0, NULL);
	if (j == NULL)
		fail_msg("GET %s: not JSON: %s", path, text);
	free(text);
	return j;
}

/*
 * The day: farmer 1 (舜山镇) asks about geese, farmer 2 about pigs (no livestock expert:
 * it waits), farmer 3 about ducks; the poultry expert answers farmer 1, who rates it 5.
 * So: 3 consultations, 1 answered, 1 rated (5), 2 open; 3 farmers; 2 poultry, 1 livestock.
 */
static void
play_the_day(struct world *w)
{
	json_t *r;

	assert_int_equal(h_run_cli(w, NULL, "expert", "add", "--phone", EXPERT, "--name", "王专家",
	    "--categories", "poultry", NULL), 0);
	h_gateway_start(w);
	assert_int_equal(h_post_form(w, "from=+8613800000001&text=登记 舜山镇", &r), 200);
	json_decref(r);
	assert_int_equal(h_post_form(w, "from=+8613800000001&text=鹅苗死亡很多怎么办", &r), 200);
	json_decref(r);
	assert_int_equal(h_post_form(w, "from=+8613800000002&text=猪不吃食", &r), 200);
	json_decref(r);
	assert_int_equal(h_post_form(w, "from=+8613800000003&text=鸭子不下蛋", &r), 200);
	json_decref(r);
	assert_int_equal(h_post_form(w, "from=" EXPERT "&text=1 建议先隔离病鹅", &r), 200);
	json_decref(r);
	assert_int_equal(h_post_form(w, "from=+8613800000001&text=5", &r), 200);
	json_decref(r);
}

static void
test_the_api_gives_the_day_s_figures_behind_the_token(void **state)
{
	struct world *w = *state;
	const char *const wrong[] = { "Authorization: Bearer county-bureau-2019", NULL };
	char *text, *headers;
	json_t *j, *v;

	play_the_day(w);
	/* No token, a wrong one: 401, with the scheme named. */
	assert_int_equal(h_http_ex(w, "GET", "/api/stats", NULL, NULL, NULL, 0, &text, &headers),
	    401);
	tu_assert_contains(headers, "WWW-Authenticate: Bearer");
	tu_assert_contains(text, "bearer token");
	free(text);
	free(headers);
	assert_int_equal(h_http_ex(w, "GET", "/api/stats", wrong, NULL, NULL, 0, NULL, NULL), 401);
	assert_int_equal(h_http_ex(w, "GET", "/metrics", NULL, NULL, NULL, 0, NULL, NULL), 401);

	j = get_json(w, "/api/stats", 200);
	v = json_object_get(j, "volume");
	assert_int_equal(json_integer_value(json_object_get(v, "consultations")), 3);
	assert_int_equal(json_integer_value(json_object_get(v, "farmers")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(v,
	    "by_category"), 0), "consultations")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(v,
	    "by_category"), 0), "label")), "家禽");
	v = json_object_get(j, "service");
	assert_int_equal(json_integer_value(json_object_get(v, "answered")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "backlog"),
	    "open")), 2);
	v = json_object_get(j, "satisfaction");
	assert_int_equal(json_integer_value(json_object_get(v, "rated")), 1);
	assert_true(json_real_value(json_object_get(v, "mean_rating")) == 5.0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "registry"),
	    "experts")), 1);
	json_decref(j);
	/* A period before anything happened is empty, not an error. */
	j = get_json(w, "/api/stats?from=2001-01-01&to=2001-12-31", 200);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "volume"),
	    "consultations")), 0);
	json_decref(j);
	j = get_json(w, "/api/stats?from=2018-13-45", 400);
	json_decref(j);
	j = get_json(w, "/api/stats?from=2026-02-30", 400);
	json_decref(j);
	/* A period that ends before it starts is refused, not answered with nothing. */
	j = get_json(w, "/api/stats?from=2026-12-31&to=2026-12-01", 400);
	assert_non_null(strstr(json_string_value(json_object_get(j, "error")), "2026-12-31"));
	json_decref(j);
	j = get_json(w, "/api/consultations?from=2026-12-31&to=2026-12-01", 400);
	json_decref(j);
	j = get_json(w, "/api/stats?from=2026-12-01&to=2026-12-01", 200);
	json_decref(j);

	/* Consultations: filtered and paged, farmer numbers masked. */
	j = get_json(w, "/api/consultations?status=open", 200);
	assert_int_equal(json_integer_value(json_object_get(j, "total")), 2);
	json_decref(j);
	j = get_json(w, "/api/consultations?category=家禽&per_page=1&page=2", 200);
	assert_int_equal(json_integer_value(json_object_get(j, "total")), 2);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(j,
	    "items"), 0), "ticket")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j,
	    "items"), 0), "farmer")), "138****0001");
	json_decref(j);
	j = get_json(w, "/api/consultations?township=舜山镇", 200);
	assert_int_equal(json_integer_value(json_object_get(j, "total")), 1);
	json_decref(j);
	j = get_json(w, "/api/consultations?per_page=500", 400);
	json_decref(j);
	j = get_json(w, "/api/consultations?status=lost", 400);
	json_decref(j);
}

/* Replace the first "from" in the file at path with "to". */
static void
edit_file(const char *path, const char *from, const char *to)
{
	FILE *f = fopen(path, "r");
	char *text, *at, *dir, *name, *out;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	at = strstr(text, from);
	assert_non_null(at);
	*at = '\0';
	assert_true(asprintf(&out, "%s%s%s", text, to, at + strlen(from)) > 0);
	dir = strdup(path);
	name = strrchr(dir, '/');
	*name++ = '\0';
	free(tu_write_file(dir, name, out));
	free(dir);
	free(out);
	free(text);
}

static void
test_the_api_sees_the_rules_reloaded_on_sighup(void **state)
{
	struct world *w = *state;
	char *rules, *line;
	json_t *j;

	/* The gateway reads a copy of the rules that the test edits. */
	assert_true(asprintf(&rules, "%s/categories.conf", w->dir) > 0);
	assert_true(asprintf(&line, "rules = %s", rules) > 0);
	h_copy_file("config/categories.conf", rules);
	edit_file(w->conf, "rules = config/categories.conf", line);
	free(line);
	play_the_day(w);
	j = get_json(w, "/api/consultations?category=poultry&per_page=1", 200);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j,
	    "items"), 0), "label")), "家禽");
	json_decref(j);

	edit_file(rules, "[poultry]\nname = 家禽\n", "[poultry]\nname = 家禽养殖\n");
	kill(w->gw.pid, SIGHUP);
	assert_true(h_log_wait(w, "rules reloaded"));
	/* The new name, in the list and in the figures; and the filter takes it. */
	j = get_json(w, "/api/consultations?category=家禽养殖&per_page=1", 200);
	assert_int_equal(json_integer_value(json_object_get(j, "total")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j,
	    "items"), 0), "label")), "家禽养殖");
	json_decref(j);
	j = get_json(w, "/api/stats", 200);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
	    json_object_get(j, "volume"), "by_category"), 0), "label")), "家禽养殖");
	json_decref(j);
	free(rules);
}

static void
test_metrics_count_what_came_in_and_went_out(void **state)
{
	struct world *w = *state;
	const char *const auth[] = { BEARER, NULL };
	char *text;

	play_the_day(w);
	/* Six stored webhooks; wait until the sender has handed out every SMS. */
	h_db_wait(w, "SELECT count(*) FROM messages WHERE direction = 'out' AND status = 'queued'",
	    0);
	assert_int_equal(h_http_ex(w, "GET", "/metrics", auth, NULL, NULL, 0, &text, NULL), 200);
	tu_assert_contains(text, "# TYPE farmline_inbound_total counter");
	tu_assert_contains(text, "farmline_inbound_total{result=\"stored\"} 6");
	tu_assert_contains(text, "farmline_questions_total 3");
	tu_assert_contains(text, "farmline_answers_total 1");
	tu_assert_contains(text, "farmline_classify_seconds_count 3");
	tu_assert_contains(text, "farmline_response_seconds_count 1");
	tu_assert_contains(text, "farmline_open_consultations 2");
	tu_assert_contains(text, "farmline_build_info{version=\"" FARMLINE_VERSION "\"} 1");
	tu_assert_contains(text, "farmline_outbox_messages{status=\"queued\"} 0");
	free(text);
}

/* The session cookie of a sign-in's response headers, as a "Cookie: …" request header. */
static void
session_cookie(const char *headers, char *cookie, size_t len)
{
	const char *p = strstr(headers, "farmline_session=");

	assert_non_null(p);
	snprintf(cookie, len, "Cookie: %.*s", (int)strcspn(p, ";\r\n"), p);
}

static long
sign_in(struct world *w, const char *token, const char *const *extra, char **headers)
{
	char form[128];

	snprintf(form, sizeof(form), "token=%s", token);
	return h_http_ex(w, "POST", "/login", extra, "application/x-www-form-urlencoded", form,
	    strlen(form), NULL, headers);
}

static void
test_the_dashboard_signs_in_to_a_session_of_its_own(void **state)
{
	struct world *w = *state;
	char *text, *headers, cookie[256], cookie2[256];
	const char *const with_cookie[] = { cookie, NULL };
	const char *const with_cookie2[] = { cookie2, NULL };
	const char *const https[] = { "X-Forwarded-Proto: https", NULL };
	const char *const forged[] = { "Cookie: farmline_session="
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", NULL };
	const char *const raw_token[] = { "Cookie: farmline_session=" TOKEN, NULL };

	h_gateway_start(w);
	/* Without a session: the sign-in form, in Chinese. */
	assert_int_equal(h_http(w, "GET", "/", NULL, NULL, 0, &text), 200);
	tu_assert_contains(text, "访问口令");
	free(text);
	assert_int_equal(sign_in(w, "nope", NULL, NULL), 401);			/* try 1 */
	/* A token in a URL is never taken, right or wrong, and sets nothing. */
	assert_int_equal(h_http_ex(w, "GET", "/?token=" TOKEN, NULL, NULL, NULL, 0, NULL,
	    &headers), 400);
	assert_null(strstr(headers, "Set-Cookie"));
	free(headers);
	assert_int_equal(h_http_ex(w, "GET", "/api/stats?token=" TOKEN, NULL, NULL, NULL, 0, NULL,
	    NULL), 400);

	/* The form: a random session id in the cookie, not the token; no Secure over HTTP. */
	assert_int_equal(sign_in(w, TOKEN, NULL, &headers), 303);		/* try 2 */
	tu_assert_contains(headers, "Location: /\r\n");
	tu_assert_contains(headers, "HttpOnly; SameSite=Strict; Max-Age=43200");
	assert_null(strstr(headers, "Secure"));
	assert_null(strstr(headers, TOKEN));
	session_cookie(headers, cookie, sizeof(cookie));
	assert_int_equal(strlen(cookie), strlen("Cookie: farmline_session=") + 64);
	free(headers);
	assert_int_equal(h_http_ex(w, "GET", "/api/stats", with_cookie, NULL, NULL, 0, NULL, NULL),
	    200);
	/* Behind a proxy on this machine that says HTTPS: Secure. */
	assert_int_equal(sign_in(w, TOKEN, https, &headers), 303);		/* try 3 */
	tu_assert_contains(headers, "SameSite=Strict; Max-Age=43200; Secure");
	session_cookie(headers, cookie2, sizeof(cookie2));
	free(headers);
	/* Stored by digest only: the id is nowhere in the database. */
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM bureau_sessions"), 2);
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM bureau_sessions WHERE "
	    "length(hash) = 32"), 2);
	/* A made-up session, or the token itself as a cookie: no. */
	assert_int_equal(h_http_ex(w, "GET", "/api/stats", forged, NULL, NULL, 0, NULL, NULL), 401);
	assert_int_equal(h_http_ex(w, "GET", "/api/stats", raw_token, NULL, NULL, 0, NULL, NULL),
	    401);

	/* Signing out ends that session only. */
	assert_int_equal(h_http_ex(w, "POST", "/logout", with_cookie, NULL, NULL, 0, NULL,
	    &headers), 303);
	tu_assert_contains(headers, "farmline_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
	free(headers);
	assert_int_equal(h_http_ex(w, "GET", "/api/stats", with_cookie, NULL, NULL, 0, NULL, NULL),
	    401);
	assert_int_equal(h_http_ex(w, "GET", "/api/stats", with_cookie2, NULL, NULL, 0, NULL,
	    NULL), 200);

	/* Five tries a minute from one address; the sixth, even with the token, waits. */
	assert_int_equal(sign_in(w, "nope", NULL, NULL), 401);			/* try 4 */
	assert_int_equal(sign_in(w, "nope", NULL, NULL), 401);			/* try 5 */
	assert_int_equal(sign_in(w, TOKEN, NULL, &headers), 429);
	tu_assert_contains(headers, "Retry-After: ");
	assert_null(strstr(headers, "Set-Cookie"));
	free(headers);

	/* Files are served from the dashboard folder only. */
	assert_int_equal(h_http(w, "GET", "/assets/../config/farmline.conf", NULL, NULL, 0, NULL),
	    404);
	assert_int_equal(h_http(w, "GET", "/assets/.hidden", NULL, NULL, 0, NULL), 404);
	assert_int_equal(h_http(w, "DELETE", "/api/stats", NULL, NULL, 0, NULL), 405);

	/* A new token signs everyone out. */
	assert_int_equal(h_gateway_stop(w), 0);
	edit_file(w->conf, "api_token = " TOKEN, "api_token = county-bureau-2019-new");
	h_gateway_restart(w);
	assert_int_equal(h_http_ex(w, "GET", "/api/stats", with_cookie2, NULL, NULL, 0, NULL,
	    NULL), 401);
	assert_int_equal(sign_in(w, "county-bureau-2019-new", NULL, NULL), 303);
}

static void
test_the_report_and_a_broadcast_from_the_command_line(void **state)
{
	struct world *w = *state;
	char *out;
	json_t *r;

	play_the_day(w);
	assert_int_equal(h_run_cli(w, &out, "report", NULL), 0);
	tu_assert_contains(out, "共受理农户技术咨询3条，涉及农户3户");
	tu_assert_contains(out, "已答复1条，答复率33.3%");
	free(out);
	/* Farmer 3 opts out: a broadcast to everyone reaches farmers 1 and 2 only. */
	assert_int_equal(h_post_form(w, "from=+8613800000003&text=退订", &r), 200);
	json_decref(r);
	assert_int_equal(h_run_cli(w, &out, "broadcast", "--text", "寒潮来袭，请做好防冻", NULL), 0);
	tu_assert_contains(out, "2 SMS queued");
	free(out);
	assert_int_equal(h_db_wait(w, "SELECT count(*) FROM messages WHERE kind = 'broadcast' AND"
	    " status = 'sent'", 2), 2);
	assert_non_null(fp_find(&w->fake, "+8613800000002", "寒潮来袭"));
	assert_null(fp_find(&w->fake, "+8613800000003", "寒潮来袭"));
	assert_int_equal(h_run_cli(w, &out, "broadcast", "--category", "香蕉", "--text", "x", NULL),
	    1);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_the_api_gives_the_day_s_figures_behind_the_token,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_api_sees_the_rules_reloaded_on_sighup, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_metrics_count_what_came_in_and_went_out, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_the_dashboard_signs_in_to_a_session_of_its_own,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_report_and_a_broadcast_from_the_command_line,
		    setup, teardown),
	};

	return cmocka_run_group_tests_name("bureau", tests, NULL, NULL);
}
