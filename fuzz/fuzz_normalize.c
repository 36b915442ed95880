/*
 * libFuzzer harness: text normalization (routing/normalize.c) and what it feeds, the
 * classifier (routing/classify.c) with the shipped rules, config/categories.conf.
 *   - route_fold: valid UTF-8 out, never longer, idempotent, no upper-case Latin letters,
 *     full-width ASCII or blanks other than single inner spaces;
 *   - route_normalize: the same as OpenCC's t2s on the folded text, called here directly, so
 *     that the shortcut that skips OpenCC for text it cannot change is checked on every input;
 *   - route_norm_unseen (the check on rules' patterns) and route_classify / route_explain on
 *     the result: a category or triage, scores and hits within their bounds.
 *
 * Input: a farmer's question (valid UTF-8 only: the gateway takes no other). Run from the top
 * of the tree: the rules are read from config/categories.conf.
 * Seeds: fuzz/corpus/normalize/, from tests/corpus/questions-*.tsv and tests/unit.
 * Run:   make fuzz FUZZ_TARGETS=normalize FUZZ_SECONDS=300
 */
#include "fuzz/common.h"

#include "common/sms.h"
#include "routing/classify.h"
#include "routing/normalize.h"

#include <opencc/opencc.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RULES "config/categories.conf"

static struct route_norm *norm;
static struct route_rules *rules;
static opencc_t cc;
static FILE *devnull;

static void
done(void)
{
	route_norm_close(norm);
	route_rules_free(rules);
	opencc_close(cc);
	fclose(devnull);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[512];

	(void)argc;
	(void)argv;
	if (route_norm_open(&norm, err, sizeof(err)) != 0 ||
	    route_rules_load(RULES, &rules, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz: %s (run from the top of the tree)\n", err);
		abort();
	}
	cc = opencc_open(OPENCC_DEFAULT_CONFIG_TRAD_TO_SIMP);
	devnull = fopen("/dev/null", "w");
	if (cc == (opencc_t)-1 || devnull == NULL)
		abort();
	atexit(done);
	return 0;
}

static void
check_folded(const char *in, const char *out)
{
	const char *p = out;
	uint32_t prev = 0;

	FUZZ_CHECK(utf8_valid(out, strlen(out)));
	FUZZ_CHECK(strlen(out) <= strlen(in));
	FUZZ_CHECK(out[0] != ' ');
	while (*p) {
		uint32_t cp;

		p += utf8_decode(p, &cp);
		FUZZ_CHECK(!(cp >= 'A' && cp <= 'Z'));
		FUZZ_CHECK(!(cp >= 0xff01 && cp <= 0xff5e));
		FUZZ_CHECK(!(cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x3000 || cp == 0xa0));
		FUZZ_CHECK(!(cp == ' ' && prev == ' '));
		prev = cp;
	}
	FUZZ_CHECK(prev != ' ');
}

static void
classify(const char *normalized)
{
	struct route_result res;
	int i;

	route_classify(rules, normalized, &res);
	FUZZ_CHECK(res.code != NULL && res.name != NULL);
	FUZZ_CHECK(res.nhits >= 0 && res.nhits <= ROUTE_MAX_HITS && res.nmore >= 0);
	if (strcmp(res.code, ROUTE_TRIAGE) != 0) {
		FUZZ_CHECK(res.score >= route_rules_threshold(rules));
		FUZZ_CHECK(route_rules_find(rules, res.code) != NULL);
	}
	for (i = 0; i < res.nhits; i++) {
		FUZZ_CHECK(res.hits[i].category >= 0 &&
		    res.hits[i].category < route_rules_count(rules));
		FUZZ_CHECK(res.hits[i].weight >= 0 && res.hits[i].weight <= 100);
	}
	for (i = 0; i < route_rules_count(rules); i++)
		FUZZ_CHECK(res.scores[i] >= 0);
	route_explain(rules, &res, devnull);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *folded, *again, *normalized, *converted, what[160];

	if (!utf8_valid((const char *)data, size))
		return 0;
	text = fuzz_cstr(data, size);

	folded = route_fold(text);
	FUZZ_CHECK(folded != NULL);
	check_folded(text, folded);
	again = route_fold(folded);
	FUZZ_CHECK(again != NULL && strcmp(again, folded) == 0);
	free(again);

	normalized = route_normalize(norm, text);
	FUZZ_CHECK(normalized != NULL);
	FUZZ_CHECK(utf8_valid(normalized, strlen(normalized)));
	converted = opencc_convert_utf8(cc, folded, strlen(folded));
	FUZZ_CHECK(converted != NULL);
	if (strcmp(converted, normalized) != 0) {
		fuzz_report("fuzz: route_normalize \"%s\", OpenCC \"%s\"\n", normalized,
		    converted);
		FUZZ_CHECK(!"route_normalize differs from OpenCC's t2s of the folded text");
	}
	opencc_convert_utf8_free(converted);

	what[0] = '\0';
	if (route_norm_unseen(norm, text, what, sizeof(what)))
		FUZZ_CHECK(what[0] != '\0' && memchr(what, '\0', sizeof(what)) != NULL);
	classify(normalized);

	free(normalized);
	free(folded);
	free(text);
	return 0;
}
