/*
 * Normalization: our own width, case and whitespace folding, then OpenCC's t2s.
 *
 * OpenCC's conversion costs microseconds a question; most questions are written in simplified
 * characters and would come out unchanged. The build lists every character that occurs in a
 * key of the t2s dictionaries (tools/gen-t2s-keys.sh); a text with none of them cannot be
 * changed by OpenCC, so it skips the call. The result is the same either way.
 */
#include "routing/normalize.h"

#include "common/sms.h"

#include <opencc/opencc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint32_t t2s_keys[] = {
#include "t2s_keys.inc"
};

#define BMP 0x10000

struct route_norm {
	opencc_t cc;
	uint8_t key_bmp[BMP / 8];	/* BMP characters in a t2s key */
	const uint32_t *key_astral;	/* the rest, ascending (a tail of t2s_keys) */
	size_t nastral;
};

/* Whether OpenCC's t2s could change text. */
static int
has_t2s_key(const struct route_norm *n, const char *text)
{
	const char *p = text;
	size_t i;

	while (*p) {
		uint32_t cp;

		if ((unsigned char)*p < 0x80) {
			p++;
			continue;
		}
		p += utf8_decode(p, &cp);
		if (cp < BMP) {
			if (n->key_bmp[cp >> 3] & (1u << (cp & 7)))
				return 1;
			continue;
		}
		for (i = 0; i < n->nastral; i++) {
			if (n->key_astral[i] == cp)
				return 1;
		}
	}
	return 0;
}

int
route_norm_open(struct route_norm **out, char *err, size_t errlen)
{
	struct route_norm *n;
	size_t i;

	n = calloc(1, sizeof(*n));
	if (n == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < sizeof(t2s_keys) / sizeof(t2s_keys[0]); i++) {
		if (t2s_keys[i] >= BMP) {
			n->key_astral = &t2s_keys[i];
			n->nastral = sizeof(t2s_keys) / sizeof(t2s_keys[0]) - i;
			break;
		}
		n->key_bmp[t2s_keys[i] >> 3] |= (uint8_t)(1u << (t2s_keys[i] & 7));
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

		p += utf8_decode(p, &cp);
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
	if (folded == NULL || !has_t2s_key(n, folded))
		return folded;
	converted = opencc_convert_utf8(n->cc, folded, strlen(folded));
	free(folded);
	if (converted == NULL)
		return NULL;
	out = strdup(converted);
	opencc_convert_utf8_free(converted);
	return out;
}

int
route_norm_unseen(struct route_norm *n, const char *text, char *what, size_t len)
{
	const char *p, *q;
	char *converted;
	int found = 0;

	for (p = text; *p; ) {
		uint32_t cp;
		size_t k = utf8_decode(p, &cp);

		if ((cp >= 0xff01 && cp <= 0xff5e) || (cp >= 0x80 && is_space(cp))) {
			snprintf(what, len, "%.*s (questions are matched with half-width characters "
			    "and plain spaces: write it that way)", (int)k, p);
			return 1;
		}
		p += k;
	}
	if (!has_t2s_key(n, text))
		return 0;
	converted = opencc_convert_utf8(n->cc, text, strlen(text));
	if (converted == NULL)
		return 0;
	/* The first character that differs, and what OpenCC made of it. */
	for (p = text, q = converted; *p && *q; ) {
		uint32_t a, b;
		size_t ka = utf8_decode(p, &a), kb = utf8_decode(q, &b);

		if (a != b) {
			snprintf(what, len, "%.*s (questions are matched in simplified characters: "
			    "write %.*s)", (int)ka, p, (int)kb, q);
			found = 1;
			break;
		}
		p += ka;
		q += kb;
	}
	opencc_convert_utf8_free(converted);
	return found;
}
