/*
 * Loading categories.conf and classifying questions with PCRE2 (UTF, UCP, JIT).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "routing/classify.h"

#include "common/buf.h"
#include "common/inifile.h"
#include "common/utf8.h"
#include "common/log.h"
#include "routing/normalize.h"
#include "routing/prefilter.h"
#include "common/xmalloc.h"

#include <ctype.h>
#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct route_rule {
	pcre2_code *re;
	int category;
	int weight;
	int line;
	int exclude;
	struct cp_set first;	/* the characters a match begins with */
	int first_known;
	int jit;		/* compiled to machine code */
};

/*
 * Bounds on one match, so that a clerk's rule with nested repetition cannot hold the writer
 * for tens of milliseconds a message: PCRE2's own defaults are 10,000,000 steps and a 20 MB
 * heap. A farmer's text is at most [sms] max_text_chars long; the shipped rules take a few
 * hundred steps.
 */
#define MATCH_LIMIT 200000
#define DEPTH_LIMIT 20000
#define HEAP_LIMIT_KB 8192

struct route_rules {
	char *path;
	pcre2_match_context *mctx;	/* the limits above; read only once loaded */
	int threshold;
	struct route_category cats[ROUTE_MAX_CATEGORIES];
	int ncats;
	struct route_rule *rules;
	int nrules, caprules;
	struct prefilter *pf;	/* which rules a text could match */
	struct route_norm *norm;	/* while loading: to check patterns */
};

#define GLOBAL_SECTION "routing"

static int
valid_code(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++) {
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
			return 0;
	}
	return 1;
}

static int
category_index(struct route_rules *r, const char *code, int line, char *err, size_t errlen)
{
	int i;

	for (i = 0; i < r->ncats; i++) {
		if (strcmp(r->cats[i].code, code) == 0)
			return i;
	}
	if (!valid_code(code)) {
		snprintf(err, errlen, "[%s]: a category code is lower-case letters, digits and _",
		    code);
		return -1;
	}
	if (strcmp(code, ROUTE_TRIAGE) == 0) {
		snprintf(err, errlen, "[%s]: \"triage\" is where unmatched questions go; it takes no "
		    "rules", code);
		return -1;
	}
	if (r->ncats == ROUTE_MAX_CATEGORIES) {
		snprintf(err, errlen, "more than %d categories", ROUTE_MAX_CATEGORIES);
		return -1;
	}
	r->cats[r->ncats].code = xstrdup(code);
	r->cats[r->ncats].line = line;
	return r->ncats++;
}

/* Characters (UTF-8 lead bytes) in the first n bytes of s. */
static size_t
chars_before(const char *s, size_t n)
{
	size_t i, chars = 0;

	for (i = 0; i < n && s[i]; i++)
		chars += ((unsigned char)s[i] & 0xc0) != 0x80;
	return chars;
}

static int
add_rule(struct route_rules *r, int cat, int weight, int exclude, const char *pattern, int line,
    char *err, size_t errlen)
{
	struct route_rule *rule;
	PCRE2_UCHAR msg[160];
	PCRE2_SIZE offset;
	char what[160];
	pcre2_code *re;
	int code, jit;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &code, &offset, NULL);
	if (re == NULL) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		/* PCRE2 counts bytes; a clerk counts characters. */
		snprintf(err, errlen, "[%s] bad pattern at character %zu (offset %zu): %s",
		    r->cats[cat].code, chars_before(pattern, offset) + 1, (size_t)offset,
		    (char *)msg);
		return -1;
	}
	if (route_norm_unseen(r->norm, pattern, what, sizeof(what))) {
		pcre2_code_free(re);
		snprintf(err, errlen, "[%s] %s never matches: %s", r->cats[cat].code,
		    exclude ? "exclude" : "pattern", what);
		return -1;
	}
	/* Without JIT (some platforms, memory limits) the interpreter is used. */
	jit = pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0;
	if (r->nrules == ROUTE_MAX_RULES) {
		pcre2_code_free(re);
		snprintf(err, errlen, "more than %d rules", ROUTE_MAX_RULES);
		return -1;
	}
	if (r->nrules == r->caprules) {
		r->caprules = r->caprules ? r->caprules * 2 : 64;
		r->rules = xreallocarray(r->rules, (size_t)r->caprules * sizeof(*r->rules), 1);
	}
	rule = &r->rules[r->nrules++];
	rule->re = re;
	rule->category = cat;
	rule->weight = weight;
	rule->exclude = exclude;
	rule->line = line;
	rule->jit = jit;
	memset(&rule->first, 0, sizeof(rule->first));
	rule->first_known = prefilter_first_chars(pattern, &rule->first);
	return 0;
}

static int
rules_handler(void *user, const char *section, const char *name, const char *value, int line,
    char *err, size_t errlen)
{
	struct route_rules *r = user;
	char *end;
	long weight;
	int cat;

	if (strcmp(section, GLOBAL_SECTION) == 0) {
		if (strcmp(name, "threshold") == 0) {
			weight = strtol(value, &end, 10);
			if (end == value || *end || weight < 1 || weight > 1000) {
				snprintf(err, errlen, "[%s] threshold: \"%s\" is not a number 1..1000",
				    section, value);
				return -1;
			}
			r->threshold = (int)weight;
			return 0;
		}
		snprintf(err, errlen, "[%s] %s: unknown key (only threshold)", section, name);
		return -1;
	}
	if (*section == '\0') {
		snprintf(err, errlen, "%s: outside any [section]", name);
		return -1;
	}
	cat = category_index(r, section, line, err, errlen);
	if (cat < 0)
		return -1;
	if (strcmp(name, "name") == 0) {
		/* Farmers see it in the one-SMS acknowledgement, with the ticket and signature. */
		if (chars_before(value, strlen(value)) > ROUTE_NAME_MAX_CHARS || *value == '\0') {
			snprintf(err, errlen, "[%s] name: 1..%d characters (it goes into the "
			    "one-SMS acknowledgement)", section, ROUTE_NAME_MAX_CHARS);
			return -1;
		}
		free(r->cats[cat].name);
		r->cats[cat].name = xstrdup(value);
	} else if (strcmp(name, "description") == 0) {
		free(r->cats[cat].description);
		r->cats[cat].description = xstrdup(value);
	} else if (strcmp(name, "pattern") == 0) {
		errno = 0;
		weight = strtol(value, &end, 10);
		if (end == value || errno || weight < 1 || weight > 100 || (*end != ' ' &&
		    *end != '\t')) {
			snprintf(err, errlen, "[%s] pattern: write a weight 1..100, a space, then the "
			    "pattern (e.g. \"pattern = 3 鸡|鸭|鹅\")", section);
			return -1;
		}
		while (*end == ' ' || *end == '\t')
			end++;
		if (*end == '\0') {
			snprintf(err, errlen, "[%s] pattern: empty pattern", section);
			return -1;
		}
		return add_rule(r, cat, (int)weight, 0, end, line, err, errlen);
	} else if (strcmp(name, "exclude") == 0) {
		if (*value == '\0') {
			snprintf(err, errlen, "[%s] exclude: empty pattern", section);
			return -1;
		}
		return add_rule(r, cat, 0, 1, value, line, err, errlen);
	} else {
		snprintf(err, errlen, "[%s] %s: unknown key (name, description, pattern, exclude)",
		    section, name);
		return -1;
	}
	return 0;
}

int
route_rules_load(const char *path, struct route_rules **out, char *err, size_t errlen)
{
	struct route_rules *r;
	int i, rc;

	r = xcalloc(1, sizeof(*r));
	r->path = xstrdup(path);
	r->threshold = 1;
	r->mctx = pcre2_match_context_create(NULL);
	if (r->mctx == NULL)
		abort();
	pcre2_set_match_limit(r->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(r->mctx, DEPTH_LIMIT);
	pcre2_set_heap_limit(r->mctx, HEAP_LIMIT_KB);
	if (route_norm_open(&r->norm, err, errlen) != 0)
		goto fail;
	rc = inifile_parse(path, rules_handler, r, err, errlen);
	route_norm_close(r->norm);
	r->norm = NULL;
	if (rc != 0)
		goto fail;
	if (r->ncats == 0) {
		snprintf(err, errlen, "%s: no categories", path);
		goto fail;
	}
	for (i = 0; i < r->ncats; i++) {
		if (r->cats[i].name == NULL) {
			snprintf(err, errlen, "%s:%d: [%s] has no name", path, r->cats[i].line,
			    r->cats[i].code);
			goto fail;
		}
	}
	r->pf = prefilter_new(r->nrules);
	for (i = 0; i < r->nrules; i++)
		prefilter_add(r->pf, i, r->rules[i].first_known ? &r->rules[i].first : NULL);
	*out = r;
	return 0;
fail:
	route_rules_free(r);
	return -1;
}

void
route_rules_free(struct route_rules *r)
{
	int i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nrules; i++) {
		pcre2_code_free(r->rules[i].re);
		cp_set_free(&r->rules[i].first);
	}
	free(r->rules);
	prefilter_free(r->pf);
	pcre2_match_context_free(r->mctx);
	for (i = 0; i < r->ncats; i++) {
		free(r->cats[i].code);
		free(r->cats[i].name);
		free(r->cats[i].description);
	}
	free(r->path);
	free(r);
}

const char *
route_rules_path(const struct route_rules *r)
{
	return r->path;
}

int
route_rules_threshold(const struct route_rules *r)
{
	return r->threshold;
}

int
route_rules_count(const struct route_rules *r)
{
	return r->ncats;
}

int
route_rules_nrules(const struct route_rules *r)
{
	return r->nrules;
}

const struct route_category *
route_rules_category(const struct route_rules *r, int i)
{
	return i >= 0 && i < r->ncats ? &r->cats[i] : NULL;
}

const struct route_category *
route_rules_find(const struct route_rules *r, const char *key)
{
	int i;

	for (i = 0; i < r->ncats; i++) {
		if (strcmp(r->cats[i].code, key) == 0 || strcmp(r->cats[i].name, key) == 0)
			return &r->cats[i];
	}
	return NULL;
}

const char *
route_rules_name(const struct route_rules *r, const char *code)
{
	const struct route_category *c;

	if (strcmp(code, ROUTE_TRIAGE) == 0)
		return ROUTE_TRIAGE_NAME;
	c = route_rules_find(r, code);
	return c ? c->name : code;
}

/*
 * Whether rule matches text: 1, 0, or a PCRE2 error (< 0), which is logged with the rule's
 * file and line and counts as no match. JIT code runs on a 32 KiB stack of its own; a text
 * that needs more (long runs of a repeated group) is matched again by the interpreter, whose
 * backtracking lives on the heap, within the limits of r->mctx. The text is valid UTF-8
 * (checked on the way in): it is not checked again.
 */
static int
match_rule(const struct route_rules *r, const struct route_rule *rule, const char *text,
    size_t len, pcre2_match_data *md)
{
	PCRE2_UCHAR msg[120];
	int rc = PCRE2_ERROR_JIT_STACKLIMIT;

	if (rule->jit)
		rc = pcre2_jit_match(rule->re, (PCRE2_SPTR)text, len, 0, 0, md, r->mctx);
	if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
		rc = pcre2_match(rule->re, (PCRE2_SPTR)text, len, 0, PCRE2_NO_UTF_CHECK |
		    PCRE2_NO_JIT, md, r->mctx);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	pcre2_get_error_message(rc, msg, sizeof(msg));
	log_warnx("routing: %s:%d: the pattern gave up on a text of %zu bytes (%s); counted as no "
	    "match: make it simpler", r->path, rule->line, len, (char *)msg);
	return rc;
}

void
route_classify(const struct route_rules *r, const char *text, struct route_result *out)
{
	uint64_t bits[ROUTE_MAX_RULES / 64];
	pcre2_match_data *md;
	int excluded[ROUTE_MAX_CATEGORIES] = { 0 };
	int best_line[ROUTE_MAX_CATEGORIES] = { 0 }, best_weight[ROUTE_MAX_CATEGORIES] = { 0 };
	size_t len = strlen(text);
	int i, w, best = -1;

	memset(out, 0, offsetof(struct route_result, hits));
	out->nhits = 0;
	out->nmore = 0;
	md = pcre2_match_data_create(1, NULL);
	if (md == NULL)
		abort();
	/* Only the rules whose first characters occur in the text can match, in file order. */
	prefilter_candidates(r->pf, text, bits);
	for (w = 0; w < prefilter_words(r->pf); w++) {
		while (bits[w]) {
			const struct route_rule *rule;

			i = w * 64 + __builtin_ctzll(bits[w]);
			bits[w] &= bits[w] - 1;
			rule = &r->rules[i];
			if (match_rule(r, rule, text, len, md) <= 0)
				continue;
			if (out->nhits < ROUTE_MAX_HITS) {
				struct route_hit *h = &out->hits[out->nhits++];

				h->category = rule->category;
				h->weight = rule->weight;
				h->line = rule->line;
				h->exclude = rule->exclude;
			} else {
				out->nmore++;
			}
			if (rule->exclude) {
				excluded[rule->category] = 1;
				continue;
			}
			out->scores[rule->category] += rule->weight;
			if (rule->weight > best_weight[rule->category]) {
				best_weight[rule->category] = rule->weight;
				best_line[rule->category] = rule->line;
			}
		}
	}
	pcre2_match_data_free(md);

	for (i = 0; i < r->ncats; i++) {
		if (excluded[i])
			out->scores[i] = 0;
		if (out->scores[i] > 0 && (best < 0 || out->scores[i] > out->scores[best]))
			best = i;
	}
	if (best >= 0 && out->scores[best] >= r->threshold) {
		out->code = r->cats[best].code;
		out->name = r->cats[best].name;
		out->score = out->scores[best];
		out->line = best_line[best];
	} else {
		out->code = ROUTE_TRIAGE;
		out->name = ROUTE_TRIAGE_NAME;
		out->score = best >= 0 ? out->scores[best] : 0;
	}
}

void
route_explain(const struct route_rules *r, const struct route_result *res, FILE *out)
{
	int i, h;

	for (i = 0; i < r->ncats; i++) {
		int fired = 0;

		for (h = 0; h < res->nhits; h++)
			fired += res->hits[h].category == i;
		if (!fired && res->scores[i] == 0)
			continue;
		fprintf(out, "  %-12s %3d ", r->cats[i].code, res->scores[i]);
		for (h = 0; h < res->nhits; h++) {
			const struct route_hit *hit = &res->hits[h];

			if (hit->category != i)
				continue;
			if (hit->exclude)
				fprintf(out, " %s:%d(exclude)", r->path, hit->line);
			else
				fprintf(out, " %s:%d(+%d)", r->path, hit->line, hit->weight);
		}
		fputc('\n', out);
	}
	if (res->nmore)
		fprintf(out, "  (%d more rules fired and were counted; the first %d are listed)\n",
		    res->nmore, ROUTE_MAX_HITS);
	if (res->line)
		fprintf(out, "  decided by %s:%d\n", r->path, res->line);
	else
		fprintf(out, "  below the threshold %d: triage\n", r->threshold);
}

void
route_codes_names(const struct route_rules *r, const char *codes, char *out, size_t len)
{
	struct buf b = BUF_INIT;
	char code[64];
	size_t n;

	while (codes && *codes) {
		n = strcspn(codes, ",");
		snprintf(code, sizeof(code), "%.*s", (int)(n < sizeof(code) ? n : sizeof(code) - 1),
		    codes);
		if (n > 0)
			buf_printf(&b, "%s%s", b.len ? "、" : "", route_rules_name(r, code));
		codes += n + (codes[n] == ',');
	}
	n = b.len < len ? b.len : utf8_floor(buf_text(&b), len - 1);
	snprintf(out, len, "%.*s", (int)n, buf_text(&b));
	buf_free(&b);
}
