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

/* A signed webhook request. */
struct req_in {
	const char *content_type;
	const char *body;
	const char *path;
	const char *token;	/* who signs: TOKEN, OTHER_TOKEN, or NULL for no signature */
	const char *signs;	/* what is signed, exactly as Twilio would put it together */
	const char *mangle;	/* "lower", "cut": spoil the signature after computing it */
};

struct built {
	struct gw_req r;
	struct gw_kv headers[2];
	char sig[64];
};

static void
build_req(const struct req_in *in, struct built *b)
{
	int nh = 0;

	memset(b, 0, sizeof(*b));
	b->r.method = "POST";
	b->r.path = in->path;
	b->r.tail = "";
	b->r.content_type = in->content_type;
	b->r.body = in->body;
	b->r.len = strlen(in->body);
	if (in->content_type) {
		b->headers[nh].key = (char *)"Content-Type";
		b->headers[nh].value = (char *)in->content_type;
		b->headers[nh++].vlen = strlen(in->content_type);
	}
	if (in->token) {
		openssl_signature(in->token, in->signs, b->sig, sizeof(b->sig));
		if (in->mangle && strcmp(in->mangle, "lower") == 0) {
			char *p;

			for (p = b->sig; *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p - 'A' + 'a');
		} else if (in->mangle && strcmp(in->mangle, "cut") == 0) {
			b->sig[strlen(b->sig) - 1] = '\0';
		}
		b->headers[nh].key = (char *)"X-Twilio-Signature";
		b->headers[nh].value = b->sig;
		b->headers[nh++].vlen = strlen(b->sig);
	}
	b->r.headers = b->headers;
	b->r.nheaders = nh;
}

struct fixture {
	struct config cfg;
	const struct gw_provider_ops *ops;
	struct gw_provider *p;
};

static void
configure(struct config *cfg, const char *service)
{
	config_defaults(cfg);
	config_set_string(&cfg->provider_type, "twilio");
	config_set_string(&cfg->twilio_account_sid, SID);
	config_set_string(&cfg->twilio_auth_token, TOKEN);
	config_set_string(&cfg->twilio_from, service ? "" : "+15005550006");
	config_set_string(&cfg->twilio_messaging_service_sid, service ? service : "");
	config_set_string(&cfg->twilio_public_url, URL "/");	/* the slash is dropped */
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];
	int unconfigured = 0;

	if (f == NULL)
		return -1;
	configure(&f->cfg, NULL);
	f->ops = gw_provider_find("twilio");
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

struct sms_case {
	const char *name;
	struct req_in in;
	int status;
	const char *from, *to, *text, *id;
	const char *reason;
};

static const struct sms_case sms_cases[] = {
	{ "signed by Twilio", { FORM, SMS_BODY, "/sms/twilio", TOKEN, SMS_SIGNS, NULL }, 0,
	    "+8613800000001", "+8610690000", "鹅苗死了 help", MSID, NULL },
	{ "with a charset in the Content-Type",
	    { FORM "; charset=utf-8", SMS_BODY, "/sms/twilio", TOKEN, SMS_SIGNS, NULL }, 0,
	    "+8613800000001", "+8610690000", "鹅苗死了 help", MSID, NULL },
	{ "signed with another token",
	    { FORM, SMS_BODY, "/sms/twilio", OTHER_TOKEN, SMS_SIGNS, NULL }, 403, NULL, NULL, NULL,
	    NULL, "X-Twilio-Signature" },
	{ "not signed", { FORM, SMS_BODY, "/sms/twilio", NULL, NULL, NULL }, 403, NULL, NULL,
	    NULL, NULL, "X-Twilio-Signature" },
	{ "signed for another URL", { FORM, SMS_BODY, "/sms/twilio", TOKEN,
	    "http://sms.example.cn/sms/twilio" "AccountSid" SID "ApiVersion2010-04-01"
	    "Body鹅苗死了 help" "From+8613800000001" "FromCountryCN" "MessageSid" MSID
	    "NumMedia0" "SmsMessageSid" MSID "To+8610690000" "ToCountryCN" "ToState", NULL }, 403,
	    NULL, NULL, NULL, NULL, "X-Twilio-Signature" },
	{ "signed over fields in the posted order",
	    { FORM, SMS_BODY, "/sms/twilio", TOKEN, SMS_SIGNS_UNSORTED, NULL }, 403, NULL, NULL,
	    NULL, NULL, "X-Twilio-Signature" },
	{ "a body changed after it was signed", { FORM,
	    "Body=%E9%B9%85&From=%2B8613900000002&MessageSid=" MSID1, "/sms/twilio", TOKEN,
	    URL "/sms/twilio" "Body鹅" "From+8613800000001" "MessageSid" MSID1, NULL }, 403, NULL,
	    NULL, NULL, NULL, "X-Twilio-Signature" },
	{ "a signature in lower case", { FORM, SMS_BODY, "/sms/twilio", TOKEN, SMS_SIGNS,
	    "lower" }, 403, NULL, NULL, NULL, NULL, "X-Twilio-Signature" },
	{ "a signature cut short", { FORM, SMS_BODY, "/sms/twilio", TOKEN, SMS_SIGNS, "cut" },
	    403, NULL, NULL, NULL, NULL, "X-Twilio-Signature" },
	{ "signed, but no Body", { FORM, "From=%2B8613800000001&MessageSid=" MSID2, "/sms/twilio",
	    TOKEN, URL "/sms/twilio" "From+8613800000001" "MessageSid" MSID2, NULL }, 400, NULL,
	    NULL, NULL, NULL, "missing field: text" },
	{ "signed, an empty Body (a picture alone)", { FORM,
	    "Body=&From=%2B8613800000001&MessageSid=" MSID3 "&NumMedia=1", "/sms/twilio", TOKEN,
	    URL "/sms/twilio" "Body" "From+8613800000001" "MessageSid" MSID3 "NumMedia1", NULL },
	    400, NULL, NULL, NULL, NULL, "text is empty" },
	{ "signed, From twice", { FORM,
	    "Body=hi&From=%2B8613900000002&From=%2B8613800000001&MessageSid=" MSID4, "/sms/twilio",
	    TOKEN, URL "/sms/twilio" "Bodyhi" "From+8613800000001" "From+8613900000002"
	    "MessageSid" MSID4, NULL }, 400, NULL, NULL, NULL, NULL, "field From given twice" },
	{ "signed, Body not UTF-8", { FORM, "Body=%FF&From=%2B8613800000001&MessageSid=" MSID5,
	    "/sms/twilio", TOKEN, URL "/sms/twilio" "Body\xff" "From+8613800000001"
	    "MessageSid" MSID5, NULL }, 400, NULL, NULL, NULL, NULL, "not valid UTF-8" },
	{ "signed, a WhatsApp sender", { FORM,
	    "Body=hi&From=whatsapp%3A%2B8613800000001&MessageSid=" MSID6, "/sms/twilio", TOKEN,
	    URL "/sms/twilio" "Bodyhi" "Fromwhatsapp:+8613800000001" "MessageSid" MSID6, NULL },
	    400, NULL, NULL, NULL, NULL, "from: not a phone number" },
	/* F9: without MessageSid the message has no id to be deduplicated on: a captured request
	 * re-split to drop it would be a new message each time. */
	{ "signed, no MessageSid", { FORM, "Body=hi&From=%2B8613800000001", "/sms/twilio", TOKEN,
	    URL "/sms/twilio" "Bodyhi" "From+8613800000001", NULL }, 400, NULL, NULL, NULL, NULL,
	    "MessageSid" },
	{ "signed, MessageSid re-split into another field", { FORM,
	    "Body=hi&From=%2B8613800000001&M=essageSid" MSID,
	    "/sms/twilio", TOKEN, URL "/sms/twilio" "Bodyhi" "From+8613800000001"
	    "MessageSid" MSID, NULL }, 400, NULL, NULL, NULL, NULL,
	    "MessageSid" },
	{ "signed, MessageSid lengthened by re-splitting the next field", { FORM,
	    "Body=hi&From=%2B8613800000001&MessageSid=" MSID "T"
	    "&o=%2B8610690000", "/sms/twilio", TOKEN, URL "/sms/twilio" "Bodyhi"
	    "From+8613800000001" "MessageSid" MSID "T" "o+8610690000",
	    NULL }, 400, NULL, NULL, NULL, NULL, "MessageSid" },
	{ "signed, a MessageSid that is not Twilio's", { FORM,
	    "Body=hi&From=%2B8613800000001&MessageSid=x1", "/sms/twilio", TOKEN,
	    URL "/sms/twilio" "Bodyhi" "From+8613800000001" "MessageSidx1", NULL }, 400, NULL,
	    NULL, NULL, NULL, "MessageSid" },
	{ "JSON", { "application/json", "{\"Body\":\"hi\"}", "/sms/twilio", TOKEN,
	    URL "/sms/twilio", NULL }, 415, NULL, NULL, NULL, NULL, "x-www-form-urlencoded" },
};

static void
test_inbound_sms_parse_or_fail_as_the_table_says(void **state)
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
		build_req(&c->in, &b);
		status = f->ops->parse_sms(f->p, &b.r, 2000, &wh, reason, sizeof(reason));
		if (status != c->status)
			fail_msg("%s: status %d (%s), want %d", c->name, status, reason, c->status);
		if (status == 0) {
			assert_int_equal(wh.nmsgs, 1);
			assert_string_equal(wh.msgs[0].from, c->from);
			assert_string_equal(wh.msgs[0].to, c->to);
			assert_string_equal(wh.msgs[0].text, c->text);
			assert_string_equal(wh.msgs[0].id, c->id);
		} else {
			assert_int_equal(wh.nmsgs, 0);
			if (strstr(reason, c->reason) == NULL)
				fail_msg("%s: reason \"%s\", want \"%s\"", c->name, reason, c->reason);
			/* Neither the token nor a signature is ever told back. */
			assert_null(strstr(reason, TOKEN));
			if (b.sig[0])
				assert_null(strstr(reason, b.sig));
		}
		gw_webhook_free(&wh);
	}
}

static void
test_a_nul_in_the_body_is_refused_before_the_signature_is_looked_at(void **state)
{
	struct fixture *f = *state;
	struct req_in in = { FORM, "Body=hi", "/sms/twilio", NULL, NULL, NULL };
	struct gw_webhook wh;
	struct built b;
	char reason[256];

	memset(&wh, 0, sizeof(wh));
	build_req(&in, &b);
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
	struct req_in in = { FORM, "To=%2B18005551212&CallSid=CA1234567890ABCDE&Digits=1234"
	    "&From=%2B12349013030&Caller=%2B12349013030", "/myapp.php?foo=1&bar=2", NULL, NULL,
	    NULL };
	struct gw_kv sig = { (char *)"X-Twilio-Signature", (char *)"0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
	    28 };
	struct gw_provider *p;
	struct gw_webhook wh;
	struct config cfg;
	struct built b;
	char reason[256], err[256];
	int unconfigured = 0;

	(void)state;
	configure(&cfg, NULL);
	config_set_string(&cfg.twilio_auth_token, "12345");
	config_set_string(&cfg.twilio_public_url, "https://mycompany.com");
	p = ops->open(&cfg, &unconfigured, err, sizeof(err));
	assert_non_null(p);
	memset(&wh, 0, sizeof(wh));
	build_req(&in, &b);
	b.headers[1] = sig;
	b.r.nheaders = 2;
	assert_int_equal(ops->parse_sms(p, &b.r, 2000, &wh, reason, sizeof(reason)), 400);
	assert_non_null(strstr(reason, "MessageSid"));
	/* One digit changed: the signature no longer fits. */
	in.body = "To=%2B18005551212&CallSid=CA1234567890ABCDE&Digits=1235"
	    "&From=%2B12349013030&Caller=%2B12349013030";
	build_req(&in, &b);
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
	struct fixture *f = *state;
	struct gw_webhook wh;
	struct gw_reply out;

	memset(&wh, 0, sizeof(wh));
	memset(&out, 0, sizeof(out));
	f->ops->sms_reply(f->p, &wh, &out);
	assert_int_equal(out.status, 200);
	assert_string_equal(out.content_type, "text/xml");
	assert_string_equal(out.body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>");
	free(out.body);
}

struct dlr_case {
	const char *name;
	struct req_in in;
	int status;
	const char *sid;
	enum gw_dlr_status dlr;
	const char *reason;	/* stored (NULL: none), or part of the error */
	int opted_out;
};

#define DLR_URL URL "/dlr/twilio"

static const struct dlr_case dlr_cases[] = {
	{ "delivered", { FORM, "MessageSid=SM77&MessageStatus=delivered&AccountSid=" SID,
	    "/dlr/twilio", TOKEN, DLR_URL "AccountSid" SID "MessageSidSM77"
	    "MessageStatusdelivered", NULL }, 0, "SM77", DLR_DELIVERED, NULL, 0 },
	{ "sent is on the way", { FORM, "MessageSid=SM78&MessageStatus=sent", "/dlr/twilio",
	    TOKEN, DLR_URL "MessageSidSM78" "MessageStatussent", NULL }, 0, "SM78", DLR_PENDING,
	    NULL, 0 },
	{ "undelivered 30003", { FORM,
	    "ErrorCode=30003&MessageSid=SM79&MessageStatus=undelivered", "/dlr/twilio", TOKEN,
	    DLR_URL "ErrorCode30003" "MessageSidSM79" "MessageStatusundelivered", NULL }, 0,
	    "SM79", DLR_FAILED, "Twilio undelivered 30003", 0 },
	{ "failed 21610: the farmer sent STOP", { FORM,
	    "MessageStatus=failed&MessageSid=SM80&ErrorCode=21610", "/dlr/twilio", TOKEN,
	    DLR_URL "ErrorCode21610" "MessageSidSM80" "MessageStatusfailed", NULL }, 0, "SM80",
	    DLR_FAILED, "Twilio failed 21610", 1 },
	{ "canceled", { FORM, "MessageSid=SM81&MessageStatus=canceled", "/dlr/twilio", TOKEN,
	    DLR_URL "MessageSidSM81" "MessageStatuscanceled", NULL }, 0, "SM81", DLR_FAILED, NULL,
	    0 },
	{ "not signed", { FORM, "MessageSid=SM77&MessageStatus=delivered", "/dlr/twilio", NULL,
	    NULL, NULL }, 403, NULL, 0, "X-Twilio-Signature", 0 },
	{ "signed for /sms/twilio", { FORM, "MessageSid=SM77&MessageStatus=delivered",
	    "/dlr/twilio", TOKEN, URL "/sms/twilio" "MessageSidSM77" "MessageStatusdelivered",
	    NULL }, 403, NULL, 0, "X-Twilio-Signature", 0 },
	{ "no status", { FORM, "MessageSid=SM77", "/dlr/twilio", TOKEN,
	    DLR_URL "MessageSidSM77", NULL }, 400, NULL, 0, "MessageStatus", 0 },
	{ "a sid that is not one", { FORM, "MessageSid=SM%0A77&MessageStatus=sent",
	    "/dlr/twilio", TOKEN, DLR_URL "MessageSidSM\n77" "MessageStatussent", NULL }, 400,
	    NULL, 0, "MessageSid", 0 },
	{ "an error code that is not a number", { FORM,
	    "ErrorCode=x1&MessageSid=SM1&MessageStatus=failed", "/dlr/twilio", TOKEN,
	    DLR_URL "ErrorCodex1" "MessageSidSM1" "MessageStatusfailed", NULL }, 400, NULL, 0,
	    "ErrorCode", 0 },
	{ "status twice", { FORM,
	    "MessageSid=SM1&MessageStatus=failed&MessageStatus=delivered", "/dlr/twilio", TOKEN,
	    DLR_URL "MessageSidSM1" "MessageStatusdelivered" "MessageStatusfailed", NULL }, 400,
	    NULL, 0, "given twice", 0 },
};

static void
test_status_callbacks_parse_as_the_table_says(void **state)
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
		build_req(&c->in, &b);
		status = f->ops->parse_dlr(f->p, &b.r, &wh, reason, sizeof(reason));
		if (status != c->status)
			fail_msg("%s: status %d (%s), want %d", c->name, status, reason, c->status);
		if (status == 0) {
			assert_true(wh.has_dlr);
			assert_null(wh.dlr.ref);
			assert_string_equal(wh.dlr.provider_id, c->sid);
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
	struct fixture *f = *state;
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
	configure(&cfg, "MG0123456789abcdef0123456789abcdef");
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

static void
test_messages_api_answers_map_to_sent_retry_or_fail(void **state)
{
	static const struct {
		long status;
		const char *body;
		enum gw_send_status want;
		const char *sid;	/* for OK */
		int opted_out;
	} cases[] = {
		{ 201, "{\"sid\":\"SM123\",\"status\":\"queued\"}", GW_SEND_OK, "SM123", 0 },
		{ 201, "not json", GW_SEND_OK, "", 0 },
		{ 400, "{\"code\":21610,\"message\":\"Attempt to send to unsubscribed recipient\","
		    "\"status\":400}", GW_SEND_FAIL, NULL, 1 },
		{ 400, "{\"code\":21611,\"message\":\"This 'From' number has exceeded the maximum "
		    "number of queued messages\",\"status\":400}", GW_SEND_RETRY, NULL, 0 },
		{ 400, "{\"code\":21211,\"message\":\"The 'To' number is not a valid phone number."
		    "\",\"status\":400}", GW_SEND_FAIL, NULL, 0 },
		{ 401, "{\"code\":20003,\"message\":\"Authenticate\",\"status\":401}", GW_SEND_FAIL,
		    NULL, 0 },
		{ 429, "{\"code\":20429,\"message\":\"Too Many Requests\",\"status\":429}",
		    GW_SEND_RETRY, NULL, 0 },
		{ 500, "", GW_SEND_RETRY, NULL, 0 },
		{ 503, "<html>Service Unavailable</html>", GW_SEND_RETRY, NULL, 0 },
		{ 0, NULL, GW_SEND_RETRY, NULL, 0 },
	};
	struct fixture *f = *state;
	struct gw_send_result r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&r, 0, sizeof(r));
		f->ops->map_reply(f->p, cases[i].status, cases[i].body,
		    cases[i].body ? strlen(cases[i].body) : 0, &r);
		if (r.status != cases[i].want)
			fail_msg("case %zu (HTTP %ld): status %d, want %d (%s)", i, cases[i].status,
			    r.status, cases[i].want, r.error);
		assert_int_equal(r.opted_out, cases[i].opted_out);
		if (cases[i].sid)
			assert_string_equal(r.provider_id, cases[i].sid);
		else
			assert_non_null(strstr(r.error, "HTTP"));
		assert_null(strstr(r.error, TOKEN));
	}
}

static void
test_configuration_that_cannot_work_is_refused(void **state)
{
	const struct gw_provider_ops *ops = gw_provider_find("twilio");
	struct config cfg;
	char err[256];
	int unconfigured = 0;

	(void)state;
	/* No [twilio] section: its webhooks stay off. */
	config_defaults(&cfg);
	assert_null(ops->open(&cfg, &unconfigured, err, sizeof(err)));
	assert_true(unconfigured);
	config_free(&cfg);
	/* A token but no public URL: no signature could ever be checked. */
	configure(&cfg, NULL);
	config_set_string(&cfg.twilio_public_url, "");
	unconfigured = 0;
	assert_null(ops->open(&cfg, &unconfigured, err, sizeof(err)));
	assert_false(unconfigured);
	assert_non_null(strstr(err, "public_url"));
	assert_null(strstr(err, TOKEN));
	config_free(&cfg);
	/* Sending without a sender. */
	configure(&cfg, NULL);
	config_set_string(&cfg.twilio_from, "");
	assert_null(ops->open(&cfg, &unconfigured, err, sizeof(err)));
	assert_non_null(strstr(err, "from"));
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

	return cmocka_run_group_tests_name("provider_twilio", tests, setup, teardown);
}
