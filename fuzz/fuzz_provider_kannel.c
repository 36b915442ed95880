/*
 * libFuzzer harness: Kannel's webhooks (gateway/provider_kannel.c): an smsbox sms-service's
 * get-url (GET, all in the query) and post-url (the message as the body, UCS-2 or another
 * charset through iconv), and the dlr-url report, through the provider interface
 * (gateway/provider.h) the way gateway/http.c calls it: the method check, the provider's path
 * check, parse_sms or parse_dlr, the reply, and the checks of fuzz/common.c on what is
 * accepted or refused.
 *
 * Input: a webhook request as text (fuzz/common.h), e.g.
 *
 *     POST /sms/kannel?from=%2B8613800000001&to=10690000&id=1&coding=2
 *     Content-Type: text/plain; charset="UTF-16BE"
 *
 *     (UTF-16BE bytes)
 *
 * Inputs starting "REPLY <status>" or "SEND" try the outbound half instead: the provider's
 * answer to a send (map_reply) and the request that sends a text (build).
 * Seeds: fuzz/corpus/provider_kannel/, from tests/unit/test_provider_kannel.c.
 * Run:   make fuzz FUZZ_TARGETS=provider_kannel FUZZ_SECONDS=300
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
	config_set_string(&cfg.provider_type, "kannel");
	config_set_string(&cfg.kannel_sendsms_url, "http://127.0.0.1:13013/cgi-bin/sendsms");
	config_set_string(&cfg.kannel_username, "farmline");
	config_set_string(&cfg.kannel_password, "p&ss w");
	/* Its webhooks take requests whose path ends in the token (the seeds' paths do). */
	config_set_string(&cfg.kannel_token, "kannel-fuzz-token-0123456789");
	config_set_string(&cfg.kannel_dlr_url,
	    "http://127.0.0.1:8080/dlr/kannel/kannel-fuzz-token-0123456789");
	prov = fuzz_provider_open("kannel", &cfg, &ops);
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
