/*
 * libFuzzer harness: the USSD menu (gateway/ussd_*.c). A step as Africa's Talking posts it is
 * parsed and checked (the adapter's parse_ussd); a step that passes is then answered (gw_ussd_step) in a
 * small county's database (fuzz/world.h) inside a transaction that is rolled back: the text,
 * every input of the session joined by "*", walks the screens, asks questions, rates, subscribes
 * and registers. Checks: a refusal is a 4xx with a reason; a screen starts "CON " or "END ",
 * is valid UTF-8 and at most 182 characters; every SMS the step queued is valid and within
 * max_segments; no database error.
 *
 * Input: the form body of one step (Content-Type application/x-www-form-urlencoded), e.g.
 *     sessionId=ATUid_1&serviceCode=*384*1234%23&phoneNumber=%2B8613800000001&text=1*1*...
 * Run from the top of the tree (the county reads config/).
 * Seeds: fuzz/corpus/ussd/, from tests/unit/test_ussd.c.
 * Run:   make fuzz FUZZ_TARGETS=ussd FUZZ_SECONDS=300
 */
#include "fuzz/common.h"
#include "fuzz/world.h"

#include "gateway/provider.h"
#include "common/sms.h"
#include "gateway/ussd.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FORM "application/x-www-form-urlencoded"

static struct fuzz_world *w;
static const struct gw_provider_ops *at;	/* parse_ussd keeps nothing of the provider's */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	w = fuzz_world();
	at = gw_provider_find("africastalking");
	if (at == NULL || at->parse_ussd == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_kv header = { (char *)"Content-Type", (char *)FORM, sizeof(FORM) - 1 };
	struct ussd_in in;
	struct gw_req r;
	char reason[256] = "", *body = NULL, *reply = NULL;
	int status;

	if (size > 0) {
		body = malloc(size);	/* exactly its size */
		if (body == NULL)
			abort();
		memcpy(body, data, size);
	}
	memset(&r, 0, sizeof(r));
	r.method = "POST";
	r.path = "/ussd/africastalking";
	r.tail = "";
	r.content_type = FORM;
	r.headers = &header;
	r.nheaders = 1;
	r.body = body;
	r.len = size;
	status = at->parse_ussd(NULL, &r, &in, reason, sizeof(reason));
	if (status) {
		FUZZ_CHECK(status == 400 || status == 415);
		FUZZ_CHECK(reason[0] && utf8_valid(reason, strlen(reason)));
		FUZZ_CHECK(in.session == NULL && in.service_code == NULL && in.text == NULL);
		free(body);
		return 0;
	}
	FUZZ_CHECK(in.phone[0] == '+' && in.text && strlen(in.text) <= USSD_MAX_TEXT);

	FUZZ_CHECK(store_begin(w->s) == STORE_OK);
	FUZZ_CHECK(gw_ussd_step(w->c, w->menu, &in, w->now, &reply) == STORE_OK);
	FUZZ_CHECK(reply != NULL);
	FUZZ_CHECK(strncmp(reply, "CON ", 4) == 0 || strncmp(reply, "END ", 4) == 0);
	FUZZ_CHECK(utf8_valid(reply, strlen(reply)));
	if (utf8_chars(reply) > USSD_MAX_SCREEN)
		fuzz_report("fuzz: a screen of %d characters: %s\n", utf8_chars(reply), reply);
	FUZZ_CHECK(utf8_chars(reply) <= USSD_MAX_SCREEN);
	fuzz_world_check_outbox(w);
	FUZZ_CHECK(store_rollback(w->s) == STORE_OK);

	free(reply);
	gw_ussd_free(&in);
	free(body);
	return 0;
}
