/*
 * libFuzzer harness: the expert and staff command parser (experts/command.c), fed valid UTF-8
 * as consult/ checks it first. Checks that the argument it points at (the answer relayed to a
 * farmer, the question asked for one, the category) lies inside the text, starts and ends on
 * whole characters and has no blanks at its end; that a ticket is given where the kind needs
 * one; that a bad command says the right form; and that the farmer's number is a short string.
 *
 * Input: an SMS text from an expert's phone (anything that is not valid UTF-8 is skipped).
 * Seeds: fuzz/corpus/expert_command/, from tests/unit/test_command.c.
 * Run:   make fuzz FUZZ_TARGETS=expert_command FUZZ_SECONDS=300
 */
#include "fuzz/common.h"

#include "experts/command.h"
#include "common/sms.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct expert_cmd cmd;
	char *text;
	size_t len;

	if (!utf8_valid((const char *)data, size))
		return 0;
	text = fuzz_cstr(data, size);
	len = strlen(text);
	expert_cmd_parse(text, &cmd);

	FUZZ_CHECK(cmd.kind >= ECMD_ANSWER && cmd.kind <= ECMD_BAD);
	FUZZ_CHECK((cmd.kind == ECMD_BAD) == (cmd.usage != NULL));
	FUZZ_CHECK(cmd.ticket >= 0 && cmd.ticket < 1000000000000000LL);
	if (cmd.kind == ECMD_ANSWER || cmd.kind == ECMD_ROUTE || cmd.kind == ECMD_CLOSE)
		FUZZ_CHECK(cmd.ticket > 0);
	FUZZ_CHECK(memchr(cmd.phone, '\0', sizeof(cmd.phone)) != NULL);
	if (cmd.kind == ECMD_FOR)
		FUZZ_CHECK(cmd.phone[0] != '\0' && strspn(cmd.phone, "+0123456789-") ==
		    strlen(cmd.phone));
	FUZZ_CHECK(cmd.arg_off <= len && cmd.arg_len <= len - cmd.arg_off);
	/* What is relayed is text + arg_off for arg_len bytes: whole characters. */
	FUZZ_CHECK(utf8_valid(text + cmd.arg_off, cmd.arg_len));
	FUZZ_CHECK(cmd.arg_off == len || ((unsigned char)text[cmd.arg_off] & 0xc0) != 0x80);
	if (cmd.arg_off + cmd.arg_len < len)
		FUZZ_CHECK(((unsigned char)text[cmd.arg_off + cmd.arg_len] & 0xc0) != 0x80);
	if (cmd.arg_len > 0) {
		char last = text[cmd.arg_off + cmd.arg_len - 1];

		FUZZ_CHECK(last != ' ' && last != '\t' && last != '\r' && last != '\n');
	}
	if (cmd.kind == ECMD_ANSWER || cmd.kind == ECMD_FOR)
		FUZZ_CHECK(cmd.arg_len > 0);
	free(text);
	return 0;
}
