/*
 * SMS text rules: the GSM 03.38 alphabet, segment counting, fitting text into segments.
 */
#include "common/sms.h"

#include <string.h>

static int
gsm7_septets(uint32_t cp)
{
	static const uint16_t basic[] = {
		'@', 0xa3, '$', 0xa5, 0xe8, 0xe9, 0xf9, 0xec, 0xf2, 0xc7, '\n', 0xd8, 0xf8, '\r',
		0xc5, 0xe5, 0x394, '_', 0x3a6, 0x393, 0x39b, 0x3a9, 0x3a0, 0x3a8, 0x3a3, 0x398,
		0x39e, 0xc6, 0xe6, 0xdf, 0xc9, ' ', '!', '"', '#', 0xa4, '%', '&', '\'', '(', ')',
		'*', '+', ',', '-', '.', '/', ':', ';', '<', '=', '>', '?', 0xa1, 0xc4, 0xd6, 0xd1,
		0xdc, 0xa7, 0xbf, 0xe4, 0xf6, 0xf1, 0xfc, 0xe0,
	};
	static const uint16_t extension[] = { '\f', '^', '{', '}', '\\', '[', '~', ']', '|', 0x20ac };
	size_t i;

	if ((cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z'))
		return 1;
	for (i = 0; i < sizeof(basic) / sizeof(basic[0]); i++) {
		if (basic[i] == cp)
			return 1;
	}
	for (i = 0; i < sizeof(extension) / sizeof(extension[0]); i++) {
		if (extension[i] == cp)
			return 2;
	}
	return 0;
}

void
sms_count(const char *text, struct sms_count *out)
{
	int septets = 0, utf16 = 0, chars = 0, gsm = 1;
	const char *p = text;

	while (*p) {
		uint32_t cp;
		int s;

		p += utf8_decode(p, &cp);
		chars++;
		utf16 += cp > 0xffff ? 2 : 1;
		if (gsm) {
			s = gsm7_septets(cp);
			if (s == 0)
				gsm = 0;
			septets += s;
		}
	}
	out->chars = chars;
	if (gsm) {
		out->coding = SMS_GSM7;
		out->units = septets;
		out->segments = septets <= 160 ? 1 : (septets + 152) / 153;
	} else {
		out->coding = SMS_UCS2;
		out->units = utf16;
		out->segments = utf16 <= 70 ? 1 : (utf16 + 66) / 67;
	}
	if (out->units == 0)
		out->segments = 1;
}

int
sms_segments(const char *text)
{
	struct sms_count c;

	sms_count(text, &c);
	return c.segments;
}

int
sms_segment_units(enum sms_coding coding, int alone)
{
	if (coding == SMS_GSM7)
		return alone ? 160 : 153;
	return alone ? 70 : 67;
}

/* Units a code point takes in coding. */
static int
cp_units(uint32_t cp, enum sms_coding coding)
{
	int u;

	if (coding == SMS_GSM7) {
		u = gsm7_septets(cp);
		return u ? u : 1;
	}
	return cp > 0xffff ? 2 : 1;
}

size_t
sms_fit(const char *text, enum sms_coding coding, int units)
{
	const char *p = text;
	int used = 0;

	while (*p) {
		uint32_t cp;
		int n = utf8_decode(p, &cp), u = cp_units(cp, coding);

		if (used + u > units)
			break;
		used += u;
		p += n;
	}
	return (size_t)(p - text);
}

int
sms_units(const char *text, enum sms_coding coding)
{
	const char *p = text;
	int used = 0;

	while (*p) {
		uint32_t cp;

		p += utf8_decode(p, &cp);
		used += cp_units(cp, coding);
	}
	return used;
}
