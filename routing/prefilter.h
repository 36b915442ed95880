/*
 * Which rules could possibly match a text, before PCRE2 is asked. For each pattern we work out
 * the characters any match must begin with (鸡|鸭|(?<!小)鹅 → 鸡, 鸭, 鹅); a rule whose first
 * characters do not occur in the text cannot match it and is skipped. Patterns whose first
 * character cannot be told (., \w, a negated class, a match of nothing) are always tried.
 */
#ifndef FL_PREFILTER_H
#define FL_PREFILTER_H

#include <stddef.h>
#include <stdint.h>

struct cp_set {
	uint32_t *cp;
	size_t n, cap;
};

/*
 * The characters every match of pattern (PCRE2 syntax, UTF-8, matched caselessly against
 * normalized text) must begin with. Returns 1 with them added to out, or 0 when that cannot be
 * told (out may then hold some characters; ignore them).
 */
int prefilter_first_chars(const char *pattern, struct cp_set *out);
void cp_set_add(struct cp_set *s, uint32_t cp);
void cp_set_free(struct cp_set *s);

/* An index from characters to the rules that may start with them. */
struct prefilter;

struct prefilter *prefilter_new(int nrules);
/* Rule i starts with one of chars (or, with chars NULL, must always be tried). */
void prefilter_add(struct prefilter *pf, int rule, const struct cp_set *chars);
/*
 * The rules worth trying on text (valid UTF-8): a bitset of prefilter_words() 64-bit words,
 * written into bits.
 */
void prefilter_candidates(const struct prefilter *pf, const char *text, uint64_t *bits);
int prefilter_words(const struct prefilter *pf);
void prefilter_free(struct prefilter *pf);

#endif
