/*
 * libFuzzer harness: what an inbound SMS does (consult/consult_handle), past every parser on
 * its way: the text is checked as the gateway checks it (gw_webhook_add: a phone number, valid
 * UTF-8, neither blank nor longer than 2000 characters), then handled in a small county's
 * database (fuzz/world.h) inside a transaction that is rolled back: a farmer's question,
 * command, rating or follow-up (farmer_cmd_parse on the normalized text, classification), an
 * expert's answer, pass, list or duty (expert_cmd_parse), triage staff's routing, an
 * information commissioner's question for a farmer. Checks: no database error, an action
 * named, and every SMS queued valid UTF-8 to a phone number within max_segments.
 *
 * Input: the sender on the first line, the text after it:
 *     farmer       +8613800000001, with an answered question and an open one
 *     farmer3      +8613800000003, with an answer not yet rated
 *     expert       the poultry expert, who holds the open question
 *     triage       triage staff
 *     commissioner an information commissioner
 *     anything else: a farmer never seen before
 * e.g. "expert\n3 建议先隔离病鸭" or "commissioner\n代13800000005 玉米倒伏怎么办".
 * Run from the top of the tree (the county reads config/).
 * Seeds: fuzz/corpus/consult/, from tests/unit/test_consult.c and the command tables.
 * Run:   make fuzz FUZZ_TARGETS=consult FUZZ_SECONDS=300
 */
#include "fuzz/common.h"
#include "fuzz/world.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHARS 2000	/* [sms] max_text_chars */

static struct fuzz_world *w;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	w = fuzz_world();
	return 0;
}

static const char *
sender(const char *word)
{
	if (strcmp(word, "farmer") == 0)
		return WORLD_FARMER;
	if (strcmp(word, "farmer3") == 0)
		return "+8613800000003";
	if (strcmp(word, "expert") == 0)
		return w->expert;
	if (strcmp(word, "triage") == 0)
		return WORLD_TRIAGE;
	if (strcmp(word, "commissioner") == 0)
		return WORLD_COMMISSIONER;
	return "+8613800000077";
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	struct consult_result res;
	struct gw_webhook wh;
	struct sms_in in;
	char word[16] = "", reason[256];
	size_t head = nl ? (size_t)(nl - data) : 0, len = nl ? size - head - 1 : size;
	char *text;

	if (head < sizeof(word))
		memcpy(word, data, head);
	text = malloc(len + 1);
	if (text == NULL)
		abort();
	memcpy(text, nl ? nl + 1 : data, len);
	text[len] = '\0';
	memset(&wh, 0, sizeof(wh));
	if (gw_webhook_add(&wh, sender(word), "10690000", text, len, NULL, MAX_CHARS, reason,
	    sizeof(reason)) != 0) {
		free(text);
		return 0;
	}
	in.provider = "http";
	in.provider_id = NULL;
	in.from = wh.msgs[0].from;
	in.to = wh.msgs[0].to;
	in.text = wh.msgs[0].text;

	memset(&res, 0, sizeof(res));
	FUZZ_CHECK(store_begin(w->s) == STORE_OK);
	FUZZ_CHECK(consult_handle(w->c, &in, w->now, &res) == STORE_OK);
	FUZZ_CHECK(res.action[0] != '\0' && memchr(res.action, '\0', sizeof(res.action)));
	FUZZ_CHECK(res.message_id > 0 && res.ticket >= 0);
	fuzz_world_check_outbox(w);
	FUZZ_CHECK(store_rollback(w->s) == STORE_OK);

	gw_webhook_free(&wh);
	free(text);
	return 0;
}
