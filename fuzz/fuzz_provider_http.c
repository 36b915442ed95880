/*
 * libFuzzer harness: the generic HTTP provider's webhooks (gateway/provider_http.c), POST
 * /sms/inbound (or /sms/http) and /dlr/http, form-encoded or JSON, through the provider
 * interface (gateway/provider.h) the way gateway/http.c calls it: the method check, the
 * provider's path check, parse_sms or parse_dlr, the reply, and the checks of fuzz/common.c on
 * what is accepted or refused.
 *
 * Input: a webhook request as text (fuzz/common.h), e.g.
 *
 *     POST /sms/inbound
 *     Authorization: Bearer http-fuzz-token-0123456789
 *     Content-Type: application/json
 *
 *     {"from":"+8613800000001","to":"10690000","text":"鹅苗死了","id":"m1"}
 *
 * Inputs starting "REPLY <status>" or "SEND" try the outbound half instead: the provider's
 * answer to a send (map_reply) and the request that sends a text (build).
 * Seeds: fuzz/corpus/provider_http/, from tests/unit/test_provider_http.c.
 * Run:   make fuzz FUZZ_TARGETS=provider_http FUZZ_SECONDS=300
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
	/* [provider] type = http as in its unit test. */
	config_set_string(&cfg.provider_type, "http");
	config_set_string(&cfg.provider_url, "http://127.0.0.1:9/sms");
	/* [http] inbound_token: the seeds carry it as a Bearer header or at the end of the path. */
	config_set_string(&cfg.inbound_token, "http-fuzz-token-0123456789");
	prov = fuzz_provider_open("http", &cfg, &ops);
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
