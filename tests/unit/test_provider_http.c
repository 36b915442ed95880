/*
 * The generic HTTP provider against a small server on loopback, table-driven: what the
 * provider answers → sent, retried or failed. And the backoff between attempts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/config.h"
#include "gateway/provider.h"
#include "gateway/sender.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct reply {
	unsigned int status;
	const char *body;
	int delay_ms;
};

struct server {
	struct MHD_Daemon *d;
	int port;
	struct reply next;
	char last_body[1024];
};

static enum MHD_Result
serve(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct server *srv = cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	(void)url;
	(void)method;
	(void)version;
	if (*con_cls == NULL) {
		*con_cls = srv;
		srv->last_body[0] = '\0';
		return MHD_YES;
	}
	if (*upload_size) {
		strncat(srv->last_body, upload, *upload_size < sizeof(srv->last_body) -
		    strlen(srv->last_body) - 1 ? *upload_size : 0);
		*upload_size = 0;
		return MHD_YES;
	}
	if (srv->next.delay_ms) {
		struct timespec ts = { 0, srv->next.delay_ms * 1000000L };

		nanosleep(&ts, NULL);
	}
	resp = MHD_create_response_from_buffer(strlen(srv->next.body), (void *)srv->next.body,
	    MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(conn, srv->next.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

struct fixture {
	struct server srv;
	struct config cfg;
	struct gw_provider *p;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_in sa;
	char url[128], err[256];

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->srv.d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL, serve, &f->srv,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
	if (f->srv.d == NULL)
		return -1;
	f->srv.port = MHD_get_daemon_info(f->srv.d, MHD_DAEMON_INFO_BIND_PORT)->port;
	config_defaults(&f->cfg);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/sms", f->srv.port);
	config_set_string(&f->cfg.provider_url, url);
	f->cfg.provider_timeout_ms = 300;
	f->p = gw_provider_http.open(&f->cfg, err, sizeof(err));
	if (f->p == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	gw_provider_http.close(f->p);
	MHD_stop_daemon(f->srv.d);
	config_free(&f->cfg);
	free(f);
	return 0;
}

static void
test_provider_answers_map_to_sent_retry_or_fail(void **state)
{
	static const struct {
		struct reply reply;
		enum gw_send_status want;
		const char *provider_id;
	} cases[] = {
		{ { 200, "{\"id\":\"abc-1\"}", 0 }, GW_SEND_OK, "abc-1" },
		{ { 201, "{\"id\":42}", 0 }, GW_SEND_OK, "42" },
		{ { 202, "", 0 }, GW_SEND_OK, "" },
		{ { 200, "not json", 0 }, GW_SEND_OK, "" },
		{ { 503, "busy", 0 }, GW_SEND_RETRY, NULL },
		{ { 500, "", 0 }, GW_SEND_RETRY, NULL },
		{ { 429, "slow down", 0 }, GW_SEND_RETRY, NULL },
		{ { 400, "{\"error\":\"bad number\"}", 0 }, GW_SEND_FAIL, NULL },
		{ { 404, "", 0 }, GW_SEND_FAIL, NULL },
		{ { 200, "{\"id\":\"late\"}", 800 }, GW_SEND_RETRY, NULL },	/* past the timeout */
	};
	struct fixture *f = *state;
	struct gw_outbound m = { 7, "10690000", "+8613800000001", "鹅苗死亡很多怎么办", 1 };
	struct gw_send_result r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f->srv.next = cases[i].reply;
		gw_provider_http.send(f->p, &m, &r);
		if (r.status != cases[i].want)
			fail_msg("HTTP %u: status %d, want %d (%s)", cases[i].reply.status, r.status,
			    cases[i].want, r.error);
		if (cases[i].provider_id)
			assert_string_equal(r.provider_id, cases[i].provider_id);
		else
			assert_true(r.error[0] != '\0');
	}
}

static void
test_request_is_the_json_of_design_md(void **state)
{
	struct fixture *f = *state;
	struct gw_outbound m = { 7, "10690000", "+8613800000001", "鹅苗死亡很多怎么办", 1 };
	struct gw_send_result r;
	json_t *body;

	f->srv.next = (struct reply){ 200, "{}", 0 };
	gw_provider_http.send(f->p, &m, &r);
	body = json_loads(f->srv.last_body, 0, NULL);
	assert_non_null(body);
	assert_string_equal(json_string_value(json_object_get(body, "id")), "7");
	assert_string_equal(json_string_value(json_object_get(body, "from")), "10690000");
	assert_string_equal(json_string_value(json_object_get(body, "to")), "+8613800000001");
	assert_string_equal(json_string_value(json_object_get(body, "text")), "鹅苗死亡很多怎么办");
	json_decref(body);
}

static void
test_a_refused_connection_is_retried(void **state)
{
	struct fixture *f = *state;
	struct gw_outbound m = { 8, "10690000", "+8613800000001", "hi", 1 };
	struct gw_send_result r;
	struct gw_provider *p;
	char err[256];

	(void)f;
	config_set_string(&f->cfg.provider_url, "http://127.0.0.1:1/sms");
	p = gw_provider_http.open(&f->cfg, err, sizeof(err));
	assert_non_null(p);
	gw_provider_http.send(p, &m, &r);
	assert_int_equal(r.status, GW_SEND_RETRY);
	gw_provider_http.close(p);
}

static void
test_backoff_doubles_up_to_the_cap_with_a_little_jitter(void **state)
{
	unsigned seed = 1;
	int64_t d;
	int attempt;

	(void)state;
	for (attempt = 1; attempt <= 12; attempt++) {
		int64_t base = 10000LL << (attempt - 1);

		if (base > 3600000)
			base = 3600000;
		d = gw_sender_backoff(10000, 3600000, attempt, &seed);
		if (d < base || d > base + base / 10)
			fail_msg("attempt %d: %lld ms, want %lld..%lld", attempt, (long long)d,
			    (long long)base, (long long)(base + base / 10));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_provider_answers_map_to_sent_retry_or_fail),
		cmocka_unit_test(test_request_is_the_json_of_design_md),
		cmocka_unit_test(test_a_refused_connection_is_retried),
		cmocka_unit_test(test_backoff_doubles_up_to_the_cap_with_a_little_jitter),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("provider_http", tests, setup, teardown);
}
