/*
 * The Africa's Talking adapter, table-driven: incoming-message callbacks and delivery reports
 * in → the parse or the HTTP status; the messaging API request (username, to, message, from
 * with the apiKey header); and what its JSON answer means for the one recipient.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/config.h"
#include "gateway/provider.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORM "application/x-www-form-urlencoded"
#define API_KEY "atsk_5e0d2f1b8c9a7e6d4c3b2a1908f7e6d5c4b3a291"

/* A webhook request written as strings. */
struct req_in {
	const char *content_type;
	const char *body;
	size_t len;		/* 0: strlen(body) */
};

struct built {
	struct gw_req r;
	struct gw_kv headers[1];
};

static void
build_req(const struct req_in *in, const char *path, struct built *b)
{
	memset(b, 0, sizeof(*b));
	b->r.method = "POST";
	b->r.path = path;
	b->r.tail = "";
	b->r.content_type = in->content_type;
	b->r.body = in->body;
	b->r.len = in->len ? in->len : strlen(in->body);
	if (in->content_type) {
		b->headers[0].key = (char *)"Content-Type";
		b->headers[0].value = (char *)in->content_type;
		b->headers[0].vlen = strlen(in->content_type);
		b->r.headers = b->headers;
		b->r.nheaders = 1;
	}
}

struct fixture {
	struct config cfg;
	const struct gw_provider_ops *ops;
	struct gw_provider *p;
};

static void
configure(struct config *cfg, const char *from)
{
	config_defaults(cfg);
	config_set_string(&cfg->provider_type, "africastalking");
	config_set_string(&cfg->at_username, "farmline");
	config_set_string(&cfg->at_api_key, API_KEY);
	config_set_string(&cfg->at_from, from);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];
	int unconfigured = 0;

	if (f == NULL)
		return -1;
	configure(&f->cfg, "20880");
	f->ops = gw_provider_find("africastalking");
	f->p = f->ops ? f->ops->open(&f->cfg, &unconfigured, err, sizeof(err)) : NULL;
	if (f->p == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	f->ops->close(f->p);
	config_free(&f->cfg);
	free(f);
	return 0;
}

struct sms_case {
	const char *name;
	struct req_in in;
	int max_chars;		/* 0: 2000 */
	int status;
	const char *from, *to, *text, *id;
	const char *reason;
};

static const struct sms_case sms_cases[] = {
	{ "as Africa's Talking posts it", { FORM, "linkId=SampleLinkId123&text=Hello+farmer"
	    "&to=20880&id=ATXid_1c8b9f&date=2026-11-22+16%3A11%3A00&from=%2B254711082300", 0 }, 0,
	    0, "+254711082300", "20880", "Hello farmer", "ATXid_1c8b9f", NULL },
	{ "Chinese text", { FORM, "from=%2B8613800000001&to=20880&text=%E9%B8%A1%E6%8B%89%E7%A8%80"
	    "&id=ATXid_2", 0 }, 0, 0, "+8613800000001", "20880", "鸡拉稀", "ATXid_2", NULL },
	{ "no id", { FORM, "from=%2B254711082300&to=20880&text=hi", 0 }, 0, 0, "+254711082300",
	    "20880", "hi", NULL, NULL },
	{ "an empty id", { FORM, "from=%2B254711082300&text=hi&id=", 0 }, 0, 400, NULL, NULL,
	    NULL, NULL, "id:" },
	{ "text twice", { FORM, "from=%2B254711082300&text=a&text=b&id=x", 0 }, 0, 400, NULL,
	    NULL, NULL, NULL, "field text given twice" },
	{ "id twice", { FORM, "from=%2B254711082300&text=a&id=x&id=y", 0 }, 0, 400, NULL, NULL,
	    NULL, NULL, "field id given twice" },
	{ "no from", { FORM, "to=20880&text=hi&id=x", 0 }, 0, 400, NULL, NULL, NULL, NULL,
	    "missing field: from" },
	{ "no text", { FORM, "from=%2B254711082300&id=x", 0 }, 0, 400, NULL, NULL, NULL, NULL,
	    "missing field: text" },
	{ "text too long", { FORM, "from=%2B254711082300&text=123456&id=x", 0 }, 5, 400, NULL,
	    NULL, NULL, NULL, "longer than 5" },
	{ "invalid UTF-8", { FORM, "from=%2B254711082300&text=%C3%28&id=x", 0 }, 0, 400, NULL,
	    NULL, NULL, NULL, "not valid UTF-8" },
	{ "a NUL byte in the body", { FORM, "from=1&text=a\0b&id=x", 20 }, 0, 400, NULL, NULL,
	    NULL, NULL, "NUL" },
	{ "JSON", { "application/json", "{\"from\":\"+254711082300\",\"text\":\"hi\"}", 0 }, 0, 415,
	    NULL, NULL, NULL, NULL, "x-www-form-urlencoded" },
	{ "no Content-Type", { NULL, "from=%2B254711082300&text=hi", 0 }, 0, 415, NULL, NULL,
	    NULL, NULL, "x-www-form-urlencoded" },
};

static void
test_incoming_messages_parse_or_fail_as_the_table_says(void **state)
{
	struct fixture *f = *state;
	struct gw_webhook wh;
	struct built b;
	char reason[256];
	size_t i;

	for (i = 0; i < sizeof(sms_cases) / sizeof(sms_cases[0]); i++) {
		const struct sms_case *c = &sms_cases[i];
		int status;

		memset(&wh, 0, sizeof(wh));
		reason[0] = '\0';
		build_req(&c->in, "/sms/africastalking", &b);
		status = f->ops->parse_sms(f->p, &b.r, c->max_chars ? c->max_chars : 2000, &wh,
		    reason, sizeof(reason));
		if (status != c->status)
			fail_msg("%s: status %d (%s), want %d", c->name, status, reason, c->status);
		if (status == 0) {
			assert_int_equal(wh.nmsgs, 1);
			assert_string_equal(wh.msgs[0].from, c->from);
			assert_string_equal(wh.msgs[0].to, c->to);
			assert_string_equal(wh.msgs[0].text, c->text);
			if (c->id)
				assert_string_equal(wh.msgs[0].id, c->id);
			else
				assert_null(wh.msgs[0].id);
		} else {
			assert_int_equal(wh.nmsgs, 0);
			if (strstr(reason, c->reason) == NULL)
				fail_msg("%s: reason \"%s\", want \"%s\"", c->name, reason, c->reason);
		}
		gw_webhook_free(&wh);
	}
}

static void
test_the_answer_is_an_empty_200(void **state)
{
	struct fixture *f = *state;
	struct gw_webhook wh;
	struct gw_reply out;

	memset(&wh, 0, sizeof(wh));
	memset(&out, 0, sizeof(out));
	f->ops->sms_reply(f->p, &wh, &out);
	assert_int_equal(out.status, 200);
	assert_string_equal(out.body, "");
	free(out.body);
}

struct dlr_case {
	const char *name;
	struct req_in in;
	int status;
	const char *id;
	enum gw_dlr_status dlr;
	const char *reason;	/* stored (NULL: none), or part of the error */
	int opted_out;
};

static const struct dlr_case dlr_cases[] = {
	{ "Success", { FORM, "phoneNumber=%2B254711082300&retryCount=0&status=Success"
	    "&networkCode=63902&id=ATXid_1", 0 }, 0, "ATXid_1", DLR_DELIVERED, NULL, 0 },
	{ "Failed, blacklisted", { FORM, "id=ATXid_2&status=Failed&failureReason=UserInBlackList",
	    0 }, 0, "ATXid_2", DLR_FAILED, "Failed: UserInBlackList", 1 },
	{ "Rejected, no credit", { FORM,
	    "id=ATXid_3&status=Rejected&failureReason=InsufficientCredit", 0 }, 0, "ATXid_3",
	    DLR_FAILED, "Rejected: InsufficientCredit", 0 },
	{ "AbsentSubscriber", { FORM, "id=ATXid_4&status=AbsentSubscriber", 0 }, 0, "ATXid_4",
	    DLR_FAILED, "AbsentSubscriber", 0 },
	{ "Expired", { FORM, "id=ATXid_5&status=Expired&failureReason=", 0 }, 0, "ATXid_5",
	    DLR_FAILED, "Expired", 0 },
	{ "a reason with control characters", { FORM,
	    "id=ATXid_6&status=Failed&failureReason=Delivery%0AFailure%07", 0 }, 0, "ATXid_6",
	    DLR_FAILED, "Failed: Delivery?Failure?", 0 },
	{ "Buffered is on the way", { FORM, "id=ATXid_7&status=Buffered", 0 }, 0, "ATXid_7",
	    DLR_PENDING, NULL, 0 },
	{ "Sent is on the way", { FORM, "id=ATXid_8&status=Sent", 0 }, 0, "ATXid_8", DLR_PENDING,
	    NULL, 0 },
	{ "Submitted is on the way", { FORM, "id=ATXid_9&status=Submitted", 0 }, 0, "ATXid_9",
	    DLR_PENDING, NULL, 0 },
	{ "no id", { FORM, "status=Success", 0 }, 400, NULL, 0, "id and status", 0 },
	{ "an id with a space", { FORM, "id=ATX+1&status=Success", 0 }, 400, NULL, 0,
	    "id and status", 0 },
	{ "no status", { FORM, "id=ATXid_1", 0 }, 400, NULL, 0, "id and status", 0 },
	{ "status twice", { FORM, "id=ATXid_1&status=Failed&status=Success", 0 }, 400, NULL, 0,
	    "given twice", 0 },
	{ "JSON", { "application/json", "{\"id\":\"ATXid_1\",\"status\":\"Success\"}", 0 }, 415,
	    NULL, 0, "x-www-form-urlencoded", 0 },
};

static void
test_delivery_reports_parse_as_the_table_says(void **state)
{
	struct fixture *f = *state;
	struct gw_webhook wh;
	struct built b;
	char reason[256];
	size_t i;

	for (i = 0; i < sizeof(dlr_cases) / sizeof(dlr_cases[0]); i++) {
		const struct dlr_case *c = &dlr_cases[i];
		int status;

		memset(&wh, 0, sizeof(wh));
		reason[0] = '\0';
		build_req(&c->in, "/dlr/africastalking", &b);
		status = f->ops->parse_dlr(f->p, &b.r, &wh, reason, sizeof(reason));
		if (status != c->status)
			fail_msg("%s: status %d (%s), want %d", c->name, status, reason, c->status);
		if (status == 0) {
			assert_true(wh.has_dlr);
			assert_string_equal(wh.dlr.provider_id, c->id);
			assert_int_equal(wh.dlr.status, c->dlr);
			if (c->reason)
				assert_string_equal(wh.dlr.reason, c->reason);
			else
				assert_null(wh.dlr.reason);
			assert_int_equal(wh.dlr.opted_out, c->opted_out);
		} else {
			assert_false(wh.has_dlr);
			if (strstr(reason, c->reason) == NULL)
				fail_msg("%s: reason \"%s\", want \"%s\"", c->name, reason, c->reason);
		}
		gw_webhook_free(&wh);
	}
}

/* Whether the list holds exactly this header line. */
static int
has_header(const struct curl_slist *h, const char *line)
{
	for (; h; h = h->next) {
		if (strcmp(h->data, line) == 0)
			return 1;
	}
	return 0;
}

static void
test_messaging_api_request(void **state)
{
	struct fixture *f = *state;
	struct gw_outbound m = { 7, "10690000", "+254711082300", "Ukungu: nyunyiza dawa & 天麻", 1,
	    NULL };
	struct gw_out_request req;
	char err[256];

	memset(&req, 0, sizeof(req));
	assert_int_equal(f->ops->build(f->p, &m, &req, err, sizeof(err)), 0);
	assert_string_equal(req.url, "https://api.africastalking.com/version1/messaging");
	assert_null(req.userpwd);
	assert_string_equal(req.body, "username=farmline&to=%2B254711082300"
	    "&message=Ukungu%3A%20nyunyiza%20dawa%20%26%20%E5%A4%A9%E9%BA%BB&from=20880");
	assert_int_equal(req.len, strlen(req.body));
	assert_true(has_header(req.headers, "apiKey: " API_KEY));
	assert_true(has_header(req.headers, "Accept: application/json"));
	assert_true(has_header(req.headers, "Content-Type: application/x-www-form-urlencoded"));
	gw_out_request_free(&req);
}

static void
test_without_a_sender_the_account_default_is_used(void **state)
{
	const struct gw_provider_ops *ops = gw_provider_find("africastalking");
	struct gw_outbound m = { 8, "10690000", "+254711082300", "hi", 1, NULL };
	struct gw_out_request req;
	struct gw_provider *p;
	struct config cfg;
	char err[256];
	int unconfigured = 0;

	(void)state;
	configure(&cfg, "");
	p = ops->open(&cfg, &unconfigured, err, sizeof(err));
	assert_non_null(p);
	memset(&req, 0, sizeof(req));
	assert_int_equal(ops->build(p, &m, &req, err, sizeof(err)), 0);
	assert_string_equal(req.body, "username=farmline&to=%2B254711082300&message=hi");
	gw_out_request_free(&req);
	ops->close(p);
	config_free(&cfg);
}

#define RCPT(code, status, id) "{\"SMSMessageData\":{\"Message\":\"Sent to 1/1 Total Cost: " \
	"KES 0.8000\",\"Recipients\":[{\"statusCode\":" #code ",\"number\":\"+254711082300\"," \
	"\"status\":\"" status "\",\"cost\":\"KES 0.8000\",\"messageId\":\"" id "\"}]}}"

static void
test_messaging_api_answers_map_to_sent_retry_or_fail(void **state)
{
	static const struct {
		long status;
		const char *body;
		enum gw_send_status want;
		const char *id;		/* for OK */
		const char *error;	/* part of it, for the others */
		int opted_out;
	} cases[] = {
		{ 201, RCPT(101, "Success", "ATPid_SampleTxnId123"), GW_SEND_OK,
		    "ATPid_SampleTxnId123", NULL, 0 },
		{ 201, RCPT(100, "Processed", "ATPid_1"), GW_SEND_OK, "ATPid_1", NULL, 0 },
		{ 201, RCPT(102, "Queued", "ATPid_2"), GW_SEND_OK, "ATPid_2", NULL, 0 },
		{ 201, RCPT(405, "InsufficientBalance", "None"), GW_SEND_RETRY, NULL,
		    "405: InsufficientBalance", 0 },
		{ 201, RCPT(406, "UserInBlacklist", "None"), GW_SEND_FAIL, NULL,
		    "406: UserInBlacklist", 1 },
		{ 201, RCPT(409, "DoNotDisturbRejection", "None"), GW_SEND_FAIL, NULL,
		    "409: DoNotDisturbRejection", 1 },
		{ 201, RCPT(403, "InvalidPhoneNumber", "None"), GW_SEND_FAIL, NULL,
		    "403: InvalidPhoneNumber", 0 },
		{ 201, RCPT(402, "InvalidSenderId", "None"), GW_SEND_FAIL, NULL, "InvalidSenderId",
		    0 },
		{ 201, RCPT(500, "InternalServerError", "None"), GW_SEND_RETRY, NULL,
		    "InternalServerError", 0 },
		{ 201, RCPT(502, "RejectedByGateway", "None"), GW_SEND_RETRY, NULL,
		    "RejectedByGateway", 0 },
		{ 201, "{\"SMSMessageData\":{\"Message\":\"InvalidSenderId\",\"Recipients\":[]}}",
		    GW_SEND_FAIL, NULL, "InvalidSenderId", 0 },
		{ 201, "not json", GW_SEND_FAIL, NULL, "not json", 0 },
		{ 401, "The supplied authentication is invalid", GW_SEND_FAIL, NULL,
		    "HTTP 401: The supplied authentication is invalid", 0 },
		{ 500, "", GW_SEND_RETRY, NULL, "HTTP 500", 0 },
		{ 0, NULL, GW_SEND_RETRY, NULL, "HTTP 0", 0 },
	};
	struct fixture *f = *state;
	struct gw_send_result r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&r, 0, sizeof(r));
		f->ops->map_reply(f->p, cases[i].status, cases[i].body,
		    cases[i].body ? strlen(cases[i].body) : 0, &r);
		if (r.status != cases[i].want)
			fail_msg("case %zu: status %d, want %d (%s)", i, r.status, cases[i].want,
			    r.error);
		assert_int_equal(r.opted_out, cases[i].opted_out);
		if (cases[i].id)
			assert_string_equal(r.provider_id, cases[i].id);
		else if (strstr(r.error, cases[i].error) == NULL)
			fail_msg("case %zu: error \"%s\", want \"%s\"", i, r.error, cases[i].error);
		assert_null(strstr(r.error, API_KEY));
	}
}

static void
test_configuration(void **state)
{
	const struct gw_provider_ops *ops = gw_provider_find("africastalking");
	struct config cfg;
	char err[256];
	int unconfigured = 0;

	(void)state;
	config_defaults(&cfg);
	assert_null(ops->open(&cfg, &unconfigured, err, sizeof(err)));
	assert_true(unconfigured);
	config_free(&cfg);
	configure(&cfg, "");
	config_set_string(&cfg.at_api_key, "");
	unconfigured = 0;
	assert_null(ops->open(&cfg, &unconfigured, err, sizeof(err)));
	assert_false(unconfigured);
	assert_non_null(strstr(err, "api_key"));
	config_free(&cfg);
}

/*
 * F2: a USSD step (and an SMS, a report) acts for the farmer it names and shows their answers:
 * without [africastalking] token the webhooks are off, with it every one needs it in its path.
 */
static void
test_webhooks_are_off_without_the_token_and_need_it_with_it(void **state)
{
	static const struct {
		const char *path, *tail;
		int status;
	} cases[] = {
		{ "/ussd/africastalking", "", 403 },
		{ "/ussd/africastalking/at-secret-0123456789", "/at-secret-0123456789", 0 },
		{ "/ussd/africastalking/at-secret-012345678", "/at-secret-012345678", 403 },
		{ "/sms/africastalking/nope", "/nope", 403 },
		{ "/dlr/africastalking/at-secret-0123456789", "/at-secret-0123456789", 0 },
	};
	const struct gw_provider_ops *ops = gw_provider_find("africastalking");
	struct gw_provider *p;
	struct config cfg;
	struct gw_req r;
	char err[256], what[256];
	int unconfigured = 0;
	size_t i;

	(void)state;
	configure(&cfg, "");
	p = ops->open(&cfg, &unconfigured, err, sizeof(err));
	assert_non_null(p);	/* it still sends */
	assert_int_equal(ops->webhooks(p, what, sizeof(what)), 0);
	assert_non_null(strstr(what, "/ussd/africastalking"));
	memset(&r, 0, sizeof(r));
	r.method = "POST";
	r.path = "/ussd/africastalking";
	r.tail = "";
	assert_int_equal(ops->check(p, &r, err, sizeof(err)), 404);
	ops->close(p);
	config_set_string(&cfg.at_token, "at-secret-0123456789");
	p = ops->open(&cfg, &unconfigured, err, sizeof(err));
	assert_non_null(p);
	assert_int_equal(ops->webhooks(p, what, sizeof(what)), 1);
	assert_null(strstr(what, "at-secret"));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r.path = cases[i].path;
		r.tail = cases[i].tail;
		err[0] = '\0';
		if (ops->check(p, &r, err, sizeof(err)) != cases[i].status)
			fail_msg("%s: %s, want %d", cases[i].path, err, cases[i].status);
		assert_null(strstr(err, "at-secret"));
	}
	ops->close(p);
	config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_incoming_messages_parse_or_fail_as_the_table_says),
		cmocka_unit_test(test_the_answer_is_an_empty_200),
		cmocka_unit_test(test_delivery_reports_parse_as_the_table_says),
		cmocka_unit_test(test_messaging_api_request),
		cmocka_unit_test(test_without_a_sender_the_account_default_is_used),
		cmocka_unit_test(test_messaging_api_answers_map_to_sent_retry_or_fail),
		cmocka_unit_test(test_configuration),
		cmocka_unit_test(test_webhooks_are_off_without_the_token_and_need_it_with_it),
	};

	return cmocka_run_group_tests_name("provider_africastalking", tests, setup, teardown);
}
