/*
 * Normalization: our own width, case and whitespace folding, then OpenCC's t2s.
 */
#include "routing/normalize.h"

#include "gateway/sms.h"

#include <opencc/opencc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct route_norm {
	opencc_t cc;
};

int
route_norm_open(struct route_norm **out, char *err, size_t errlen)
{
	struct route_norm *n;

	n = calloc(1, sizeof(*n));
	if (n == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n->cc = opencc_open(OPENCC_DEFAULT_CONFIG_TRAD_TO_SIMP);
	if (n->cc == (opencc_t)-1) {
		snprintf(err, errlen, "OpenCC %s: %s", OPENCC_DEFAULT_CONFIG_TRAD_TO_SIMP,
		    opencc_error());
		free(n);
		return -1;
	}
	*out = n;
	return 0;
}

void
route_norm_close(struct route_norm *n)
{
	if (n == NULL)
		return;
	opencc_close(n->cc);
	free(n);
}

static int
is_space(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' ||
	    cp == 0x3000 || cp == 0xa0 || (cp >= 0x2000 && cp <= 0x200b) || cp == 0x202f ||
	    cp == 0x205f || cp == 0xfeff;
}

static size_t
put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

char *
route_fold(const char *text)
{
	size_t len = strlen(text), o = 0;
	char *out = malloc(len + 1);	/* folding never makes text longer */
	const char *p = text;
	int pending_space = 0;

	if (out == NULL)
		return NULL;
	while (*p) {
		uint32_t cp;

		p += sms_utf8_decode(p, &cp);
		if (cp >= 0xff01 && cp <= 0xff5e)
			cp -= 0xfee0;	/* full-width ASCII */
		if (is_space(cp)) {
			pending_space = o > 0;
			continue;
		}
		if (cp >= 'A' && cp <= 'Z')
			cp += 'a' - 'A';
		if (pending_space) {
			out[o++] = ' ';
			pending_space = 0;
		}
		o += put_utf8(out + o, cp);
	}
	out[o] = '\0';
	return out;
}

char *
route_normalize(struct route_norm *n, const char *text)
{
	char *folded, *converted, *out;

	folded = route_fold(text);
	if (folded == NULL)
		return NULL;
	converted = opencc_convert_utf8(n->cc, folded, strlen(folded));
	free(folded);
	if (converted == NULL)
		return NULL;
	out = strdup(converted);
	opencc_convert_utf8_free(converted);
	return out;
}
