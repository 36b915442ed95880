/*
 * Phone number normalization and masking.
 */
#include "common/phone.h"

#include <stdio.h>
#include <string.h>

static char phone_cc[8] = "86";

void
phone_set_country(const char *cc)
{
	snprintf(phone_cc, sizeof(phone_cc), "%s", cc);
}

int
phone_normalize(const char *in, char *out, size_t outlen)
{
	char digits[32], e164[PHONE_MAX];
	const char *p = in, *d;
	size_t n = 0;
	int international = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '+') {
		international = 1;
		p++;
	}
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (n >= sizeof(digits) - 1)
				return -1;
			digits[n++] = *p;
		} else if (*p != ' ' && *p != '-' && *p != '.' && *p != '(' && *p != ')') {
			return -1;
		}
	}
	digits[n] = '\0';
	d = digits;
	if (!international && n > 2 && d[0] == '0' && d[1] == '0') {
		international = 1;
		d += 2;
	}
	if (international) {
		if (snprintf(e164, sizeof(e164), "+%s", d) >= (int)sizeof(e164))
			return -1;
	} else {
		/* A Chinese mobile number written with its country code but without "+". */
		if (strcmp(phone_cc, "86") == 0 && n == 13 && strncmp(d, "861", 3) == 0)
			d += 2;
		else if (d[0] == '0')
			d++;	/* trunk prefix */
		if (snprintf(e164, sizeof(e164), "+%s%s", phone_cc, d) >= (int)sizeof(e164))
			return -1;
	}

	n = strlen(e164 + 1);
	if (n < 7 || n > 15)
		return -1;
	if (strncmp(e164 + 1, "86", 2) == 0 && e164[3] == '1' && n != 13)
		return -1;	/* Chinese mobiles have 11 digits */
	if (n + 2 > outlen)
		return -1;
	memcpy(out, e164, n + 2);
	return 0;
}

void
phone_mask(const char *e164, char *out, size_t outlen)
{
	const char *national = e164;
	size_t cclen = strlen(phone_cc), n;

	if (outlen == 0)
		return;
	if (national[0] == '+') {
		national++;
		if (strncmp(national, phone_cc, cclen) == 0)
			national += cclen;
	}
	n = strlen(national);
	if (n >= 8)
		snprintf(out, outlen, "%.3s****%s", national, national + n - 4);
	else if (n > 2)
		snprintf(out, outlen, "****%s", national + n - 2);
	else
		snprintf(out, outlen, "****");
}
