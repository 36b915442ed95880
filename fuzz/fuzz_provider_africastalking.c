/*
 * libFuzzer harness: Africa's Talking's webhooks (gateway/provider_africastalking.c): the
 * inbound SMS form, the delivery report form, and the USSD step (its parse_ussd, which
 * gateway/http.c calls for /ussd/africastalking), through the provider interface
 * (gateway/provider.h) the way gateway/http.c calls it: the method check, the provider's path
 * check, the parse, the reply, and the checks of fuzz/common.c on what is accepted or refused.
 *
 * Input: a webhook request as text (fuzz/common.h), e.g.
 *
 *     POST /sms/africastalking
 *     Content-Type: application/x-www-form-urlencoded
 *
 *     from=%2B254711082300&to=20880&text=hi&id=ATXid_1
 *
 * Inputs starting "REPLY <status>" or "SEND" try the outbound half instead: the provider's
 * answer to a send (map_reply) and the request that sends a text (build).
 * Seeds: fuzz/corpus/provider_africastalking/, from tests/unit/test_provider_africastalking.c.
 * Run:   make fuzz FUZZ_TARGETS=provider_africastalking FUZZ_SECONDS=300
 */
#include "fuzz/common.h"

#include "common/config.h"

#include <stddef.h>
#include <stdint.h>

#define MAX_CHARS 160	/* [sms] max_text_chars, low enough for the fuzzer to reach */

static struct config cfg;
static const struct gw_provider_ops *ops;
static struct gw_provider *prov;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	config_defaults(&cfg);
	config_set_string(&cfg.provider_type, "africastalking");
	config_set_string(&cfg.at_username, "farmline");
	config_set_string(&cfg.at_api_key, "atsk_5e0d2f1b8c9a7e6d4c3b2a1908f7e6d5c4b3a291");
	config_set_string(&cfg.at_from, "20880");
	/* Its webhooks take requests whose path ends in the token (the seeds' paths do). */
	config_set_string(&cfg.at_token, "at-fuzz-token-0123456789");
	prov = fuzz_provider_open("africastalking", &cfg, &ops);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_req req;

	if (fuzz_outbound(ops, prov, data, size) == 0)
		return 0;
	if (fuzz_req_parse(data, size, &req) != 0)
		return 0;
	fuzz_webhook(ops, prov, &req, MAX_CHARS);
	fuzz_req_free(&req);
	return 0;
}
