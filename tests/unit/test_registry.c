/*
 * Registering experts: field checks, single adds, CSV imports that are all or nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/log.h"
#include "experts/registry.h"
#include "routing/classify.h"
#include "store/store.h"
#include "tests/lib/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The [townships] of the config the tests register against. */
static const struct config_township townships[] = {
	{ "舜山镇", "" },
	{ "六郎镇", "" },
};

struct fixture {
	char *dir;
	struct store *s;
	struct route_rules *rules;
	struct expert_known known;	/* the rules and townships */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512], *path, *rules;

	f->dir = tu_mkdtemp("registry");
	rules = tu_write_file(f->dir, "rules.conf", "[poultry]\nname = 家禽\npattern = 3 鸡\n"
	    "[livestock]\nname = 畜牧\npattern = 3 猪\n[grain]\nname = 粮油作物\npattern = 3 麦\n"
	    "[protection]\nname = 植保\npattern = 3 虫\n[fruit_tea]\nname = 果树茶叶\npattern = 3 茶\n");
	if (asprintf(&path, "%s/test.db", f->dir) < 0 ||
	    store_open(path, 1000, &f->s, err, sizeof(err)) != 0 ||
	    route_rules_load(rules, &f->rules, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	free(path);
	free(rules);
	f->known.rules = f->rules;
	f->known.townships = townships;
	f->known.ntownships = 2;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	route_rules_free(f->rules);
	store_close(f->s);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void
test_categories_by_code_or_chinese_name_and_any_separator(void **state)
{
	struct fixture *f = *state;
	struct expert_input in = { "139 0000 0002", "王专家", "家禽、livestock；poultry", "舜山镇,六郎镇",
	    NULL };
	struct store_expert e;
	char err[256];

	assert_int_equal(expert_prepare(&f->known, &in, &e, err, sizeof(err)), 0);
	assert_string_equal(e.phone, "+8613900000002");
	assert_string_equal(e.categories, "poultry,livestock,poultry");
	assert_string_equal(e.townships, "舜山镇,六郎镇");
	assert_int_equal(e.role, ROLE_EXPERT);
	store_expert_free(&e);
}

static void
test_bad_fields_are_refused_with_a_reason(void **state)
{
	struct fixture *f = *state;
	static const struct {
		struct expert_input in;
		const char *want;
	} cases[] = {
		{ { "12", "王", "poultry", NULL, NULL }, "is not a phone number" },
		{ { "13900000002", "", "poultry", NULL, NULL }, "a name" },
		{ { "13900000002", "王", "chickens", NULL, NULL }, "unknown category \"chickens\"" },
		{ { "13900000002", "王", NULL, NULL, NULL }, "at least one category" },
		{ { "13900000002", "王", "poultry", NULL, "boss" }, "unknown role \"boss\"" },
	};
	struct store_expert e;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(expert_prepare(&f->known, &cases[i].in, &e, err, sizeof(err)), -1);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("got \"%s\", want \"%s\"", err, cases[i].want);
		store_expert_free(&e);
	}
	/* Triage staff and commissioners need no category. */
	{
		struct expert_input t = { "13900000009", "陈", NULL, NULL, "triage" };

		assert_int_equal(expert_prepare(&f->known, &t, &e, err, sizeof(err)), 0);
		store_expert_free(&e);
	}
}

static void
test_adding_a_registered_phone_needs_update(void **state)
{
	struct fixture *f = *state;
	struct expert_input in = { "13900000002", "王专家", "poultry", NULL, NULL };
	char err[256];

	assert_int_equal(expert_register(f->s, &f->known, &in, 0, 1, err, sizeof(err)),
	    EXPERT_ADDED);
	assert_int_equal(expert_register(f->s, &f->known, &in, 0, 1, err, sizeof(err)),
	    EXPERT_EXISTS);
	assert_non_null(strstr(err, "already registered"));
	in.categories = "grain";
	assert_int_equal(expert_register(f->s, &f->known, &in, 1, 1, err, sizeof(err)),
	    EXPERT_UPDATED);
}

static void
test_the_example_csv_imports(void **state)
{
	struct fixture *f = *state;
	struct store_expert e;
	int added, updated;
	char err[256];

	assert_int_equal(expert_import_csv(f->s, &f->known, "config/experts.example.csv", 1, &added,
	    &updated, err, sizeof(err)), 0);
	assert_int_equal(added, 5);
	assert_int_equal(updated, 0);
	memset(&e, 0, sizeof(e));
	assert_int_equal(store_expert_find(f->s, "+8613900000003", &e), STORE_OK);
	assert_string_equal(e.categories, "grain,protection");
	store_expert_free(&e);
	assert_int_equal(store_expert_find(f->s, "+8613900000009", &e), STORE_OK);
	assert_int_equal(e.role, ROLE_TRIAGE);
	store_expert_free(&e);
	/* Importing again updates. */
	assert_int_equal(expert_import_csv(f->s, &f->known, "config/experts.example.csv", 1, &added,
	    &updated, err, sizeof(err)), 0);
	assert_int_equal(added, 0);
	assert_int_equal(updated, 5);
}

static void
test_a_bad_row_stops_the_import_and_nothing_is_kept(void **state)
{
	struct fixture *f = *state;
	struct store_expert e;
	int added = -1, updated = -1;
	char err[256], *path;

	path = tu_write_file(f->dir, "bad.csv", "\xef\xbb\xbfname,phone,categories\r\n"
	    "王专家,13900000002,poultry\r\n李专家,13900000003,bananas\r\n");
	assert_int_equal(expert_import_csv(f->s, &f->known, path, 1, &added, &updated, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "bad.csv: row 3: unknown category \"bananas\""));
	assert_int_equal(store_expert_find(f->s, "+8613900000002", &e), STORE_NOTFOUND);
	free(path);

	path = tu_write_file(f->dir, "bad2.csv", "phone,name,salary\n13900000002,王,1\n");
	assert_int_equal(expert_import_csv(f->s, &f->known, path, 1, &added, &updated, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "row 1: unknown column"));
	free(path);

	path = tu_write_file(f->dir, "bad3.csv", "phone,name\n\"13900000002,王\n");
	assert_int_equal(expert_import_csv(f->s, &f->known, path, 1, &added, &updated, err,
	    sizeof(err)), -1);
	free(path);
}

static void
test_townships_must_be_those_of_the_config(void **state)
{
	struct fixture *f = *state;
	struct expert_input in = { "13900000002", "王专家", "poultry", "舜山镇,火星镇", NULL };
	struct expert_known any = f->known;
	struct store_expert e;
	char err[256], *path;
	int added = -1, updated = -1;

	assert_int_equal(expert_prepare(&f->known, &in, &e, err, sizeof(err)), -1);
	tu_assert_contains(err, "unknown township \"火星镇\"");
	tu_assert_contains(err, "舜山镇、六郎镇");
	store_expert_free(&e);
	assert_int_equal(expert_register(f->s, &f->known, &in, 0, 1, err, sizeof(err)),
	    EXPERT_INVALID);

	/* A config without [townships] takes any name. */
	any.townships = NULL;
	any.ntownships = 0;
	assert_int_equal(expert_prepare(&any, &in, &e, err, sizeof(err)), 0);
	assert_string_equal(e.townships, "舜山镇,火星镇");
	store_expert_free(&e);

	/* An import stops at the row, and keeps nothing. */
	path = tu_write_file(f->dir, "towns.csv", "phone,name,categories,townships\n"
	    "13900000002,王,poultry,舜山镇\n13900000003,李,poultry,六郎镇、火星镇\n");
	assert_int_equal(expert_import_csv(f->s, &f->known, path, 1, &added, &updated, err,
	    sizeof(err)), -1);
	tu_assert_contains(err, "towns.csv: row 3: unknown township \"火星镇\"");
	assert_int_equal(store_expert_find(f->s, "+8613900000002", &e), STORE_NOTFOUND);
	free(path);
}

static void
test_a_removed_expert_keeps_history_but_is_no_longer_staff(void **state)
{
	struct fixture *f = *state;
	struct expert_input in = { "13900000002", "王专家", "poultry", NULL, NULL };
	struct store_expert e;
	int64_t id = 0, picked = 0;
	char err[256];

	assert_int_equal(expert_register(f->s, &f->known, &in, 0, 1, err, sizeof(err)),
	    EXPERT_ADDED);
	memset(&e, 0, sizeof(e));
	assert_int_equal(store_expert_find(f->s, "+8613900000002", &e), STORE_OK);
	id = e.id;
	store_expert_free(&e);

	assert_int_equal(expert_remove(f->s, "139 0000 0002", 100, &e, err, sizeof(err)), 0);
	assert_string_equal(e.name, "王专家");
	store_expert_free(&e);
	/* Their phone is no longer staff, and nobody picks them. */
	assert_int_equal(store_expert_find(f->s, "+8613900000002", &e), STORE_NOTFOUND);
	assert_int_equal(store_expert_pick(f->s, ROLE_EXPERT, "poultry", NULL, 1, &picked),
	    STORE_NOTFOUND);
	/* Their row stays, for the figures and histories that name them. */
	assert_int_equal(store_expert_get(f->s, id, &e), STORE_OK);
	assert_string_equal(e.name, "王专家");
	assert_int_equal(e.removed_at, 100);
	assert_int_equal(e.on_duty, 0);
	store_expert_free(&e);
	/* Twice is an error that says so; so is a phone nobody has. */
	assert_int_equal(expert_remove(f->s, "13900000002", 101, &e, err, sizeof(err)), -1);
	tu_assert_contains(err, "already removed");
	store_expert_free(&e);
	assert_int_equal(expert_remove(f->s, "13900000077", 101, &e, err, sizeof(err)), -1);
	tu_assert_contains(err, "no one is registered");
	store_expert_free(&e);

	/* Adding them again needs --update, which registers them again, on duty. */
	assert_int_equal(expert_register(f->s, &f->known, &in, 0, 200, err, sizeof(err)),
	    EXPERT_EXISTS);
	tu_assert_contains(err, "was registered and removed");
	assert_int_equal(expert_register(f->s, &f->known, &in, 1, 200, err, sizeof(err)),
	    EXPERT_UPDATED);
	assert_int_equal(store_expert_find(f->s, "+8613900000002", &e), STORE_OK);
	assert_int_equal(e.id, id);
	assert_int_equal(e.on_duty, 1);
	assert_int_equal(e.removed_at, 0);
	store_expert_free(&e);
	assert_int_equal(store_expert_pick(f->s, ROLE_EXPERT, "poultry", NULL, 1, &picked),
	    STORE_OK);
	assert_int_equal(picked, id);
}

static void
test_a_row_of_the_list_names_categories_role_and_status(void **state)
{
	struct fixture *f = *state;
	struct store_expert e;
	struct expert_row row;

	memset(&e, 0, sizeof(e));
	snprintf(e.phone, sizeof(e.phone), "+8613900000002");
	e.name = "王专家";
	e.role = ROLE_EXPERT;
	e.on_duty = 1;
	e.categories = "poultry,livestock,nosuch";
	e.open_count = 3;
	expert_row(f->rules, &e, &row);
	assert_string_equal(row.cells[0], "+8613900000002");
	assert_string_equal(row.cells[1], "王专家");
	assert_string_equal(row.cells[2], "专家");
	assert_string_equal(row.cells[3], "家禽、畜牧、nosuch");
	assert_string_equal(row.cells[4], "-");
	assert_string_equal(row.cells[5], "在岗");
	assert_string_equal(row.cells[6], "3");

	e.role = ROLE_COMMISSIONER;
	e.categories = NULL;
	e.townships = "舜山镇";
	e.removed_at = 100;
	e.open_count = 0;
	expert_row(f->rules, &e, &row);
	assert_string_equal(row.cells[2], "信息员");
	assert_string_equal(row.cells[3], "-");
	assert_string_equal(row.cells[4], "舜山镇");
	assert_string_equal(row.cells[5], "已停用");
	assert_string_equal(row.cells[6], "0");

	e.role = ROLE_TRIAGE;
	e.removed_at = 0;
	e.on_duty = 0;
	expert_row(f->rules, &e, &row);
	assert_string_equal(row.cells[2], "分诊员");
	assert_string_equal(row.cells[5], "暂停");
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_categories_by_code_or_chinese_name_and_any_separator),
		T(test_bad_fields_are_refused_with_a_reason),
		T(test_adding_a_registered_phone_needs_update),
		T(test_the_example_csv_imports),
		T(test_a_bad_row_stops_the_import_and_nothing_is_kept),
		T(test_townships_must_be_those_of_the_config),
		T(test_a_removed_expert_keeps_history_but_is_no_longer_staff),
		T(test_a_row_of_the_list_names_categories_role_and_status),
	};
#undef T

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
