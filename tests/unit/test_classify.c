/*
 * The classifier: the shipped rules against the labeled corpus, and the rules format itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "routing/classify.h"
#include "routing/normalize.h"
#include "routing/prefilter.h"
#include "tests/lib/testutil.h"

#include <opencc/opencc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RULES "config/categories.conf"
#define CORPUS "tests/corpus/questions-dev.tsv"
#define HELDOUT "tests/corpus/questions-heldout.tsv"

struct fixture {
	struct route_rules *rules;
	struct route_norm *norm;
	char *dir;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512];

	*state = f;
	if (route_rules_load(RULES, &f->rules, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if (route_norm_open(&f->norm, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	f->dir = tu_mkdtemp("classify");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f == NULL)
		return 0;
	route_rules_free(f->rules);
	route_norm_close(f->norm);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static const char *
classify(struct fixture *f, const char *text, struct route_result *res)
{
	char *norm = route_normalize(f->norm, text);

	assert_non_null(norm);
	route_classify(f->rules, norm, res);
	free(norm);
	return res->code;
}

/* Classify every line of a labeled corpus; prints the figure and every miss. */
static void
check_corpus(struct fixture *f, const char *path, int min_lines, int min_percent)
{
	struct route_result res;
	char line[4096];
	int total = 0, right = 0;
	FILE *fp = fopen(path, "r");

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		char *tab, *text;

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		tab = strchr(line, '\t');
		assert_non_null(tab);
		*tab = '\0';
		text = tab + 1;
		total++;
		if (strcmp(classify(f, text, &res), line) == 0)
			right++;
		else
			printf("  miss: want %-10s got %-10s (%d) %s\n", line, res.code, res.score, text);
	}
	fclose(fp);
	printf("  %s: %d/%d = %.1f%%\n", path, right, total, 100.0 * right / total);
	assert_true(total >= min_lines);
	assert_true(right * 100 >= total * min_percent);
}

static void
test_corpus_accuracy_is_at_least_97_percent(void **state)
{
	check_corpus(*state, CORPUS, 250, 97);
}

static void
test_held_out_accuracy_is_at_least_97_percent(void **state)
{
	check_corpus(*state, HELDOUT, 250, 97);
}

static void
test_questions_found_in_review_stay_right(void **state)
{
	check_corpus(*state, "tests/corpus/questions-review.tsv", 15, 100);
}

static void
test_traditional_and_simplified_match_the_same_rule(void **state)
{
	struct fixture *f = *state;
	struct route_result a, b;

	classify(f, "小鸡拉稀怎么办", &a);
	classify(f, "小雞拉稀怎麼辦", &b);
	assert_string_equal(a.code, "poultry");
	assert_string_equal(b.code, "poultry");
	assert_int_equal(a.line, b.line);
}

static void
test_keyword_inside_another_word_does_not_fire(void **state)
{
	struct fixture *f = *state;
	struct route_result res;

	assert_string_equal(classify(f, "羊肚菌怎么种", &res), "fungi");
}

static void
test_greeting_goes_to_triage(void **state)
{
	struct fixture *f = *state;
	struct route_result res;

	assert_string_equal(classify(f, "你好", &res), ROUTE_TRIAGE);
	assert_string_equal(res.name, ROUTE_TRIAGE_NAME);
}

static struct route_rules *
load_text(struct fixture *f, const char *text, char *err, size_t errlen)
{
	struct route_rules *r = NULL;
	char *path = tu_write_file(f->dir, "rules.conf", text);

	if (route_rules_load(path, &r, err, errlen) != 0)
		r = NULL;
	free(path);
	return r;
}

/* n copies of a three-byte character, then tail (caller frees). */
static char *
repeated(const char *ch, int n, const char *tail)
{
	size_t len = strlen(ch), tlen = strlen(tail);
	char *text = malloc(len * (size_t)n + tlen + 1);
	int i;

	assert_non_null(text);
	for (i = 0; i < n; i++)
		memcpy(text + len * (size_t)i, ch, len);
	memcpy(text + len * (size_t)n, tail, tlen + 1);
	return text;
}

static void
test_a_repeated_group_matches_a_long_text_past_the_jit_stack(void **state)
{
	struct fixture *f = *state;
	struct route_rules *r;
	struct route_result res;
	char err[512], *text = repeated("鸡", 2000, "瘟");

	r = load_text(f, "[poultry]\nname = 家禽\npattern = 10 (鸡|鸭)+瘟\n", err, sizeof(err));
	assert_non_null(r);
	route_classify(r, text, &res);
	assert_string_equal(res.code, "poultry");
	route_rules_free(r);
	free(text);
}

static void
test_a_runaway_rule_gives_up_and_is_logged_with_its_file_and_line(void **state)
{
	struct fixture *f = *state;
	struct route_rules *r;
	struct route_result res;
	char err[512], path[] = "/tmp/farmline-classify-log-XXXXXX", logged[4096] = "";
	char *text = repeated("鸡", 2000, "!");
	int fd = mkstemp(path), saved = dup(2);
	ssize_t n;

	r = load_text(f, "[poultry]\nname = 家禽\npattern = 10 鸭瘟\npattern = 10 ^(\\w+\\s?)*$\n",
	    err, sizeof(err));
	assert_non_null(r);
	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	route_classify(r, text, &res);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, logged, sizeof(logged) - 1, 0);
	close(fd);
	unlink(path);
	assert_true(n > 0);
	/* Not a match, and said so with where the rule is. */
	assert_string_equal(res.code, ROUTE_TRIAGE);
	tu_assert_contains(logged, "rules.conf:4: the pattern gave up");
	route_rules_free(r);
	free(text);
}

static void
test_bad_pattern_names_file_line_and_pcre2_offset(void **state)
{
	struct fixture *f = *state;
	char err[512];

	assert_null(load_text(f, "[routing]\nthreshold = 1\n\n[poultry]\nname = 家禽\n"
	    "pattern = 2 鸡|(鸭\n", err, sizeof(err)));
	assert_non_null(strstr(err, "rules.conf:6:"));
	assert_non_null(strstr(err, "at character 5 (offset 8)"));
	assert_non_null(strstr(err, "missing closing parenthesis"));
}

static void
test_bad_weight_and_unknown_key_are_refused(void **state)
{
	struct fixture *f = *state;
	struct route_rules *r;
	char err[512];

	assert_null(load_text(f, "[poultry]\nname = 家禽\npattern = 鸡\n", err, sizeof(err)));
	assert_non_null(strstr(err, "rules.conf:3:"));
	assert_null(load_text(f, "[poultry]\nname = 家禽\npatern = 2 鸡\n", err, sizeof(err)));
	assert_non_null(strstr(err, "unknown key"));
	assert_null(load_text(f, "[poultry]\npattern = 2 鸡\n", err, sizeof(err)));
	assert_non_null(strstr(err, "has no name"));
	/* Questions are matched simplified and half-width: a rule written otherwise never fires. */
	assert_null(load_text(f, "[poultry]\nname = 家禽\npattern = 2 雞|鸭\n\n", err, sizeof(err)));
	assert_non_null(strstr(err, "rules.conf:3: [poultry] pattern never matches: 雞"));
	assert_non_null(strstr(err, "write 鸡"));
	assert_null(load_text(f, "[livestock]\nname = 畜牧\nexclude = 羊肚菌|Ｋ马\n", err, sizeof(err)));
	assert_non_null(strstr(err, "exclude never matches: Ｋ"));
	/* A name goes into the one-SMS acknowledgement: at most 8 characters. */
	assert_null(load_text(f, "[camelid]\nname = 羊驼骆驼养殖与疫病防治\npattern = 2 羊驼\n", err,
	    sizeof(err)));
	assert_non_null(strstr(err, "rules.conf:2: [camelid] name: 1..8 characters"));
	/* Upper case is fine: matching ignores case. */
	r = load_text(f, "[machinery]\nname = 农机\npattern = 2 GPS\n", err, sizeof(err));
	assert_non_null(r);
	route_rules_free(r);
}

static void
test_ties_go_to_the_category_written_first_and_low_scores_to_triage(void **state)
{
	struct fixture *f = *state;
	struct route_result res;
	struct route_rules *r;
	char err[512];

	r = load_text(f, "[routing]\nthreshold = 3\n[b]\nname = 乙\npattern = 3 共同\n"
	    "[a]\nname = 甲\npattern = 3 共同\npattern = 1 弱\nexclude = 不要甲\n", err, sizeof(err));
	assert_non_null(r);
	route_classify(r, "共同的问题", &res);
	assert_string_equal(res.code, "b");
	assert_int_equal(res.line, 5);
	route_classify(r, "共同的问题 弱", &res);
	assert_string_equal(res.code, "a");
	assert_int_equal(res.score, 4);
	route_classify(r, "共同 弱 不要甲", &res);
	assert_string_equal(res.code, "b");
	route_classify(r, "只有弱", &res);
	assert_string_equal(res.code, ROUTE_TRIAGE);
	assert_int_equal(res.score, 1);
	route_rules_free(r);
}

static void
test_explanation_names_every_candidate_and_the_rules_that_fired(void **state)
{
	struct fixture *f = *state;
	struct route_result res;
	struct route_rules *r;
	char err[512], *text = NULL;
	size_t len = 0;
	FILE *out;

	r = load_text(f, "[routing]\nthreshold = 3\n[b]\nname = 乙\npattern = 3 共同\n"
	    "[a]\nname = 甲\npattern = 3 共同\npattern = 1 弱\nexclude = 不要甲\n", err, sizeof(err));
	assert_non_null(r);
	out = open_memstream(&text, &len);
	route_classify(r, "共同 弱 不要甲", &res);
	route_explain(r, &res, out);
	route_classify(r, "只有弱", &res);
	route_explain(r, &res, out);
	fclose(out);
	assert_non_null(strstr(text, "  b              3  "));
	assert_non_null(strstr(text, "rules.conf:5(+3)"));
	assert_non_null(strstr(text, "  a              0  "));
	assert_non_null(strstr(text, "rules.conf:8(+3) "));
	assert_non_null(strstr(text, "rules.conf:9(+1) "));
	assert_non_null(strstr(text, "rules.conf:10(exclude)"));
	assert_non_null(strstr(text, "decided by "));
	assert_non_null(strstr(text, "below the threshold 3: triage"));
	free(text);
	route_rules_free(r);
}

static void
test_normalization_folds_width_case_space_and_script(void **state)
{
	struct fixture *f = *state;
	char *out = route_normalize(f->norm, "  ＰＨ值　太高  雞蛋 ＃１０２４ ");

	assert_string_equal(out, "ph值 太高 鸡蛋 #1024");
	free(out);
}

/* OpenCC itself, on the folded text: what route_normalize must equal. */
static char *
full_conversion(opencc_t cc, const char *text)
{
	char *folded = route_fold(text), *conv, *out;

	conv = opencc_convert_utf8(cc, folded, strlen(folded));
	out = strdup(conv);
	opencc_convert_utf8_free(conv);
	free(folded);
	return out;
}

static int
set_has(const struct cp_set *s, uint32_t cp)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->cp[i] == cp)
			return 1;
	return 0;
}

/*
 * A repeat count of any length is read without building the number (the fuzzer found one of
 * 37 digits overflowing a long); only whether the least count is zero decides if the next
 * atom's characters can begin a match.
 */
static void
test_prefilter_reads_repeat_counts_of_any_length(void **state)
{
	struct cp_set s = { 0 };

	(void)state;
	assert_int_equal(prefilter_first_chars("鸡{8888888888888888888888888888888888888}鸭", &s), 1);
	assert_true(set_has(&s, 0x9e21));	/* 鸡 */
	assert_false(set_has(&s, 0x9e2d));	/* 鸭 */
	cp_set_free(&s);

	memset(&s, 0, sizeof(s));
	assert_int_equal(prefilter_first_chars("鸡{0000000000000000000000000,3}鸭", &s), 1);
	assert_true(set_has(&s, 0x9e21));
	assert_true(set_has(&s, 0x9e2d));
	cp_set_free(&s);

	memset(&s, 0, sizeof(s));
	assert_int_equal(prefilter_first_chars("鸡{10}鸭", &s), 1);
	assert_false(set_has(&s, 0x9e2d));
	cp_set_free(&s);
}

static void
test_skipping_opencc_for_simplified_text_changes_nothing(void **state)
{
	struct fixture *f = *state;
	static const char *const samples[] = {
		"小雞拉稀怎麼辦", "么麼小丑", "乾燥的天气", "乾隆年间种的树", "頭髮", "發芽",
		"著名的茶叶", "看著就要下雨了", "鹅苗死亡很多怎么办", "用了什么农药", "後山的蘋果",
		"臺灣的鳳梨", "台湾的凤梨", "一隻雞", "干旱", "里面", "裡面", "麵粉", "面粉",
	};
	opencc_t cc = opencc_open(OPENCC_DEFAULT_CONFIG_TRAD_TO_SIMP);
	char line[4096], *a, *b;
	unsigned seed = 7;
	size_t i, n = 0, k;
	char pool[40000];
	size_t plen = 0;
	FILE *fp;

	assert_true(cc != (opencc_t)-1);
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		a = route_normalize(f->norm, samples[i]);
		b = full_conversion(cc, samples[i]);
		if (strcmp(a, b) != 0)
			fail_msg("%s: %s, OpenCC says %s", samples[i], a, b);
		free(a);
		free(b);
	}
	/* Every corpus line, and random strings of the corpus's characters. */
	fp = fopen(CORPUS, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		char *text = strchr(line, '\t');

		if (line[0] == '#' || text == NULL)
			continue;
		text++;
		text[strcspn(text, "\r\n")] = '\0';
		a = route_normalize(f->norm, text);
		b = full_conversion(cc, text);
		if (strcmp(a, b) != 0)
			fail_msg("%s: %s, OpenCC says %s", text, a, b);
		free(a);
		free(b);
		if (plen + strlen(text) < sizeof(pool)) {
			memcpy(pool + plen, text, strlen(text));
			plen += strlen(text);
		}
		n++;
	}
	fclose(fp);
	pool[plen] = '\0';
	for (k = 0; k < 5000; k++) {
		char text[64];
		size_t used = 0;

		while (used < 40) {
			size_t at = (size_t)rand_r(&seed) % plen, len;

			while (at > 0 && (pool[at] & 0xc0) == 0x80)
				at--;
			len = 1;
			while ((pool[at + len] & 0xc0) == 0x80)
				len++;
			memcpy(text + used, pool + at, len);
			used += len;
		}
		text[used] = '\0';
		a = route_normalize(f->norm, text);
		b = full_conversion(cc, text);
		if (strcmp(a, b) != 0)
			fail_msg("%s: %s, OpenCC says %s", text, a, b);
		free(a);
		free(b);
	}
	opencc_close(cc);
	printf("  normalization equals OpenCC on %zu corpus lines and 5000 random strings\n", n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_accuracy_is_at_least_97_percent),
		cmocka_unit_test(test_held_out_accuracy_is_at_least_97_percent),
		cmocka_unit_test(test_questions_found_in_review_stay_right),
		cmocka_unit_test(test_traditional_and_simplified_match_the_same_rule),
		cmocka_unit_test(test_keyword_inside_another_word_does_not_fire),
		cmocka_unit_test(test_greeting_goes_to_triage),
		cmocka_unit_test(test_bad_pattern_names_file_line_and_pcre2_offset),
		cmocka_unit_test(test_a_repeated_group_matches_a_long_text_past_the_jit_stack),
		cmocka_unit_test(test_a_runaway_rule_gives_up_and_is_logged_with_its_file_and_line),
		cmocka_unit_test(test_bad_weight_and_unknown_key_are_refused),
		cmocka_unit_test(test_ties_go_to_the_category_written_first_and_low_scores_to_triage),
		cmocka_unit_test(test_explanation_names_every_candidate_and_the_rules_that_fired),
		cmocka_unit_test(test_normalization_folds_width_case_space_and_script),
		cmocka_unit_test(test_skipping_opencc_for_simplified_text_changes_nothing),
		cmocka_unit_test(test_prefilter_reads_repeat_counts_of_any_length),
	};

	return cmocka_run_group_tests_name("classify", tests, setup, teardown);
}
