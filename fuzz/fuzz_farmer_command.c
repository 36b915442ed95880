/*
 * libFuzzer harness: the farmer command parser (consult/farmer_command.c), fed as
 * consult/farmer.c feeds it: the SMS text normalized by route_normalize (OpenCC t2s, width,
 * case, spaces). Also fed the raw bytes, which it must survive too. Checks that a rating is
 * 1 to 5 and that the argument of 订阅/登记 is a string that fits, and valid UTF-8 when the
 * text was.
 *
 * Input: an SMS text (any bytes; only valid UTF-8 is normalized, as the gateway takes no other).
 * Seeds: fuzz/corpus/farmer_command/, from tests/unit/test_farmer_command.c.
 * Run:   make fuzz FUZZ_TARGETS=farmer_command FUZZ_SECONDS=300
 */
#include "fuzz/common.h"

#include "consult/farmer_command.h"
#include "common/sms.h"
#include "routing/normalize.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct route_norm *norm;

static void
done(void)
{
	route_norm_close(norm);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	if (route_norm_open(&norm, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz: %s\n", err);
		abort();
	}
	atexit(done);
	return 0;
}

static void
check(const struct farmer_cmd *cmd, int utf8)
{
	FUZZ_CHECK(cmd->kind >= FCMD_TEXT && cmd->kind <= FCMD_RATING);
	FUZZ_CHECK((cmd->kind == FCMD_RATING) == (cmd->rating != 0));
	FUZZ_CHECK(cmd->rating >= 0 && cmd->rating <= 5);
	FUZZ_CHECK(memchr(cmd->arg, '\0', sizeof(cmd->arg)) != NULL);
	FUZZ_CHECK(cmd->arg[0] == '\0' || cmd->kind == FCMD_SUBSCRIBE ||
	    cmd->kind == FCMD_UNSUBSCRIBE || cmd->kind == FCMD_REGISTER);
	FUZZ_CHECK(cmd->ticket >= 0 && (cmd->ticket == 0 || cmd->kind == FCMD_QUERY));
	/* The argument is the farmer's words, quoted back and matched: whole characters. */
	if (utf8)
		FUZZ_CHECK(utf8_valid(cmd->arg, strlen(cmd->arg)));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct farmer_cmd cmd;
	char *text = fuzz_cstr(data, size), *normalized;
	int utf8 = utf8_valid((const char *)data, size);

	farmer_cmd_parse(text, &cmd);
	check(&cmd, utf8);
	if (utf8) {
		normalized = route_normalize(norm, text);
		FUZZ_CHECK(normalized != NULL);
		farmer_cmd_parse(normalized, &cmd);
		check(&cmd, 1);
		free(normalized);
	}
	free(text);
	return 0;
}
