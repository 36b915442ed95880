/*
 * Every provider's inbound webhook through the real binary: Twilio (signed, checked against a
 * signature computed by the openssl command, not by farmline), Africa's Talking, Tencent Cloud
 * and Aliyun (a secret in the path). Each stores the question once however often it is sent.
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

#define TWILIO_TOKEN "twilio-auth-token-for-tests"
#define TENCENT "tencent-secret-0123456789"
#define ALIYUN "aliyun-secret-0123456789"
#define ATTOKEN "africastalking-secret-0123456789"

static int
setup(void **state)
{
	*state = h_world_new("providers",
	    "[twilio]\naccount_sid = AC00000000000000000000000000000000\n"
	    "auth_token = " TWILIO_TOKEN "\nfrom = +15005550006\n"
	    "public_url = https://sms.example.org\n"
	    "[africastalking]\nusername = sandbox\ntoken = " ATTOKEN "\n"
	    "[tencent]\ntoken = " TENCENT "\n"
	    "[aliyun]\ntoken = " ALIYUN "\n");
	return *state ? 0 : -1;
}

static int
teardown(void **state)
{
	h_world_free(*state);
	return 0;
}

/* base64(HMAC-SHA1(key, data)) by the openssl command, into sig. */
static void
openssl_hmac(struct world *w, const char *data, char *sig, size_t len)
{
	char *path = tu_write_file(w->dir, "signed.txt", data), cmd[512];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "openssl dgst -sha1 -hmac '%s' -binary '%s' | base64",
	    TWILIO_TOKEN, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(sig, (int)len, p));
	sig[strcspn(sig, "\r\n")] = '\0';
	assert_int_equal(pclose(p), 0);
	free(path);
}

static long
twilio_post(struct world *w, const char *signature, char **reply)
{
	static const char body[] = "Body=%E9%B9%85%E8%8B%97%E6%AD%BB%E4%BA%A1%E5%BE%88%E5%A4%9A"
	    "&From=%2B8613800000001&MessageSid=SM0123456789abcdef0123456789abcdef"
	    "&To=%2B15005550006";
	char header[256];
	const char *const extra[] = { header, NULL };

	snprintf(header, sizeof(header), "X-Twilio-Signature: %s", signature ? signature : "");
	return h_http_ex(w, "POST", "/sms/twilio", signature ? extra : NULL,
	    "application/x-www-form-urlencoded", body, strlen(body), reply, NULL);
}

static void
test_twilio_is_signed_and_answered_with_empty_twiml(void **state)
{
	struct world *w = *state;
	char sig[128], *reply;

	h_gateway_start(w);
	/* What Twilio signs: the URL it called, then each field's name and value, by name. */
	openssl_hmac(w, "https://sms.example.org/sms/twilio"
	    "Body鹅苗死亡很多From+8613800000001MessageSidSM0123456789abcdef0123456789abcdefTo+15005550006",
	    sig, sizeof(sig));
	assert_int_equal(twilio_post(w, sig, &reply), 200);
	tu_assert_contains(reply, "<Response/>");
	free(reply);
	assert_int_equal(twilio_post(w, sig, NULL), 200);	/* Twilio's retry: stored once */
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM consultations WHERE question ="
	    " '鹅苗死亡很多'"), 1);
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM messages WHERE provider ="
	    " 'twilio' AND provider_id = 'SM0123456789abcdef0123456789abcdef'"), 1);
	/* A wrong or missing signature: 403, and nothing stored. */
	sig[3] = sig[3] == 'A' ? 'B' : 'A';
	assert_int_equal(twilio_post(w, sig, NULL), 403);
	assert_int_equal(twilio_post(w, NULL, NULL), 403);
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM messages WHERE direction ="
	    " 'in'"), 1);
	pthread_mutex_lock(&w->gw.lock);
	assert_null(strstr(w->gw.log ? w->gw.log : "", TWILIO_TOKEN));
	pthread_mutex_unlock(&w->gw.lock);
}

static void
test_africas_talking_tencent_and_aliyun_store_each_question_once(void **state)
{
	struct world *w = *state;
	static const char at[] = "from=%2B8613800000002&to=10690000&text=%E7%8C%AA%E4%B8%8D%E5%90%83"
	    "%E9%A3%9F&id=ATXid_0001&date=2018-03-01+08%3A00%3A00&linkId=L1";
	static const char tencent[] = "{\"mobile\":\"13800000003\",\"nationcode\":\"86\","
	    "\"text\":\"鸭子不下蛋\",\"time\":1520000000,\"sign\":\"科技扶贫\",\"extend\":\"\"}";
	static const char aliyun[] = "[{\"phone_number\":\"13800000004\",\"content\":\"羊拉稀\","
	    "\"send_time\":\"2018-03-01 08:00:00\",\"sign_name\":\"科技扶贫\",\"dest_code\":\"1\","
	    "\"sequence_id\":1001},{\"phone_number\":\"13800000005\",\"content\":\"牛不反刍\","
	    "\"send_time\":\"2018-03-01 08:00:01\",\"sign_name\":\"科技扶贫\",\"dest_code\":\"1\","
	    "\"sequence_id\":1002}]";
	char *reply;
	int i;

	h_gateway_start(w);
	for (i = 0; i < 2; i++) {
		assert_int_equal(h_http(w, "POST", "/sms/africastalking/" ATTOKEN,
		    "application/x-www-form-urlencoded", at, strlen(at), NULL), 200);
		assert_int_equal(h_http(w, "POST", "/sms/tencent/" TENCENT, "application/json",
		    tencent, strlen(tencent), &reply), 200);
		tu_assert_contains(reply, "\"result\":0");
		free(reply);
		assert_int_equal(h_http(w, "POST", "/sms/aliyun/" ALIYUN, "application/json", aliyun,
		    strlen(aliyun), &reply), 200);
		tu_assert_contains(reply, "\"code\":0");
		free(reply);
	}
	/* Four questions, each once: AT by id, Tencent by the short window, Aliyun by sequence_id. */
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM consultations"), 4);
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM farmers WHERE phone IN"
	    " ('+8613800000002', '+8613800000003', '+8613800000004', '+8613800000005')"), 4);
	/* The secret is needed, and never said back. */
	assert_int_equal(h_http(w, "POST", "/sms/tencent", "application/json", tencent,
	    strlen(tencent), &reply), 403);
	assert_null(strstr(reply, TENCENT));
	free(reply);
	assert_int_equal(h_http(w, "POST", "/sms/aliyun/wrong-secret-0123456789", "application/json",
	    aliyun, strlen(aliyun), NULL), 403);
	assert_int_equal(h_http(w, "POST", "/sms/africastalking",
	    "application/x-www-form-urlencoded", at, strlen(at), NULL), 403);
	assert_int_equal(h_http(w, "POST", "/sms/africastalking/extra",
	    "application/x-www-form-urlencoded", at, strlen(at), NULL), 403);
	/* Kannel has no section here: its webhooks are off. */
	assert_int_equal(h_http(w, "GET", "/sms/kannel?from=%2B8613800000009&text=hi", NULL, NULL,
	    0, NULL), 404);
	/* Every refusal was logged, without the secrets. */
	assert_int_equal(h_log_wait(w, "refused with 403"), 1);
	pthread_mutex_lock(&w->gw.lock);
	assert_null(strstr(w->gw.log, TENCENT));
	assert_null(strstr(w->gw.log, ALIYUN));
	assert_null(strstr(w->gw.log, ATTOKEN));
	pthread_mutex_unlock(&w->gw.lock);
}

/*
 * F1, F2: a provider whose secret is not configured takes nothing: the generic provider
 * without [http] inbound_token (even while it sends), Africa's Talking without its token
 * (SMS, reports and USSD), Kannel without its token. Each is 404, and start-up says so.
 */
static void
test_webhooks_without_their_secret_are_off(void **state)
{
	static const struct {
		const char *method, *path, *ctype, *body;
	} doors[] = {
		{ "POST", "/sms/inbound", "application/x-www-form-urlencoded",
		    "from=%2B8613800000001&text=hi" },
		{ "POST", "/sms/inbound/" H_INBOUND_TOKEN, "application/x-www-form-urlencoded",
		    "from=%2B8613800000001&text=hi" },
		{ "POST", "/sms/http", "application/json",
		    "{\"from\":\"+8613800000001\",\"text\":\"hi\"}" },
		{ "POST", "/dlr/http", "application/x-www-form-urlencoded",
		    "id=1&status=delivered" },
		{ "POST", "/sms/africastalking", "application/x-www-form-urlencoded",
		    "from=%2B8613800000001&text=hi&id=x1" },
		{ "POST", "/dlr/africastalking", "application/x-www-form-urlencoded",
		    "id=x1&status=Success" },
		{ "POST", "/ussd/africastalking", "application/x-www-form-urlencoded",
		    "sessionId=s1&serviceCode=*384%23&phoneNumber=%2B8613800000001&text=2" },
		{ "GET", "/sms/kannel?from=%2B8613800000001&text=hi&id=k1", NULL, NULL },
		{ "GET", "/dlr/kannel?ref=0123456789abcdef0123456789abcdef&status=1", NULL, NULL },
	};
	struct world *w = h_world_new("webhooks-off", "[http]\ninbound_token =\n"
	    "[africastalking]\nusername = sandbox\n[kannel]\nusername = farmline\n");
	size_t i;

	(void)state;
	assert_non_null(w);
	h_gateway_start(w);
	for (i = 0; i < sizeof(doors) / sizeof(doors[0]); i++) {
		long status = h_http(w, doors[i].method, doors[i].path, doors[i].ctype,
		    doors[i].body, doors[i].body ? strlen(doors[i].body) : 0, NULL);

		if (status != 404)
			fail_msg("%s %s: %ld, want 404", doors[i].method, doors[i].path, status);
	}
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM messages"), 0);
	assert_int_equal(h_log_wait(w, "http webhooks off: [http] inbound_token is not set"), 1);
	assert_int_equal(h_log_wait(w, "africastalking webhooks off"), 1);
	assert_int_equal(h_log_wait(w, "kannel webhooks off"), 1);
	h_world_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_twilio_is_signed_and_answered_with_empty_twiml,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_africas_talking_tencent_and_aliyun_store_each_question_once, setup, teardown),
		cmocka_unit_test(test_webhooks_without_their_secret_are_off),
	};

	return cmocka_run_group_tests_name("providers", tests, NULL, NULL);
}
