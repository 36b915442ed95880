/*
 * libFuzzer harness: the routing rules file, categories.conf (routing/classify.c
 * route_rules_load, through common/inifile.c): sections, names, weights, PCRE2 patterns, the
 * check that a pattern's characters can be seen after normalization, and the first-character
 * prefilter worked out from each pattern (routing/prefilter.c). Rules that load then classify
 * a few questions, and explain them, to check that what was built is sound.
 *
 * route_rules_load opens OpenCC (its dictionaries take milliseconds to load) each time, to
 * check patterns; this harness keeps one conversion open for the whole run by interposing
 * opencc_open and opencc_close, so that the fuzzer's time goes to the rules.
 *
 * Input: the text of a rules file, read from a temporary file.
 * Seeds: fuzz/corpus/rules/, config/categories.conf cut into pieces, tests/unit/test_classify.c.
 * Run:   make fuzz FUZZ_TARGETS=rules FUZZ_SECONDS=300
 */
#include "fuzz/common.h"

#include "routing/classify.h"

#include <dlfcn.h>
#include <opencc/opencc.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static FILE *devnull;
static opencc_t kept = (opencc_t)-1;

/* The t2s conversion, opened once (routing/normalize.c asks for no other). */
opencc_t
opencc_open(const char *config)
{
	opencc_t (*real)(const char *);

	if (kept == (opencc_t)-1) {
		*(void **)&real = dlsym(RTLD_NEXT, "opencc_open");
		if (real == NULL)
			abort();
		kept = real(config);
	}
	return kept;
}

int
opencc_close(opencc_t od)
{
	(void)od;
	return 0;
}

static void
done(void)
{
	int (*real)(opencc_t);

	fclose(devnull);
	*(void **)&real = dlsym(RTLD_NEXT, "opencc_close");
	if (real && kept != (opencc_t)-1)
		real(kept);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	if (devnull == NULL)
		abort();
	atexit(done);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Normalized questions, as route_classify takes them. */
	static const char *const questions[] = { "鹅苗死亡很多怎么办", "天麻怎么种",
	    "羊肚菌菌袋发霉了", "玉米叶子发黄 ok?", "a", "", "鸡鸭鹅猪牛羊 123 abc" };
	const char *path = fuzz_tmpfile(data, size);
	struct route_rules *rules = NULL;
	struct route_result res;
	char err[512] = "";
	size_t i;
	int c;

	if (route_rules_load(path, &rules, err, sizeof(err)) != 0) {
		FUZZ_CHECK(strncmp(err, path, strlen(path)) == 0);
		return 0;
	}
	FUZZ_CHECK(route_rules_count(rules) >= 1 &&
	    route_rules_count(rules) <= ROUTE_MAX_CATEGORIES);
	for (c = 0; c < route_rules_count(rules); c++) {
		const struct route_category *cat = route_rules_category(rules, c);

		FUZZ_CHECK(cat->code && cat->name);
		FUZZ_CHECK(route_rules_find(rules, cat->code) != NULL);
		(void)route_rules_name(rules, cat->code);
	}
	for (i = 0; i < sizeof(questions) / sizeof(questions[0]); i++) {
		route_classify(rules, questions[i], &res);
		FUZZ_CHECK(res.code != NULL && res.nhits <= ROUTE_MAX_HITS);
		route_explain(rules, &res, devnull);
	}
	route_rules_free(rules);
	return 0;
}
