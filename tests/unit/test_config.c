/*
 * Configuration: a whole config file loads; every kind of mistake names file, line and key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/config.h"
#include "tests/lib/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
setup(void **state)
{
	*state = tu_mkdtemp("config");
	return 0;
}

static int
teardown(void **state)
{
	tu_rmtree(*state);
	free(*state);
	return 0;
}

/* Load text as a config file; returns the load result and leaves the message in err. */
static int
load(const char *dir, const char *text, struct config *cfg, char *err, size_t errlen)
{
	char *path = tu_write_file(dir, "farmline.conf", text);
	int rc;

	config_defaults(cfg);
	rc = config_load(cfg, path, err, errlen);
	free(path);
	return rc;
}

/*
 * A whole config file with every section, as shipped (tests/fixtures/farmline.conf, a copy:
 * config/farmline.conf is the county's to edit, and `make test` checks it with farmline check).
 */
static void
test_a_whole_config_loads_with_console_provider_and_local_database(void **state)
{
	struct config cfg;
	char err[512];

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, "tests/fixtures/farmline.conf", err, sizeof(err)), 0);
	assert_string_equal(cfg.provider_type, "console");
	assert_string_equal(cfg.db_path, "data/farmline.db");
	assert_int_equal(cfg.port, 8080);
	assert_string_equal(cfg.signature, "【科技扶贫在线】");
	assert_int_equal(cfg.max_body, 65536);
	assert_int_equal(cfg.retry_base_ms, 10000);
	/* The walkthrough's token: the generic webhook answers on 127.0.0.1 out of the box. */
	assert_string_equal(cfg.inbound_token, CONFIG_WALKTHROUGH_TOKEN);
	assert_string_equal(cfg.bind, "127.0.0.1");
	config_free(&cfg);
}

static void
test_secrets_of_16_characters_or_none_are_taken(void **state)
{
	struct config cfg;
	char err[512];

	assert_int_equal(load(*state, "[http]\ninbound_token = 1234567890abcdef\n[kannel]\n"
	    "token = k-0123456789abcdef\n[bureau]\napi_token = any thing, 16+ long\n", &cfg, err,
	    sizeof(err)), 0);
	assert_string_equal(cfg.inbound_token, "1234567890abcdef");
	assert_string_equal(cfg.kannel_token, "k-0123456789abcdef");
	assert_string_equal(cfg.api_token, "any thing, 16+ long");
	config_free(&cfg);
	/* Empty: what the secret guards is off. */
	assert_int_equal(load(*state, "[http]\ninbound_token =\n[bureau]\napi_token =\n", &cfg, err,
	    sizeof(err)), 0);
	assert_string_equal(cfg.inbound_token, "");
	config_free(&cfg);
}

static void
test_values_land_with_their_types(void **state)
{
	struct config cfg;
	char err[512];

	assert_int_equal(load(*state, "[http]\nport = 9090\nmax_body = 1m\n"
	    "connection_timeout = 2m\n[sender]\nretry_base = 500ms\n[provider]\ntype = http\n"
	    "url = http://127.0.0.1:9/sms\n", &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.port, 9090);
	assert_int_equal(cfg.max_body, 1 << 20);
	assert_int_equal(cfg.conn_timeout_ms, 120000);
	assert_int_equal(cfg.retry_base_ms, 500);
	assert_string_equal(cfg.provider_type, "http");
	assert_string_equal(cfg.provider_url, "http://127.0.0.1:9/sms");
	config_free(&cfg);
}

static void
test_mistakes_name_file_line_and_key(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "[http]\nprot = 8080\n", "farmline.conf:2: [http] prot: unknown key" },
		{ "\n[http]\nport = 70000\n", "farmline.conf:3: [http] port: 70000 out of range 0..65535" },
		{ "[http]\nport = eighty\n", "farmline.conf:2: [http] port: \"eighty\" is not a whole number" },
		{ "[htpp]\nport = 80\n", "farmline.conf:2: [htpp] port: unknown section [htpp]" },
		{ "[sender]\nretry_base = soon\n", "farmline.conf:2: [sender] retry_base: \"soon\" is not a duration" },
		{ "[provider]\ntype = smpp\n", "farmline.conf:2: [provider] type: \"smpp\" is not one of console|http" },
		{ "[general]\ntimezone = Mars/Olympus\n", "farmline.conf:2: [general] timezone: unknown time zone" },
		{ "[http]\nport\n", "farmline.conf:2: not a [section]" },
		{ "[http]\nmax_body = 10\n", "farmline.conf:2: [http] max_body: 10 out of range" },
		{ "[general]\nsignature = 【某某县科技扶贫在线服务平台总站】\n",
		  "farmline.conf:2: [general] signature: 17 characters; it must have 0..16" },
		/* A mistake followed by more lines is still named by its own line. */
		{ "[http]\nport = eighty\nthreads = 2\n\n[store]\nbusy_timeout = 5s\n",
		  "farmline.conf:2: [http] port: \"eighty\" is not a whole number" },
		{ "[http]\nprot = 8080\n[http\nport = 1\n", "farmline.conf:2: [http] prot: unknown key" },
		/* NaN passed the bounds and was cast to an integer, undefined behaviour (found by
		 * fuzz/fuzz_config.c under UBSan). */
		{ "[appraisal]\npass_rating = nan\n",
		  "farmline.conf:2: [appraisal] pass_rating: \"nan\" is not a number" },
		{ "[appraisal]\nexcellent_rating = -NAN(1)\n",
		  "farmline.conf:2: [appraisal] excellent_rating: \"-NAN(1)\" is not a number" },
		/* Secrets: 16 characters at least; in a URL path, letters, digits, - and _ only. */
		{ "[http]\ninbound_token = 123456789012345\n",
		  "farmline.conf:2: [http] inbound_token: 15 characters; a secret needs at least 16" },
		{ "[http]\ninbound_token = 1234567890123456/\n",
		  "farmline.conf:2: [http] inbound_token: only letters, digits, - and _" },
		{ "[kannel]\ntoken = kannel\n", "farmline.conf:2: [kannel] token: 6 characters" },
		{ "[africastalking]\n\ntoken = x\n",
		  "farmline.conf:3: [africastalking] token: 1 characters" },
		{ "[tencent]\ntoken = short-secret\n", "farmline.conf:2: [tencent] token: 12 characters" },
		{ "[aliyun]\ntoken = aly_8c1e5f0a7b3\n", "farmline.conf:2: [aliyun] token: 15 characters" },
		{ "[bureau]\napi_token = x\n", "farmline.conf:2: [bureau] api_token: 1 characters" },
	};
	struct config cfg;
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(load(*state, cases[i].text, &cfg, err, sizeof(err)), -1);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("got \"%s\", want \"%s\"", err, cases[i].want);
		config_free(&cfg);
	}
}

static void
test_a_line_too_long_for_the_parser_is_refused_not_cut(void **state)
{
	struct config cfg;
	char text[600], err[512];

	memset(text, 0, sizeof(text));
	strcpy(text, "[general]\nsignature = ");
	memset(text + strlen(text), 'x', 300);
	strcat(text, "\n");
	assert_int_equal(load(*state, text, &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "farmline.conf:2: line longer than"));
	config_free(&cfg);
}

static void
test_a_missing_file_is_named(void **state)
{
	struct config cfg;
	char err[512];

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, "/nonexistent/farmline.conf", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/farmline.conf: cannot open"));
	config_free(&cfg);
}

static void
test_durations_parse_with_units(void **state)
{
	int64_t ms;

	(void)state;
	assert_int_equal(config_parse_duration("90", &ms), 0);
	assert_int_equal(ms, 90000);
	assert_int_equal(config_parse_duration("250ms", &ms), 0);
	assert_int_equal(ms, 250);
	assert_int_equal(config_parse_duration("2h", &ms), 0);
	assert_int_equal(ms, 7200000);
	assert_int_equal(config_parse_duration("1d", &ms), 0);
	assert_int_equal(ms, 86400000);
	assert_int_equal(config_parse_duration("-1s", &ms), -1);
	assert_int_equal(config_parse_duration("5 weeks", &ms), -1);
	assert_int_equal(config_parse_duration("", &ms), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_whole_config_loads_with_console_provider_and_local_database),
		cmocka_unit_test(test_values_land_with_their_types),
		cmocka_unit_test(test_secrets_of_16_characters_or_none_are_taken),
		cmocka_unit_test(test_mistakes_name_file_line_and_key),
		cmocka_unit_test(test_a_line_too_long_for_the_parser_is_refused_not_cut),
		cmocka_unit_test(test_a_missing_file_is_named),
		cmocka_unit_test(test_durations_parse_with_units),
	};

	return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
