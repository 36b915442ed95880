/*
 * The assignment policy: on-duty experts of the category, township pairing, fewest open
 * consultations, round-robin among equals, never someone who had it; triage; queued.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "experts/assign.h"
#include "common/log.h"
#include "store/store.h"
#include "tests/lib/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fixture {
	char *dir;
	struct store *s;
	int64_t farmer;
	int64_t now;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store_farmer farmer;
	char err[512], *path;

	f->dir = tu_mkdtemp("assign");
	if (asprintf(&path, "%s/test.db", f->dir) < 0)
		return -1;
	if (store_open(path, 1000, &f->s, err, sizeof(err)) != 0)
		return -1;
	free(path);
	memset(&farmer, 0, sizeof(farmer));
	if (store_farmer_ensure(f->s, "+8613800000001", 1, &farmer) != STORE_OK)
		return -1;
	f->farmer = farmer.id;
	store_farmer_free(&farmer);
	f->now = 1000;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->s);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static int64_t
add_person(struct fixture *f, const char *phone, const char *name, enum store_role role,
    const char *categories, const char *townships)
{
	struct store_expert e;
	int64_t id;

	memset(&e, 0, sizeof(e));
	snprintf(e.phone, sizeof(e.phone), "%s", phone);
	e.name = (char *)name;
	e.role = role;
	e.on_duty = 1;
	e.categories = (char *)categories;
	e.townships = (char *)townships;
	assert_int_equal(store_expert_add(f->s, &e, 1, &id), STORE_OK);
	return id;
}

/* A new consultation of category from a farmer in township; returns who got it. */
static int64_t
ask(struct fixture *f, const char *category, const char *township, enum assign_outcome *out,
    int64_t *cid)
{
	struct store_consult c;
	int64_t who;

	memset(&c, 0, sizeof(c));
	c.farmer_id = f->farmer;
	c.question = "问题";
	c.category = (char *)category;
	c.status = CS_QUEUED;
	c.created_at = ++f->now;
	c.township = (char *)township;
	assert_int_equal(store_consult_create(f->s, &c), STORE_OK);
	assert_int_equal(expert_assign(f->s, &c, f->now, out, &who), STORE_OK);
	if (cid)
		*cid = c.id;
	return who;
}

static void
test_goes_to_an_on_duty_expert_of_the_category(void **state)
{
	struct fixture *f = *state;
	enum assign_outcome out;
	int64_t vet, fish;

	vet = add_person(f, "+8613900000001", "甲", ROLE_EXPERT, "livestock", NULL);
	fish = add_person(f, "+8613900000002", "乙", ROLE_EXPERT, "aqua,poultry", NULL);
	assert_int_equal(ask(f, "poultry", NULL, &out, NULL), fish);
	assert_int_equal(out, ASSIGN_EXPERT);
	assert_int_equal(ask(f, "livestock", NULL, &out, NULL), vet);
	store_expert_set_duty(f->s, vet, 0, f->now);
	assert_int_equal(ask(f, "livestock", NULL, &out, NULL), 0);
	assert_int_equal(out, ASSIGN_QUEUED);
}

static void
test_fewest_open_first_then_round_robin_among_equals(void **state)
{
	struct fixture *f = *state;
	enum assign_outcome out;
	int64_t a, b, c, cid;

	a = add_person(f, "+8613900000001", "甲", ROLE_EXPERT, "poultry", NULL);
	b = add_person(f, "+8613900000002", "乙", ROLE_EXPERT, "poultry", NULL);
	c = add_person(f, "+8613900000003", "丙", ROLE_EXPERT, "poultry", NULL);
	assert_int_equal(ask(f, "poultry", NULL, &out, &cid), a);
	assert_int_equal(ask(f, "poultry", NULL, &out, NULL), b);
	assert_int_equal(ask(f, "poultry", NULL, &out, NULL), c);
	/* a answers: a has the fewest open and goes next. */
	assert_int_equal(store_consult_answered(f->s, cid, a, f->now), STORE_OK);
	assert_int_equal(ask(f, "poultry", NULL, &out, NULL), a);
	/* All have one open: round-robin goes on with b, then c. */
	assert_int_equal(ask(f, "poultry", NULL, &out, NULL), b);
	assert_int_equal(ask(f, "poultry", NULL, &out, NULL), c);
}

static void
test_expert_paired_with_the_township_comes_first(void **state)
{
	struct fixture *f = *state;
	enum assign_outcome out;
	int64_t b;

	add_person(f, "+8613900000001", "甲", ROLE_EXPERT, "poultry", "六郎镇");
	b = add_person(f, "+8613900000002", "乙", ROLE_EXPERT, "poultry", "舜山镇");
	assert_int_equal(ask(f, "poultry", "舜山镇", &out, NULL), b);
	assert_int_equal(ask(f, "poultry", "舜山镇", &out, NULL), b);
}

static void
test_never_back_to_an_expert_who_had_it_then_triage_then_queued(void **state)
{
	struct fixture *f = *state;
	struct store_consult c;
	enum assign_outcome out;
	int64_t a, b, t, t2, cid, who;

	a = add_person(f, "+8613900000001", "甲", ROLE_EXPERT, "poultry", NULL);
	b = add_person(f, "+8613900000002", "乙", ROLE_EXPERT, "poultry", NULL);
	t = add_person(f, "+8613900000003", "分诊", ROLE_TRIAGE, NULL, NULL);
	assert_int_equal(ask(f, "poultry", NULL, &out, &cid), a);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_consult_unassign(f->s, cid, "passed", f->now), STORE_OK);
	assert_int_equal(store_consult_get(f->s, cid, &c), STORE_OK);
	assert_int_equal(c.status, CS_QUEUED);
	assert_int_equal(expert_assign(f->s, &c, f->now, &out, &who), STORE_OK);
	assert_int_equal(who, b);
	assert_int_equal(store_consult_unassign(f->s, cid, "passed", f->now), STORE_OK);
	assert_int_equal(expert_assign(f->s, &c, f->now, &out, &who), STORE_OK);
	assert_int_equal(who, t);
	assert_int_equal(out, ASSIGN_TRIAGE);
	/* Triage staff are the last resort: one who had it may get it again... */
	assert_int_equal(store_consult_unassign(f->s, cid, "passed", f->now), STORE_OK);
	assert_int_equal(expert_assign(f->s, &c, f->now, &out, &who), STORE_OK);
	assert_int_equal(who, t);
	assert_int_equal(out, ASSIGN_TRIAGE);
	/* ...after any other triage staff member who did not have it. */
	t2 = add_person(f, "+8613900000005", "分诊二", ROLE_TRIAGE, NULL, NULL);
	assert_int_equal(store_consult_unassign(f->s, cid, "passed", f->now), STORE_OK);
	assert_int_equal(expert_assign(f->s, &c, f->now, &out, &who), STORE_OK);
	assert_int_equal(who, t2);
	/* With nobody on duty, it waits. */
	assert_int_equal(store_expert_set_duty(f->s, t, 0, f->now), STORE_OK);
	assert_int_equal(store_expert_set_duty(f->s, t2, 0, f->now), STORE_OK);
	assert_int_equal(store_consult_unassign(f->s, cid, "passed", f->now), STORE_OK);
	assert_int_equal(expert_assign(f->s, &c, f->now, &out, &who), STORE_OK);
	assert_int_equal(who, 0);
	assert_int_equal(out, ASSIGN_QUEUED);
	store_consult_free(&c);
}

static void
test_unclassified_questions_go_to_triage_staff(void **state)
{
	struct fixture *f = *state;
	enum assign_outcome out;
	int64_t t;

	add_person(f, "+8613900000001", "甲", ROLE_EXPERT, "poultry", NULL);
	add_person(f, "+8613900000004", "信息员", ROLE_COMMISSIONER, NULL, NULL);
	t = add_person(f, "+8613900000003", "分诊", ROLE_TRIAGE, NULL, NULL);
	assert_int_equal(ask(f, "triage", NULL, &out, NULL), t);
	assert_int_equal(out, ASSIGN_TRIAGE);
	/* A category without an expert also goes to triage. */
	assert_int_equal(ask(f, "aqua", NULL, &out, NULL), t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_goes_to_an_on_duty_expert_of_the_category, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fewest_open_first_then_round_robin_among_equals,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_expert_paired_with_the_township_comes_first,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_never_back_to_an_expert_who_had_it_then_triage_then_queued, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unclassified_questions_go_to_triage_staff, setup,
		    teardown),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests_name("assign", tests, NULL, NULL);
}
