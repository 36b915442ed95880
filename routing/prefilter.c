/*
 * First characters of PCRE2 patterns, and the index from characters to rules.
 *
 * The analysis reads the subset of PCRE2 syntax that routing rules use — literals,
 * alternation, groups, quantifiers, classes, lookarounds, anchors — and gives up (the rule is
 * then always tried) on anything else. Giving up is always safe; claiming a first character a
 * match might not begin with is not, so every construct not understood gives up.
 */
#include "routing/prefilter.h"

#include "common/sms.h"
#include "common/xmalloc.h"

#include <stdlib.h>
#include <string.h>

void
cp_set_add(struct cp_set *s, uint32_t cp)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (s->cp[i] == cp)
			return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->cp = xreallocarray(s->cp, s->cap * sizeof(*s->cp), 1);
	}
	s->cp[s->n++] = cp;
}

void
cp_set_free(struct cp_set *s)
{
	free(s->cp);
	memset(s, 0, sizeof(*s));
}

/* What a piece of pattern can begin with. */
struct first {
	int any;	/* cannot be told */
	int nullable;	/* can match the empty string */
};

struct parser {
	const char *p;
	struct cp_set *set;
};

/*
 * Add a literal the text might hold. Text is normalized (ASCII lower case, half-width) and
 * patterns match caselessly, so letters go in as lower case; letters of other cased scripts
 * would need Unicode case folding, so they give up.
 */
static int
add_literal(struct parser *ps, uint32_t cp)
{
	if (cp >= 0xff01 && cp <= 0xff5e)
		cp -= 0xfee0;
	if (cp >= 'A' && cp <= 'Z')
		cp += 'a' - 'A';
	if (cp >= 0x80 && cp < 0x2e80)
		return -1;	/* Latin, Greek, Cyrillic… letters with case */
	cp_set_add(ps->set, cp);
	return 0;
}

static uint32_t
next_cp(struct parser *ps)
{
	uint32_t cp;

	ps->p += utf8_decode(ps->p, &cp);
	return cp;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * After a backslash: the literal it stands for in *cp (1), a zero-width assertion (0), or
 * something that cannot be told (-1).
 */
static int
read_escape(struct parser *ps, uint32_t *cp)
{
	char c = *ps->p;
	uint32_t v = 0;
	int d, n = 0;

	if (c == '\0')
		return -1;
	ps->p++;
	switch (c) {
	case 'b': case 'B': case 'A': case 'z': case 'Z': case 'G':
		return 0;
	case 'n': *cp = '\n'; return 1;
	case 't': *cp = '\t'; return 1;
	case 'r': *cp = '\r'; return 1;
	case 'f': *cp = '\f'; return 1;
	case 'e': *cp = 0x1b; return 1;
	case 'a': *cp = 0x07; return 1;
	case 'x':
		if (*ps->p == '{') {
			ps->p++;
			while ((d = hexval(*ps->p)) >= 0 && n < 8) {
				v = v * 16 + (uint32_t)d;
				ps->p++;
				n++;
			}
			if (*ps->p != '}' || n == 0)
				return -1;
			ps->p++;
		} else {
			while (n < 2 && (d = hexval(*ps->p)) >= 0) {
				v = v * 16 + (uint32_t)d;
				ps->p++;
				n++;
			}
		}
		*cp = v;
		return 1;
	default:
		/* Escaped punctuation is itself; letters and digits are classes, references… */
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			return -1;
		ps->p--;
		*cp = next_cp(ps);
		return 1;
	}
}

/* A character class, after its '['. Returns -1 when it cannot be told. */
static int
read_class(struct parser *ps)
{
	uint32_t lo, hi, c;
	int first = 1, r;

	if (*ps->p == '^')
		return -1;
	for (;;) {
		if (*ps->p == '\0')
			return -1;
		if (*ps->p == ']' && !first) {
			ps->p++;
			return 0;
		}
		first = 0;
		if (*ps->p == '[' && ps->p[1] == ':')
			return -1;	/* [:alpha:] */
		if (*ps->p == '\\') {
			ps->p++;
			if (read_escape(ps, &lo) != 1)
				return -1;
		} else {
			lo = next_cp(ps);
		}
		hi = lo;
		if (*ps->p == '-' && ps->p[1] != ']' && ps->p[1] != '\0') {
			ps->p++;
			if (*ps->p == '\\') {
				ps->p++;
				if (read_escape(ps, &hi) != 1)
					return -1;
			} else {
				hi = next_cp(ps);
			}
			if (hi < lo || hi - lo > 512)
				return -1;
		}
		for (c = lo; c <= hi; c++) {
			r = add_literal(ps, c);
			if (r)
				return r;
		}
	}
}

static struct first parse_alt(struct parser *ps, int depth);

/* A quantifier after an atom: sets *min_zero when it allows no repetition at all. */
static void
read_quantifier(struct parser *ps, int *min_zero)
{
	const char *q = ps->p;

	*min_zero = 0;
	if (*q == '?' || *q == '*') {
		*min_zero = 1;
		q++;
	} else if (*q == '+') {
		q++;
	} else if (*q == '{') {
		const char *r = q + 1;
		int lo_zero = 1, digits = 0;

		/* Only whether the least count is zero matters, so no number is built. */
		while (*r >= '0' && *r <= '9') {
			if (*r != '0')
				lo_zero = 0;
			r++;
			digits++;
		}
		/*
		 * "{,n}" is literal text before PCRE2 10.43 and "{0,n}" from it on. Reading it as
		 * "{0,n}" is right for the new versions and only widens the first characters for
		 * the old ones: the prefilter may let a rule through, never drop one wrongly.
		 */
		if (digits == 0 && *r == ',' && r[1] >= '0' && r[1] <= '9')
			digits = 1;
		if (digits == 0)
			return;		/* a literal '{' */
		if (*r == ',') {
			r++;
			while (*r >= '0' && *r <= '9')
				r++;
		}
		if (*r != '}')
			return;
		*min_zero = lo_zero;
		q = r + 1;
	} else {
		return;
	}
	if (*q == '?' || *q == '+')
		q++;		/* lazy or possessive */
	ps->p = q;
}

/* One item of a sequence: an atom and its quantifier. */
static struct first
parse_item(struct parser *ps, int depth, int *zero_width)
{
	struct first f = { 0, 0 };
	uint32_t cp;
	int r, min_zero, lookaround = 0;
	char c = *ps->p;

	*zero_width = 0;
	switch (c) {
	case '(':
		ps->p++;
		if (*ps->p == '*') {
			f.any = 1;
			return f;
		}
		if (*ps->p == '?') {
			const char *q = ps->p + 1;

			if (*q == ':' || *q == '>' || *q == '|') {
				ps->p = q + 1;
			} else if (*q == '=' || *q == '!') {
				ps->p = q + 1;
				lookaround = 1;
			} else if (*q == '<' && (q[1] == '=' || q[1] == '!')) {
				ps->p = q + 2;
				lookaround = 1;
			} else if (*q == '<' || *q == '\'' || (*q == 'P' && q[1] == '<')) {
				char close = *q == '\'' ? '\'' : '>';

				q = strchr(q, close);
				if (q == NULL) {
					f.any = 1;
					return f;
				}
				ps->p = q + 1;
			} else {
				f.any = 1;	/* flags, comments, conditions, recursion */
				return f;
			}
		}
		{
			struct cp_set *outer = ps->set, scratch = { NULL, 0, 0 };

			if (lookaround)
				ps->set = &scratch;	/* what a lookaround reads is not consumed */
			f = parse_alt(ps, depth + 1);
			ps->set = outer;
			cp_set_free(&scratch);
			if (*ps->p != ')') {
				f.any = 1;
				return f;
			}
			ps->p++;
			if (lookaround) {
				f.any = 0;
				f.nullable = 1;
				*zero_width = 1;
			}
		}
		break;
	case '[':
		ps->p++;
		if (read_class(ps) != 0)
			f.any = 1;
		break;
	case '\\':
		ps->p++;
		r = read_escape(ps, &cp);
		if (r < 0 || (r == 1 && add_literal(ps, cp) != 0)) {
			f.any = 1;
		} else if (r == 0) {
			f.nullable = 1;
			*zero_width = 1;
		}
		break;
	case '.':
		ps->p++;
		f.any = 1;
		break;
	case '^':
	case '$':
		ps->p++;
		f.nullable = 1;
		*zero_width = 1;
		return f;
	default:
		cp = next_cp(ps);
		if (add_literal(ps, cp) != 0)
			f.any = 1;
		break;
	}
	read_quantifier(ps, &min_zero);
	if (min_zero)
		f.nullable = 1;
	return f;
}

/* A sequence up to '|', ')' or the end. */
static struct first
parse_seq(struct parser *ps, int depth)
{
	struct first seq = { 0, 1 };
	int zero_width;

	while (*ps->p && *ps->p != '|' && *ps->p != ')') {
		struct first item;

		if (!seq.nullable) {
			/* The first character is settled; the rest only has to parse. */
			struct cp_set *outer = ps->set, scratch = { NULL, 0, 0 };

			ps->set = &scratch;
			item = parse_item(ps, depth, &zero_width);
			ps->set = outer;
			cp_set_free(&scratch);
			continue;
		}
		item = parse_item(ps, depth, &zero_width);
		if (item.any)
			seq.any = 1;
		if (!item.nullable)
			seq.nullable = 0;
	}
	return seq;
}

static struct first
parse_alt(struct parser *ps, int depth)
{
	struct first alt = { 0, 0 }, seq;

	if (depth > 32) {
		alt.any = 1;
		return alt;
	}
	for (;;) {
		seq = parse_seq(ps, depth);
		alt.any |= seq.any;
		alt.nullable |= seq.nullable;
		if (*ps->p != '|')
			return alt;
		ps->p++;
	}
}

int
prefilter_first_chars(const char *pattern, struct cp_set *out)
{
	struct parser ps = { pattern, out };
	struct first f;

	f = parse_alt(&ps, 0);
	if (*ps.p != '\0')
		return 0;	/* an unbalanced ')' */
	return !f.any && !f.nullable && out->n > 0;
}

/* The index. */

#define BMP 0x10000

struct prefilter {
	int nrules, words;
	uint32_t *slot;		/* BMP code point → 1 + index of its bitset, 0 for none */
	uint64_t *sets;		/* nsets bitsets of words each */
	size_t nsets, capsets;
	uint64_t *always;	/* rules that are always tried */
};

struct prefilter *
prefilter_new(int nrules)
{
	struct prefilter *pf = xcalloc(1, sizeof(*pf));

	pf->nrules = nrules;
	pf->words = (nrules + 63) / 64;
	if (pf->words == 0)
		pf->words = 1;
	pf->slot = xcalloc(BMP, sizeof(*pf->slot));
	pf->always = xcalloc((size_t)pf->words, sizeof(uint64_t));
	return pf;
}

static uint64_t *
set_for(struct prefilter *pf, uint32_t cp)
{
	if (pf->slot[cp] == 0) {
		if (pf->nsets == pf->capsets) {
			pf->capsets = pf->capsets ? pf->capsets * 2 : 256;
			pf->sets = xreallocarray(pf->sets, pf->capsets * (size_t)pf->words *
			    sizeof(uint64_t), 1);
		}
		memset(pf->sets + pf->nsets * (size_t)pf->words, 0,
		    (size_t)pf->words * sizeof(uint64_t));
		pf->slot[cp] = (uint32_t)++pf->nsets;
	}
	return pf->sets + (pf->slot[cp] - 1) * (size_t)pf->words;
}

void
prefilter_add(struct prefilter *pf, int rule, const struct cp_set *chars)
{
	uint64_t bit = 1ULL << (rule % 64);
	size_t i;

	if (chars != NULL) {
		for (i = 0; i < chars->n; i++) {
			if (chars->cp[i] >= BMP)
				break;
		}
		if (i == chars->n) {
			for (i = 0; i < chars->n; i++)
				set_for(pf, chars->cp[i])[rule / 64] |= bit;
			return;
		}
	}
	pf->always[rule / 64] |= bit;	/* unknown, or a character beyond the BMP */
}

int
prefilter_words(const struct prefilter *pf)
{
	return pf->words;
}

void
prefilter_candidates(const struct prefilter *pf, const char *text, uint64_t *bits)
{
	const char *p = text;
	int w;

	memcpy(bits, pf->always, (size_t)pf->words * sizeof(uint64_t));
	while (*p) {
		uint32_t cp;
		const uint64_t *set;

		p += utf8_decode(p, &cp);
		if (cp >= BMP || pf->slot[cp] == 0)
			continue;
		set = pf->sets + (pf->slot[cp] - 1) * (size_t)pf->words;
		for (w = 0; w < pf->words; w++)
			bits[w] |= set[w];
	}
}

void
prefilter_free(struct prefilter *pf)
{
	if (pf == NULL)
		return;
	free(pf->slot);
	free(pf->sets);
	free(pf->always);
	free(pf);
}
