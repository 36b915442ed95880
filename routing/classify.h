/*
 * The question classifier: categories and weighted PCRE2 patterns read from categories.conf
 * (data a county clerk edits, not code). A question scores the weights of the patterns that
 * fire for each category; the best category at or above the threshold wins, ties going to the
 * category written first; below the threshold it goes to triage. An exclusion that fires sets
 * its own category's score to 0.
 */
#ifndef FL_CLASSIFY_H
#define FL_CLASSIFY_H

#include <stddef.h>
#include <stdio.h>

#define ROUTE_TRIAGE "triage"
#define ROUTE_TRIAGE_NAME "人工分诊"
#define ROUTE_MAX_CATEGORIES 64
#define ROUTE_MAX_HITS 64
#define ROUTE_MAX_RULES 4096
#define ROUTE_NAME_MAX_CHARS 8	/* a category's Chinese name */

struct route_rules;

struct route_category {
	char *code;		/* "poultry" */
	char *name;		/* "家禽" */
	char *description;
	int line;		/* where its section starts */
};

struct route_hit {
	int category;		/* index into the rules' categories */
	int weight;		/* 0 for an exclusion */
	int line;		/* of the rule in the rules file */
	int exclude;
};

struct route_result {
	const char *code;	/* borrowed from the rules: ROUTE_TRIAGE when nothing fits */
	const char *name;
	int score;
	int line;		/* the rule that decided (0: none) */
	int scores[ROUTE_MAX_CATEGORIES];	/* per category, after exclusions */
	struct route_hit hits[ROUTE_MAX_HITS];
	int nhits;
	int nmore;		/* rules that fired beyond ROUTE_MAX_HITS (scored, not listed) */
};

/*
 * Load and compile path. Returns 0 with *out set (free with route_rules_free), or -1 with
 * "file:line: reason" in err; a bad pattern reports PCRE2's message and offset.
 */
int route_rules_load(const char *path, struct route_rules **out, char *err, size_t errlen);
void route_rules_free(struct route_rules *r);

const char *route_rules_path(const struct route_rules *r);
int route_rules_threshold(const struct route_rules *r);
int route_rules_count(const struct route_rules *r);	/* categories */
int route_rules_nrules(const struct route_rules *r);	/* patterns and exclusions */
const struct route_category *route_rules_category(const struct route_rules *r, int i);
/* The category with this code or Chinese name, or NULL. */
const struct route_category *route_rules_find(const struct route_rules *r, const char *key);
/* The Chinese name of a code ("triage" → ROUTE_TRIAGE_NAME; unknown codes → the code). */
const char *route_rules_name(const struct route_rules *r, const char *code);
/* "poultry,livestock" → "家禽、畜牧" into out (as many as fit, whole characters), "" for none. */
void route_codes_names(const struct route_rules *r, const char *codes, char *out, size_t len);

/*
 * Classify text that route_normalize() produced (valid UTF-8: it is not checked again). Never
 * fails: nothing fitting is triage. Safe from several threads at once.
 */
void route_classify(const struct route_rules *r, const char *normalized, struct route_result *out);

/*
 * Why: for each category a rule fired for, its score and the rules (file:line, +weight or
 * exclude), then the rule that decided or the threshold it missed. Lines start with two spaces.
 */
void route_explain(const struct route_rules *r, const struct route_result *res, FILE *out);

#endif
