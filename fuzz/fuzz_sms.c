/*
 * libFuzzer harness: the SMS text rules (common/sms.c): utf8_valid on any bytes, then, on
 * valid text, the coding and segment count (sms_count, sms_segments, sms_units) and the cut of
 * a text into parts (sms_fit), checked against each other: the counts agree, a cut never
 * splits a character, takes at most the units given and stops only where the next character
 * would not fit.
 *
 * Input: any bytes; valid UTF-8 text is what the rest of farmline hands these functions.
 * Seeds: fuzz/corpus/sms/, from tests/unit/test_sms.c.
 * Run:   make fuzz FUZZ_TARGETS=sms FUZZ_SECONDS=300
 */
#include "fuzz/common.h"

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

/* Code points in s, counted by decoding (not by lead bytes as utf8_chars does). */
static int
decoded_chars(const char *s)
{
	int n = 0;

	while (*s) {
		uint32_t cp;

		s += utf8_decode(s, &cp);
		FUZZ_CHECK(cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff));
		n++;
	}
	return n;
}

static void
check_fit(const char *text, enum sms_coding coding, int units)
{
	size_t len = sms_fit(text, coding, units), total = strlen(text);
	char *head;

	FUZZ_CHECK(len <= total);
	FUZZ_CHECK(utf8_valid(text, len));	/* no character cut in two */
	head = malloc(len + 1);
	if (head == NULL)
		abort();
	memcpy(head, text, len);
	head[len] = '\0';
	FUZZ_CHECK(sms_units(head, coding) <= (units > 0 ? units : 0));
	free(head);
	if (len < total) {
		/* It stopped because the next character would not fit. */
		uint32_t cp;
		int n = utf8_decode(text + len, &cp);

		head = malloc(len + (size_t)n + 1);
		if (head == NULL)
			abort();
		memcpy(head, text, len + (size_t)n);
		head[len + (size_t)n] = '\0';
		FUZZ_CHECK(sms_units(head, coding) > units);
		free(head);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int units[] = { 0, 1, 2, 3, 67, 70, 153, 160, 306, 459 };
	struct sms_count c;
	char *text;
	size_t i;
	int valid = utf8_valid((const char *)data, size);

	/* Whatever the length given, validity is that of the bytes within it. */
	FUZZ_CHECK(!valid || memchr(data, '\0', size) == NULL);
	if (!valid)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	sms_count(text, &c);
	FUZZ_CHECK(c.coding == SMS_GSM7 || c.coding == SMS_UCS2);
	FUZZ_CHECK(c.chars == utf8_chars(text) && c.chars == decoded_chars(text));
	FUZZ_CHECK(c.units == sms_units(text, c.coding));
	FUZZ_CHECK(c.units >= c.chars || c.coding == SMS_GSM7);
	FUZZ_CHECK(c.segments == sms_segments(text));
	FUZZ_CHECK(c.segments >= 1);
	if (c.units <= sms_segment_units(c.coding, 1))
		FUZZ_CHECK(c.segments == 1);
	else
		FUZZ_CHECK(c.segments == (c.units + sms_segment_units(c.coding, 0) - 1) /
		    sms_segment_units(c.coding, 0));
	/* Chinese text is never squeezed into GSM-7. */
	if (c.coding == SMS_GSM7)
		FUZZ_CHECK(c.units >= c.chars && c.units <= 2 * c.chars);
	FUZZ_CHECK(sms_fit(text, c.coding, c.units) == size);

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		check_fit(text, SMS_GSM7, units[i]);
		check_fit(text, SMS_UCS2, units[i]);
	}
	free(text);
	return 0;
}
