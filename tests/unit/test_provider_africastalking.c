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
#include "tests/lib/provider_cases.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORM "application/x-www-form-urlencoded"
#define API_KEY "atsk_5e0d2f1b8c9a7e6d4c3b2a1908f7e6d5c4b3a291"

static void
configure_from(struct config *cfg, const char *from)
{
	config_set_string(&cfg->provider_type, "africastalking");
	config_set_string(&cfg->at_username, "farmline");
	config_set_string(&cfg->at_api_key, API_KEY);
	config_set_string(&cfg->at_from, from);
}

static void
configure(struct config *cfg)
{
	configure_from(cfg, "20880");
}

static int
setup(void **state)
{
	if (provider_setup(state, "africastalking", configure))
		return -1;
	((struct provider_fixture *)*state)->secret = API_KEY;
	return 0;
}

#define R(ct, b, n) { .content_type = ct, .body = b, .len = n }

static const struct webhook_case sms_cases[] = {
	{ "as Africa's Talking posts it", R(FORM, "linkId=SampleLinkId123&text=Hello+farmer"
	    "&to=20880&id=ATXid_1c8b9f&date=2026-11-22+16%3A11%3A00&from=%2B254711082300", 0), 0,
	    0, "+254711082300", "20880", "Hello farmer", "ATXid_1c8b9f", NULL },
	{ "Chinese text", R(FORM, "from=%2B8613800000001&to=20880&text=%E9%B8%A1%E6%8B%89%E7%A8%80"
	    "&id=ATXid_2", 0), 0, 0, "+8613800000001", "20880", "鸡拉稀", "ATXid_2", NULL },
	{ "no id", R(FORM, "from=%2B254711082300&to=20880&text=hi", 0), 0, 0, "+254711082300",
	    "20880", "hi", NULL, NULL },
	{ "an empty id", R(FORM, "from=%2B254711082300&text=hi&id=", 0), 0, 400, NULL, NULL,
	    NULL, NULL, "id:" },
	{ "text twice", R(FORM, "from=%2B254711082300&text=a&text=b&id=x", 0), 0, 400, NULL,
	    NULL, NULL, NULL, "field text given twice" },
	{ "id twice", R(FORM, "from=%2B254711082300&text=a&id=x&id=y", 0), 0, 400, NULL, NULL,
	    NULL, NULL, "field id given twice" },
	{ "no from", R(FORM, "to=20880&text=hi&id=x", 0), 0, 400, NULL, NULL, NULL, NULL,
	    "missing field: from" },
	{ "no text", R(FORM, "from=%2B254711082300&id=x", 0), 0, 400, NULL, NULL, NULL, NULL,
	    "missing field: text" },
	{ "text too long", R(FORM, "from=%2B254711082300&text=123456&id=x", 0), 5, 400, NULL,
	    NULL, NULL, NULL, "longer than 5" },
	{ "invalid UTF-8", R(FORM, "from=%2B254711082300&text=%C3%28&id=x", 0), 0, 400, NULL,
	    NULL, NULL, NULL, "not valid UTF-8" },
	{ "a NUL byte in the body", R(FORM, "from=1&text=a\0b&id=x", 20), 0, 400, NULL, NULL,
	    NULL, NULL, "NUL" },
	{ "JSON", R("application/json", "{\"from\":\"+254711082300\",\"text\":\"hi\"}", 0), 0, 415,
	    NULL, NULL, NULL, NULL, "x-www-form-urlencoded" },
	{ "no Content-Type", R(NULL, "from=%2B254711082300&text=hi", 0), 0, 415, NULL, NULL,
	    NULL, NULL, "x-www-form-urlencoded" },
};

static void
test_incoming_messages_parse_or_fail_as_the_table_says(void **state)
{
	run_webhook_cases(state, "/sms/africastalking", sms_cases, NROWS(sms_cases));
}

static void
test_the_answer_is_an_empty_200(void **state)
{
	provider_assert_sms_reply(state, 200, NULL, "");
}

static const struct dlr_case dlr_cases[] = {
	{ "Success", R(FORM, "phoneNumber=%2B254711082300&retryCount=0&status=Success"
	    "&networkCode=63902&id=ATXid_1", 0), 0, NULL, "ATXid_1", DLR_DELIVERED, NULL, 0 },
	{ "Failed, blacklisted", R(FORM, "id=ATXid_2&status=Failed&failureReason=UserInBlackList",
	    0), 0, NULL, "ATXid_2", DLR_FAILED, "Failed: UserInBlackList", 1 },
	{ "Rejected, no credit", R(FORM,
	    "id=ATXid_3&status=Rejected&failureReason=InsufficientCredit", 0), 0, NULL, "ATXid_3",
	    DLR_FAILED, "Rejected: InsufficientCredit", 0 },
	{ "AbsentSubscriber", R(FORM, "id=ATXid_4&status=AbsentSubscriber", 0), 0, NULL, "ATXid_4",
	    DLR_FAILED, "AbsentSubscriber", 0 },
	{ "Expired", R(FORM, "id=ATXid_5&status=Expired&failureReason=", 0), 0, NULL, "ATXid_5",
	    DLR_FAILED, "Expired", 0 },
	{ "a reason with control characters", R(FORM,
	    "id=ATXid_6&status=Failed&failureReason=Delivery%0AFailure%07", 0), 0, NULL, "ATXid_6",
	    DLR_FAILED, "Failed: Delivery?Failure?", 0 },
	{ "Buffered is on the way", R(FORM, "id=ATXid_7&status=Buffered", 0), 0, NULL, "ATXid_7",
	    DLR_PENDING, NULL, 0 },
	{ "Sent is on the way", R(FORM, "id=ATXid_8&status=Sent", 0), 0, NULL, "ATXid_8",
	    DLR_PENDING, NULL, 0 },
	{ "Submitted is on the way", R(FORM, "id=ATXid_9&status=Submitted", 0), 0, NULL, "ATXid_9",
	    DLR_PENDING, NULL, 0 },
	{ "no id", R(FORM, "status=Success", 0), 400, NULL, NULL, 0, "id and status", 0 },
	{ "an id with a space", R(FORM, "id=ATX+1&status=Success", 0), 400, NULL, NULL, 0,
	    "id and status", 0 },
	{ "no status", R(FORM, "id=ATXid_1", 0), 400, NULL, NULL, 0, "id and status", 0 },
	{ "status twice", R(FORM, "id=ATXid_1&status=Failed&status=Success", 0), 400, NULL, NULL, 0,
	    "given twice", 0 },
	{ "JSON", R("application/json", "{\"id\":\"ATXid_1\",\"status\":\"Success\"}", 0), 415,
	    NULL, NULL, 0, "x-www-form-urlencoded", 0 },
};

static void
test_delivery_reports_parse_as_the_table_says(void **state)
{
	run_dlr_cases(state, "/dlr/africastalking", dlr_cases, NROWS(dlr_cases));
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
	struct provider_fixture *f = *state;
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
	config_defaults(&cfg);
	configure_from(&cfg, "");
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

static const struct reply_case reply_cases[] = {
	{ "101 Success", 201, RCPT(101, "Success", "ATPid_SampleTxnId123"), GW_SEND_OK,
	    "ATPid_SampleTxnId123", NULL, 0 },
	{ "100 Processed", 201, RCPT(100, "Processed", "ATPid_1"), GW_SEND_OK, "ATPid_1", NULL, 0 },
	{ "102 Queued", 201, RCPT(102, "Queued", "ATPid_2"), GW_SEND_OK, "ATPid_2", NULL, 0 },
	{ "405 InsufficientBalance", 201, RCPT(405, "InsufficientBalance", "None"), GW_SEND_RETRY,
	    NULL, "405: InsufficientBalance", 0 },
	{ "406 UserInBlacklist", 201, RCPT(406, "UserInBlacklist", "None"), GW_SEND_FAIL, NULL,
	    "406: UserInBlacklist", 1 },
	{ "409 DoNotDisturbRejection", 201, RCPT(409, "DoNotDisturbRejection", "None"),
	    GW_SEND_FAIL, NULL, "409: DoNotDisturbRejection", 1 },
	{ "403 InvalidPhoneNumber", 201, RCPT(403, "InvalidPhoneNumber", "None"), GW_SEND_FAIL,
	    NULL, "403: InvalidPhoneNumber", 0 },
	{ "402 InvalidSenderId", 201, RCPT(402, "InvalidSenderId", "None"), GW_SEND_FAIL, NULL,
	    "InvalidSenderId", 0 },
	{ "500 InternalServerError", 201, RCPT(500, "InternalServerError", "None"), GW_SEND_RETRY,
	    NULL, "InternalServerError", 0 },
	{ "502 RejectedByGateway", 201, RCPT(502, "RejectedByGateway", "None"), GW_SEND_RETRY, NULL,
	    "RejectedByGateway", 0 },
	{ "no recipients", 201,
	    "{\"SMSMessageData\":{\"Message\":\"InvalidSenderId\",\"Recipients\":[]}}",
	    GW_SEND_FAIL, NULL, "InvalidSenderId", 0 },
	{ "not JSON", 201, "not json", GW_SEND_FAIL, NULL, "not json", 0 },
	{ "HTTP 401", 401, "The supplied authentication is invalid", GW_SEND_FAIL, NULL,
	    "HTTP 401: The supplied authentication is invalid", 0 },
	{ "HTTP 500", 500, "", GW_SEND_RETRY, NULL, "HTTP 500", 0 },
	{ "no answer", 0, NULL, GW_SEND_RETRY, NULL, "HTTP 0", 0 },
};

static void
test_messaging_api_answers_map_to_sent_retry_or_fail(void **state)
{
	run_reply_cases(state, reply_cases, NROWS(reply_cases));
}

static void
test_configuration(void **state)
{
	struct config cfg;

	(void)state;
	provider_assert_refused("africastalking", NULL, NULL, NULL);
	config_defaults(&cfg);
	configure_from(&cfg, "");
	config_set_string(&cfg.at_api_key, "");
	provider_assert_refused("africastalking", &cfg, "api_key", NULL);
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
	config_defaults(&cfg);
	configure_from(&cfg, "");
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

	return cmocka_run_group_tests_name("provider_africastalking", tests, setup,
	    provider_teardown);
}
