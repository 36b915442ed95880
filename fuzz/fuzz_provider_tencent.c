/*
 * libFuzzer harness: the Tencent Cloud reply callback (gateway/provider_tencent.c), a JSON
 * object POSTed to /sms/tencent/<token>, through the provider interface (gateway/provider.h)
 * the way gateway/http.c calls it: the method check, parse_sms (which checks the token), the
 * reply, and the checks of fuzz/common.c on what is accepted or refused.
 *
 * Input: a webhook request as text (fuzz/common.h), e.g.
 *
 *     POST /sms/tencent/Tq7-farmline_5d2c9e1b
 *     Content-Type: application/json
 *
 *     {"extend":"","mobile":"13800000001","nationcode":"86","text":"鸭子不吃食怎么办"}
 *
 * (It receives only: inputs starting "REPLY" or "SEND", the outbound half of the other
 * provider harnesses, are skipped.)
 * Seeds: fuzz/corpus/provider_tencent/, from tests/unit/test_provider_tencent.c.
 * Run:   make fuzz FUZZ_TARGETS=provider_tencent FUZZ_SECONDS=300
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
	config_set_string(&cfg.tencent_token, "Tq7-farmline_5d2c9e1b");
	prov = fuzz_provider_open("tencent", &cfg, &ops);
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
