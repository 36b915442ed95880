/*
 * The Twilio adapter, table-driven. Every X-Twilio-Signature a request carries here is computed
 * by the openssl command line (`openssl dgst -sha1 -hmac TOKEN -binary | base64`) over the
 * string Twilio signs, written out by hand in the table — the public URL followed by each
 * POST field's name and value in name order — so that the expected value never comes from
 * farmline's own HMAC code. Also: status callbacks, the Messages API request, what its
 * answers mean (21610 opted out), and the empty TwiML reply.
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
#include <unistd.h>

#define FORM "application/x-www-form-urlencoded"
#define TOKEN "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
#define OTHER_TOKEN "00000000000000000000000000000000"
#define SID "AC0123456789abcdef0123456789abcdef"
#define URL "https://sms.example.cn"

/*
 * The base64 HMAC-SHA1 of data keyed with token, by the openssl command line. data may hold
 * any byte but NUL.
 */
static void
openssl_signature(const char *token, const char *data, char *out, size_t outlen)
{
	char path[] = "/tmp/farmline-twilio-XXXXXX", cmd[512];
	FILE *fp;
	size_t n;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
	snprintf(cmd, sizeof(cmd), "openssl dgst -sha1 -hmac '%s' -binary < '%s' | base64",
	    token, path);
	fp = popen(cmd, "r");
	assert_non_null(fp);
	if (fgets(out, (int)outlen, fp) == NULL)
		out[0] = '\0';
	pclose(fp);
	unlink(path);
	n = strlen(out);
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	if (n != 28)
		fail_msg("openssl gave \"%s\": is it installed (tools/deps.sh)?", out);
}

/* A request Twilio posts, signed with key over signs (NULL: not signed), mangle spoiling it. */
#define R(ct, b, k, s, m) { .content_type = ct, .body = b, .sign_key = k, .signs = s, \
	.mangle = m }

static void
configure_with(struct config *cfg, const char *service)
{
	config_set_string(&cfg->provider_type, "twilio");
	config_set_string(&cfg->twilio_account_sid, SID);
	config_set_string(&cfg->twilio_auth_token, TOKEN);
	config_set_string(&cfg->twilio_from, service ? "" : "+15005550006");
	config_set_string(&cfg->twilio_messaging_service_sid, service ? service : "");
	config_set_string(&cfg->twilio_public_url, URL "/");	/* the slash is dropped */
}

static void
configure(struct config *cfg)
{
	configure_with(cfg, NULL);
}

static int
setup(void **state)
{
	struct provider_fixture *f;

	if (provider_setup(state, "twilio", configure))
		return -1;
	f = *state;
	f->secret = TOKEN;
	f->sign_header = "X-Twilio-Signature";
	f->sign = openssl_signature;
	return 0;
}

/* Message sids as Twilio makes them: SM and 32 hexadecimal digits. */
#define MSID "SM5f3a0000000000000000000000000000"
#define MSID1 "SM10000000000000000000000000000000"
#define MSID2 "SM20000000000000000000000000000000"
#define MSID3 "SM30000000000000000000000000000000"
#define MSID4 "SM40000000000000000000000000000000"
#define MSID5 "SM50000000000000000000000000000000"
#define MSID6 "SM60000000000000000000000000000000"

/* An inbound SMS as Twilio posts it (fields in Twilio's own order) and what it signs. */
#define SMS_BODY "ToCountry=CN&ToState=&SmsMessageSid=" MSID "&NumMedia=0" \
	"&Body=%E9%B9%85%E8%8B%97%E6%AD%BB%E4%BA%86+help&FromCountry=CN&To=%2B8610690000" \
	"&MessageSid=" MSID "&AccountSid=" SID "&From=%2B8613800000001&ApiVersion=2010-04-01"
#define SMS_SIGNS URL "/sms/twilio" "AccountSid" SID "ApiVersion2010-04-01" \
	"Body鹅苗死了 help" "From+8613800000001" "FromCountryCN" "MessageSid" MSID \
	"NumMedia0" "SmsMessageSid" MSID "To+8610690000" "ToCountryCN" "ToState"
/* The same fields in the order they were posted, not sorted. */
#define SMS_SIGNS_UNSORTED URL "/sms/twilio" "ToCountryCN" "ToState" "SmsMessageSid" MSID \
	"NumMedia0" "Body鹅苗死了 help" "FromCountryCN" "To+8610690000" "MessageSid" MSID \
	"AccountSid" SID "From+8613800000001" "ApiVersion2010-04-01"

static const struct webhook_case sms_cases[] = {
	{ "signed by Twilio", R(FORM, SMS_BODY, TOKEN, SMS_SIGNS, NULL), 0, 0,
	    "+8613800000001", "+8610690000", "鹅苗死了 help", MSID, NULL },
	{ "with a charset in the Content-Type",
	    R(FORM "; charset=utf-8", SMS_BODY, TOKEN, SMS_SIGNS, NULL), 0, 0,
	    "+8613800000001", "+8610690000", "鹅苗死了 help", MSID, NULL },
	{ "signed with another token",
	    R(FORM, SMS_BODY, OTHER_TOKEN, SMS_SIGNS, NULL), 0, 403, NULL, NULL, NULL,
	    NULL, "X-Twilio-Signature" },
	{ "not signed", R(FORM, SMS_BODY, NULL, NULL, NULL), 0, 403, NULL, NULL,
	    NULL, NULL, "X-Twilio-Signature" },
	{ "signed for another URL", R(FORM, SMS_BODY, TOKEN, "http://sms.example.cn/sms/twilio"
	    "AccountSid" SID "ApiVersion2010-04-01" "Body鹅苗死了 help" "From+8613800000001"
	    "FromCountryCN" "MessageSid" MSID "NumMedia0" "SmsMessageSid" MSID "To+8610690000"
	    "ToCountryCN" "ToState", NULL), 0, 403, NULL, NULL, NULL, NULL, "X-Twilio-Signature" },
	{ "signed over fields in the posted order",
	    R(FORM, SMS_BODY, TOKEN, SMS_SIGNS_UNSORTED, NULL), 0, 403, NULL, NULL,
	    NULL, NULL, "X-Twilio-Signature" },
	{ "a body changed after it was signed", R(FORM,
	    "Body=%E9%B9%85&From=%2B8613900000002&MessageSid=" MSID1, TOKEN, URL "/sms/twilio"
	    "Body鹅" "From+8613800000001" "MessageSid" MSID1, NULL), 0, 403, NULL, NULL, NULL, NULL,
	    "X-Twilio-Signature" },
	{ "a signature in lower case", R(FORM, SMS_BODY, TOKEN, SMS_SIGNS, "lower"), 0, 403, NULL,
	    NULL, NULL, NULL, "X-Twilio-Signature" },
	{ "a signature cut short", R(FORM, SMS_BODY, TOKEN, SMS_SIGNS, "cut"),
	    0, 403, NULL, NULL, NULL, NULL, "X-Twilio-Signature" },
	{ "signed, but no Body", R(FORM, "From=%2B8613800000001&MessageSid=" MSID2, TOKEN, URL
	    "/sms/twilio" "From+8613800000001" "MessageSid" MSID2, NULL), 0, 400, NULL, NULL, NULL,
	    NULL, "missing field: text" },
	{ "signed, an empty Body (a picture alone)", R(FORM,
	    "Body=&From=%2B8613800000001&MessageSid=" MSID3 "&NumMedia=1", TOKEN, URL "/sms/twilio"
	    "Body" "From+8613800000001" "MessageSid" MSID3 "NumMedia1", NULL), 0, 400, NULL, NULL,
	    NULL, NULL, "text is empty" },
	{ "signed, From twice", R(FORM,
	    "Body=hi&From=%2B8613900000002&From=%2B8613800000001&MessageSid=" MSID4, TOKEN, URL
	    "/sms/twilio" "Bodyhi" "From+8613800000001" "From+8613900000002" "MessageSid" MSID4,
	    NULL), 0, 400, NULL, NULL, NULL, NULL, "field From given twice" },
	{ "signed, Body not UTF-8", R(FORM, "Body=%FF&From=%2B8613800000001&MessageSid=" MSID5,
	    TOKEN, URL "/sms/twilio" "Body\xff" "From+8613800000001" "MessageSid" MSID5, NULL), 0,
	    400, NULL, NULL, NULL, NULL, "not valid UTF-8" },
	{ "signed, a WhatsApp sender", R(FORM,
	    "Body=hi&From=whatsapp%3A%2B8613800000001&MessageSid=" MSID6, TOKEN, URL "/sms/twilio"
	    "Bodyhi" "Fromwhatsapp:+8613800000001" "MessageSid" MSID6, NULL), 0, 400, NULL, NULL,
	    NULL, NULL, "from: not a phone number" },
	/* F9: without MessageSid the message has no id to be deduplicated on: a captured request
	 * re-split to drop it would be a new message each time. */
	{ "signed, no MessageSid", R(FORM, "Body=hi&From=%2B8613800000001", TOKEN, URL "/sms/twilio"
	    "Bodyhi" "From+8613800000001", NULL), 0, 400, NULL, NULL, NULL, NULL, "MessageSid" },
	{ "signed, MessageSid re-split into another field", R(FORM,
	    "Body=hi&From=%2B8613800000001&M=essageSid" MSID, TOKEN, URL "/sms/twilio" "Bodyhi"
	    "From+8613800000001" "MessageSid" MSID, NULL), 0, 400, NULL, NULL, NULL, NULL,
	    "MessageSid" },
	{ "signed, MessageSid lengthened by re-splitting the next field", R(FORM,
	    "Body=hi&From=%2B8613800000001&MessageSid=" MSID "T" "&o=%2B8610690000", TOKEN, URL
	    "/sms/twilio" "Bodyhi" "From+8613800000001" "MessageSid" MSID "T" "o+8610690000", NULL),
	    0, 400, NULL, NULL, NULL, NULL, "MessageSid" },
	{ "signed, a MessageSid that is not Twilio's", R(FORM,
	    "Body=hi&From=%2B8613800000001&MessageSid=x1", TOKEN, URL "/sms/twilio" "Bodyhi"
	    "From+8613800000001" "MessageSidx1", NULL), 0, 400, NULL, NULL, NULL, NULL, "MessageSid"
	    },
	{ "JSON", R("application/json", "{\"Body\":\"hi\"}", TOKEN, URL "/sms/twilio", NULL), 0,
	    415, NULL, NULL, NULL, NULL, "x-www-form-urlencoded" },
};

static void
test_inbound_sms_parse_or_fail_as_the_table_says(void **state)
{
	run_webhook_cases(state, "/sms/twilio", sms_cases, NROWS(sms_cases));
}

static void
test_a_nul_in_the_body_is_refused_before_the_signature_is_looked_at(void **state)
{
	struct provider_fixture *f = *state;
	struct req_in in = R(FORM, "Body=hi", NULL, NULL, NULL);
	struct gw_webhook wh;
	struct provider_req b;
	char reason[256];

	memset(&wh, 0, sizeof(wh));
	provider_build_req(f, &in, "/sms/twilio", &b);
	b.r.body = "Body=h\0i&From=1";
	b.r.len = 15;
	assert_int_equal(f->ops->parse_sms(f->p, &b.r, 2000, &wh, reason, sizeof(reason)), 400);
	assert_non_null(strstr(reason, "NUL"));
}

/*
 * The worked example of Twilio's "Webhooks security" page: token 12345, the URL
 * https://mycompany.com/myapp.php?foo=1&bar=2, five fields, signature
 * 0/KCTR6DLpKmkAf8muzZqo1nDgQ= (the value Twilio publishes; openssl gives the same). It is
 * a voice call, so once the signature passes the request still lacks a MessageSid: 400, not 403.
 */
static void
test_twilios_published_example_passes_the_signature_check(void **state)
{
	const struct gw_provider_ops *ops = gw_provider_find("twilio");
	struct req_in in = R(FORM, "To=%2B18005551212&CallSid=CA1234567890ABCDE&Digits=1234"
	    "&From=%2B12349013030&Caller=%2B12349013030", NULL, NULL, NULL);
	struct gw_kv sig = { (char *)"X-Twilio-Signature", (char *)"0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
	    28 };
	struct gw_provider *p;
	struct gw_webhook wh;
	struct config cfg;
	struct provider_req b;
	char reason[256], err[256];
	int unconfigured = 0;

	(void)state;
	config_defaults(&cfg);
	configure_with(&cfg, NULL);
	config_set_string(&cfg.twilio_auth_token, "12345");
	config_set_string(&cfg.twilio_public_url, "https://mycompany.com");
	p = ops->open(&cfg, &unconfigured, err, sizeof(err));
	assert_non_null(p);
	memset(&wh, 0, sizeof(wh));
	provider_build_req(NULL, &in, "/myapp.php?foo=1&bar=2", &b);
	b.headers[1] = sig;
	b.r.nheaders = 2;
	assert_int_equal(ops->parse_sms(p, &b.r, 2000, &wh, reason, sizeof(reason)), 400);
	assert_non_null(strstr(reason, "MessageSid"));
	/* One digit changed: the signature no longer fits. */
	in.body = "To=%2B18005551212&CallSid=CA1234567890ABCDE&Digits=1235"
	    "&From=%2B12349013030&Caller=%2B12349013030";
	provider_build_req(NULL, &in, "/myapp.php?foo=1&bar=2", &b);
	b.headers[1] = sig;
	b.r.nheaders = 2;
	assert_int_equal(ops->parse_sms(p, &b.r, 2000, &wh, reason, sizeof(reason)), 403);
	gw_webhook_free(&wh);
	ops->close(p);
	config_free(&cfg);
}

static void
test_the_reply_is_empty_twiml(void **state)
{
	provider_assert_sms_reply(state, 200, "text/xml",
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>");
}

#define DLR_URL URL "/dlr/twilio"

static const struct dlr_case dlr_cases[] = {
	{ "delivered", R(FORM, "MessageSid=SM77&MessageStatus=delivered&AccountSid=" SID, TOKEN,
	    DLR_URL "AccountSid" SID "MessageSidSM77" "MessageStatusdelivered", NULL), 0, NULL,
	    "SM77", DLR_DELIVERED, NULL, 0 },
	{ "sent is on the way", R(FORM, "MessageSid=SM78&MessageStatus=sent", TOKEN, DLR_URL
	    "MessageSidSM78" "MessageStatussent", NULL), 0, NULL, "SM78", DLR_PENDING, NULL, 0 },
	{ "undelivered 30003", R(FORM, "ErrorCode=30003&MessageSid=SM79&MessageStatus=undelivered",
	    TOKEN, DLR_URL "ErrorCode30003" "MessageSidSM79" "MessageStatusundelivered", NULL), 0,
	    NULL, "SM79", DLR_FAILED, "Twilio undelivered 30003", 0 },
	{ "failed 21610: the farmer sent STOP", R(FORM,
	    "MessageStatus=failed&MessageSid=SM80&ErrorCode=21610", TOKEN, DLR_URL "ErrorCode21610"
	    "MessageSidSM80" "MessageStatusfailed", NULL), 0, NULL, "SM80", DLR_FAILED,
	    "Twilio failed 21610", 1 },
	{ "canceled", R(FORM, "MessageSid=SM81&MessageStatus=canceled", TOKEN, DLR_URL
	    "MessageSidSM81" "MessageStatuscanceled", NULL), 0, NULL, "SM81", DLR_FAILED, NULL, 0 },
	{ "not signed", R(FORM, "MessageSid=SM77&MessageStatus=delivered", NULL, NULL, NULL), 403,
	    NULL, NULL, 0, "X-Twilio-Signature", 0 },
	{ "signed for /sms/twilio", R(FORM, "MessageSid=SM77&MessageStatus=delivered", TOKEN, URL
	    "/sms/twilio" "MessageSidSM77" "MessageStatusdelivered", NULL), 403, NULL, NULL, 0,
	    "X-Twilio-Signature", 0 },
	{ "no status", R(FORM, "MessageSid=SM77", TOKEN, DLR_URL "MessageSidSM77", NULL), 400, NULL,
	    NULL, 0, "MessageStatus", 0 },
	{ "a sid that is not one", R(FORM, "MessageSid=SM%0A77&MessageStatus=sent", TOKEN, DLR_URL
	    "MessageSidSM\n77" "MessageStatussent", NULL), 400, NULL, NULL, 0, "MessageSid", 0 },
	{ "an error code that is not a number", R(FORM,
	    "ErrorCode=x1&MessageSid=SM1&MessageStatus=failed", TOKEN, DLR_URL "ErrorCodex1"
	    "MessageSidSM1" "MessageStatusfailed", NULL), 400, NULL, NULL, 0, "ErrorCode", 0 },
	{ "status twice", R(FORM, "MessageSid=SM1&MessageStatus=failed&MessageStatus=delivered",
	    TOKEN, DLR_URL "MessageSidSM1" "MessageStatusdelivered" "MessageStatusfailed", NULL),
	    400, NULL, NULL, 0, "given twice", 0 },
};

static void
test_status_callbacks_parse_as_the_table_says(void **state)
{
	run_dlr_cases(state, "/dlr/twilio", dlr_cases, NROWS(dlr_cases));
}

/* The decoded value of key in a form body, or NULL (caller frees). */
static char *
form_value(const char *body, const char *key)
{
	struct gw_kv kv[16];
	char reason[64], *v = NULL;
	const struct gw_kv *f;
	int n = gw_form_parse(body, strlen(body), kv, 16, reason, sizeof(reason));

	assert_true(n >= 0);
	f = gw_kv_find(kv, n, key);
	if (f)
		v = strdup(f->value);
	gw_kv_free(kv, n);
	return v;
}

static void
test_messages_api_request(void **state)
{
	struct provider_fixture *f = *state;
	struct gw_outbound m = { 7, "10690000", "+8613800000001", "鹅苗 & 天麻 = 100%", 1, NULL };
	struct gw_out_request req;
	char err[256], *v;

	memset(&req, 0, sizeof(req));
	assert_int_equal(f->ops->build(f->p, &m, &req, err, sizeof(err)), 0);
	assert_string_equal(req.url,
	    "https://api.twilio.com/2010-04-01/Accounts/" SID "/Messages.json");
	assert_string_equal(req.userpwd, SID ":" TOKEN);
	assert_string_equal(req.headers->data, "Content-Type: application/x-www-form-urlencoded");
	assert_int_equal(req.len, strlen(req.body));
	v = form_value(req.body, "To");
	assert_string_equal(v, "+8613800000001");
	free(v);
	v = form_value(req.body, "From");	/* the configured number, not m.from */
	assert_string_equal(v, "+15005550006");
	free(v);
	v = form_value(req.body, "Body");
	assert_string_equal(v, "鹅苗 & 天麻 = 100%");
	free(v);
	v = form_value(req.body, "StatusCallback");
	assert_string_equal(v, URL "/dlr/twilio");
	free(v);
	assert_null(form_value(req.body, "MessagingServiceSid"));
	gw_out_request_free(&req);
}

static void
test_messages_api_request_through_a_messaging_service(void **state)
{
	const struct gw_provider_ops *ops = gw_provider_find("twilio");
	struct gw_outbound m = { 8, "10690000", "+8613800000001", "hi", 1, NULL };
	struct gw_out_request req;
	struct gw_provider *p;
	struct config cfg;
	char err[256], *v;
	int unconfigured = 0;

	(void)state;
	config_defaults(&cfg);
	configure_with(&cfg, "MG0123456789abcdef0123456789abcdef");
	p = ops->open(&cfg, &unconfigured, err, sizeof(err));
	assert_non_null(p);
	memset(&req, 0, sizeof(req));
	assert_int_equal(ops->build(p, &m, &req, err, sizeof(err)), 0);
	v = form_value(req.body, "MessagingServiceSid");
	assert_string_equal(v, "MG0123456789abcdef0123456789abcdef");
	free(v);
	assert_null(form_value(req.body, "From"));
	gw_out_request_free(&req);
	ops->close(p);
	config_free(&cfg);
}

static const struct reply_case reply_cases[] = {
	{ "HTTP 201 queued", 201, "{\"sid\":\"SM123\",\"status\":\"queued\"}", GW_SEND_OK, "SM123",
	    NULL, 0 },
	{ "HTTP 201 not JSON", 201, "not json", GW_SEND_OK, "", NULL, 0 },
	{ "HTTP 400 code 21610", 400,
	    "{\"code\":21610,\"message\":\"Attempt to send to unsubscribed recipient\","
	    "\"status\":400}", GW_SEND_FAIL, NULL, "HTTP", 1 },
	{ "HTTP 400 code 21611", 400,
	    "{\"code\":21611,\"message\":\"This 'From' number has exceeded the maximum "
	    "number of queued messages\",\"status\":400}", GW_SEND_RETRY, NULL, "HTTP", 0 },
	{ "HTTP 400 code 21211", 400,
	    "{\"code\":21211,\"message\":\"The 'To' number is not a valid phone number."
	    "\",\"status\":400}", GW_SEND_FAIL, NULL, "HTTP", 0 },
	{ "HTTP 401 code 20003", 401,
	    "{\"code\":20003,\"message\":\"Authenticate\",\"status\":401}", GW_SEND_FAIL, NULL,
	    "HTTP", 0 },
	{ "HTTP 429 code 20429", 429,
	    "{\"code\":20429,\"message\":\"Too Many Requests\",\"status\":429}", GW_SEND_RETRY,
	    NULL, "HTTP", 0 },
	{ "HTTP 500 empty", 500, "", GW_SEND_RETRY, NULL, "HTTP", 0 },
	{ "HTTP 503 HTML", 503, "<html>Service Unavailable</html>", GW_SEND_RETRY, NULL, "HTTP", 0
	    },
	{ "no answer", 0, NULL, GW_SEND_RETRY, NULL, "HTTP", 0 },
};

static void
test_messages_api_answers_map_to_sent_retry_or_fail(void **state)
{
	run_reply_cases(state, reply_cases, NROWS(reply_cases));
}

static void
test_configuration_that_cannot_work_is_refused(void **state)
{
	struct config cfg;

	(void)state;
	/* No [twilio] section: its webhooks stay off. */
	provider_assert_refused("twilio", NULL, NULL, NULL);
	/* A token but no public URL: no signature could ever be checked. */
	config_defaults(&cfg);
	configure_with(&cfg, NULL);
	config_set_string(&cfg.twilio_public_url, "");
	provider_assert_refused("twilio", &cfg, "public_url", TOKEN);
	config_free(&cfg);
	/* Sending without a sender. */
	config_defaults(&cfg);
	configure_with(&cfg, NULL);
	config_set_string(&cfg.twilio_from, "");
	provider_assert_refused("twilio", &cfg, "from", NULL);
	config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inbound_sms_parse_or_fail_as_the_table_says),
		cmocka_unit_test(test_a_nul_in_the_body_is_refused_before_the_signature_is_looked_at),
		cmocka_unit_test(test_twilios_published_example_passes_the_signature_check),
		cmocka_unit_test(test_the_reply_is_empty_twiml),
		cmocka_unit_test(test_status_callbacks_parse_as_the_table_says),
		cmocka_unit_test(test_messages_api_request),
		cmocka_unit_test(test_messages_api_request_through_a_messaging_service),
		cmocka_unit_test(test_messages_api_answers_map_to_sent_retry_or_fail),
		cmocka_unit_test(test_configuration_that_cannot_work_is_refused),
	};

	return cmocka_run_group_tests_name("provider_twilio", tests, setup,
	    provider_teardown);
}
