/*
 * libFuzzer harness: the webhook helpers every provider shares (gateway/webhook.c) and phone
 * numbers (common/phone.c): gw_form_parse, gw_kv_find and gw_kv_pick, gw_req_is and
 * gw_req_type_param, gw_clean_text, gw_check_path_token and gw_path_token_ok, gw_webhook_add,
 * phone_normalize and phone_mask.
 *
 * Input: a form body, decoded by gw_form_parse; its fields, when present, feed the others:
 *
 *     from=%2B8613800000001&to=10690000&text=%E9%B8%A1&id=m1&ctype=text/plain;+charset=UTF-8
 *     &tail=/a-secret-of-24-characters
 *
 * gw_clean_text also reads the raw input, into buffers of several sizes.
 * Seeds: fuzz/corpus/webhook/, from tests/unit/test_webhook.c and the provider tests.
 * Run:   make fuzz FUZZ_TARGETS=webhook FUZZ_SECONDS=300
 */
#include "fuzz/common.h"

#include "common/phone.h"
#include "common/sms.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN "a-secret-of-24-characters"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* Valid UTF-8 without control characters. */
static int
clean(const char *s)
{
	const char *p = s;

	if (!utf8_valid(s, strlen(s)))
		return 0;
	while (*p) {
		uint32_t cp;

		p += utf8_decode(p, &cp);
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			return 0;
	}
	return 1;
}

static void
clean_text(const uint8_t *data, size_t size)
{
	static const size_t sizes[] = { 1, 2, 4, 7, 64, 256 };
	char dst[256];
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(dst, 'x', sizeof(dst));
		gw_clean_text(dst, sizes[i], (const char *)data, size);
		FUZZ_CHECK(memchr(dst, '\0', sizes[i]) != NULL);
		FUZZ_CHECK(clean(dst));
	}
}

static void
phone(const char *in)
{
	char out[PHONE_MAX], again[PHONE_MAX], masked[32];

	if (phone_normalize(in, out, sizeof(out)) != 0)
		return;
	FUZZ_CHECK(out[0] == '+' && strspn(out + 1, "0123456789") == strlen(out + 1));
	FUZZ_CHECK(strlen(out) >= 8 && strlen(out) <= 16);
	FUZZ_CHECK(phone_normalize(out, again, sizeof(again)) == 0 && strcmp(out, again) == 0);
	phone_mask(out, masked, sizeof(masked));
	FUZZ_CHECK(strstr(masked, "****") != NULL);
	/* A masked number never shows more than 7 of its digits. */
	FUZZ_CHECK(strspn(masked, "0123456789") <= 3);
}

static void
request(const struct gw_kv *ctype, const struct gw_kv *tail)
{
	struct gw_kv header;
	struct gw_req r;
	char reason[256], out[40];
	int rc;

	memset(&r, 0, sizeof(r));
	r.method = "POST";
	r.path = "/sms/x";
	r.tail = tail ? tail->value : "";
	if (ctype) {
		header.key = (char *)"Content-Type";
		header.value = ctype->value;
		header.vlen = ctype->vlen;
		r.headers = &header;
		r.nheaders = 1;
		r.content_type = ctype->value;
	}
	(void)gw_req_is(&r, "application/x-www-form-urlencoded");
	(void)gw_req_is(&r, "text/plain");
	FUZZ_CHECK(gw_req_header(&r, "content-type") == r.content_type);
	if (gw_req_type_param(&r, "charset", out, sizeof(out)) == 0)
		FUZZ_CHECK(strlen(out) < sizeof(out));

	reason[0] = '\0';
	rc = gw_check_path_token(&r, TOKEN, reason, sizeof(reason));
	FUZZ_CHECK(rc == 0 || rc == 403);
	FUZZ_CHECK((rc == 0) == (strcmp(r.tail, "/" TOKEN) == 0));
	FUZZ_CHECK(gw_check_path_token(&r, "", reason, sizeof(reason)) == 403);
	rc = gw_check_path(&r, NULL, reason, sizeof(reason));
	FUZZ_CHECK((rc == 0) == (r.tail[0] == '\0'));
	if (tail)
		(void)gw_path_token_ok(tail->value);
}

static void
add(const struct gw_kv *from, const struct gw_kv *to, const struct gw_kv *text,
    const struct gw_kv *id)
{
	struct gw_webhook wh;
	char reason[256] = "";
	int rc, i;

	memset(&wh, 0, sizeof(wh));
	/* Twice: a batch of two (the second may be refused alone). */
	for (i = 0; i < 2; i++) {
		rc = gw_webhook_add(&wh, from ? from->value : NULL, to ? to->value : NULL,
		    text ? text->value : NULL, text ? text->vlen : 0, id ? id->value : NULL, 70,
		    reason, sizeof(reason));
		FUZZ_CHECK(rc == 0 || rc == 400);
		if (rc) {
			FUZZ_CHECK(reason[0] && utf8_valid(reason, strlen(reason)));
			break;
		}
	}
	for (i = 0; i < wh.nmsgs; i++) {
		const struct gw_msg *m = &wh.msgs[i];

		FUZZ_CHECK(m->from[0] == '+');
		FUZZ_CHECK(utf8_valid(m->text, strlen(m->text)) && m->text[0] != '\0');
		FUZZ_CHECK(utf8_chars(m->text) <= 70);
	}
	gw_webhook_free(&wh);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "from", "to", "text", "id", "ctype", "tail", "phone",
	    NULL };
	const struct gw_kv *f[7];
	struct gw_kv kv[WEBHOOK_MAX_FIELDS];
	char reason[256] = "";
	int n, i;

	clean_text(data, size);
	n = gw_form_parse((const char *)data, size, kv, WEBHOOK_MAX_FIELDS, reason,
	    sizeof(reason));
	if (n < 0) {
		FUZZ_CHECK(reason[0] != '\0');
		return 0;
	}
	FUZZ_CHECK(n <= WEBHOOK_MAX_FIELDS);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(kv[i].key != NULL && kv[i].value != NULL);
		FUZZ_CHECK(kv[i].value[kv[i].vlen] == '\0');
		FUZZ_CHECK(strlen(kv[i].value) <= kv[i].vlen);
		FUZZ_CHECK(gw_kv_find(kv, n, kv[i].key) != NULL);
	}
	if (gw_kv_pick(kv, n, keys, f, reason, sizeof(reason)) == 0) {
		for (i = 0; keys[i]; i++)
			FUZZ_CHECK(f[i] == NULL || f[i] == gw_kv_find(kv, n, keys[i]));
		request(f[4], f[5]);
		add(f[0], f[1], f[2], f[3]);
		if (f[6])
			phone(f[6]->value);
		if (f[0])
			phone(f[0]->value);
	}
	gw_kv_free(kv, n);
	return 0;
}
