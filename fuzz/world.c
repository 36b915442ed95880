/*
 * The county of fuzz/world.h.
 */
#include "fuzz/world.h"

#include "common/clock.h"
#include "common/config.h"
#include "fuzz/common.h"
#include "common/sms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define START 1700000000000LL	/* 2023-11-14, a Tuesday, 22:13 UTC: 06:13 in Shanghai */

static const struct config_township townships[] = {
	{ (char *)"舜山镇", (char *)"六郎村, 大坪村, 白岩村" },
	{ (char *)"六郎镇", (char *)"" },
};

static struct fuzz_world world;
static char dir[256];

static int64_t
fixed_now(void)
{
	return world.now;
}

static void
world_close(void)
{
	char path[300];
	static const char *const files[] = { "fuzz.db", "fuzz.db-wal", "fuzz.db-shm" };
	size_t i;

	clock_set_source(NULL);
	consult_free(world.c);
	gw_ussd_menu_free(world.menu);
	route_norm_close(world.norm);
	route_rules_free(world.rules);
	store_close(world.s);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void
must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz: cannot set up the county: %s%s%s\n", what,
		    world.s ? ": " : "", world.s ? store_errmsg(world.s) : "");
		abort();
	}
}

static void
person(const char *phone, const char *name, enum store_role role, const char *categories)
{
	struct store_expert e;

	memset(&e, 0, sizeof(e));
	snprintf(e.phone, sizeof(e.phone), "%s", phone);
	e.name = (char *)name;
	e.role = role;
	e.on_duty = 1;
	e.categories = (char *)categories;
	must(store_expert_add(world.s, &e, world.now, NULL) == STORE_OK, "an expert");
}

static void
sms(const char *from, const char *text)
{
	struct sms_in in = { "http", NULL, from, "10690000", text };
	struct consult_result res;

	world.now += 60000;
	must(store_begin(world.s) == STORE_OK, "begin");
	must(consult_handle(world.c, &in, world.now, &res) == STORE_OK, text);
	must(store_commit(world.s) == STORE_OK, "commit");
}

struct fuzz_world *
fuzz_world(void)
{
	const char *tmp = getenv("TMPDIR");
	char err[512] = "", path[300], phone[32], name[32];
	struct store_msg rows[64];
	int i, n;

	if (world.c)
		return &world;
	snprintf(dir, sizeof(dir), "%s/farmline-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	must(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/fuzz.db", dir);
	if (store_open(path, 1000, &world.s, err, sizeof(err)) != 0 ||
	    route_rules_load("config/categories.conf", &world.rules, err, sizeof(err)) != 0 ||
	    route_norm_open(&world.norm, err, sizeof(err)) != 0 ||
	    gw_ussd_menu_load("config/ussd.conf", &world.menu, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz: %s (run from the top of the tree)\n", err);
		abort();
	}
	world.o = (struct consult_opts){
		.signature = "【科技扶贫在线】", .service_number = "10690000", .provider = "http",
		.followup_window_ms = 3 * 86400000LL, .new_question_score = 5, .low_rating = 2,
		.max_segments = 3, .loop_limit = 20, .remind_after_ms = 2 * 3600000LL,
		.reassign_after_ms = 8 * 3600000LL, .off_duty_grace_ms = 3600000LL,
		.escalation_check_ms = 0, .quiet = { 22 * 60, 7 * 60 },
		.townships = townships, .ntownships = 2, .dedup_window_ms = 120000,
		.redeliver_after_ms = 1800000,
	};
	snprintf(world.o.bureau_contact, sizeof(world.o.bureau_contact), "+8613900000099");
	world.now = START;
	clock_set_source(fixed_now);
	world.c = consult_new(world.s, world.rules, world.norm, &world.o);
	atexit(world_close);

	must(store_begin(world.s) == STORE_OK, "begin");
	for (i = 0; i < route_rules_count(world.rules); i++) {
		const struct route_category *cat = route_rules_category(world.rules, i);

		snprintf(phone, sizeof(phone), "+86139000000%02d", i + 1);
		snprintf(name, sizeof(name), "专家%d", i + 1);
		person(phone, name, ROLE_EXPERT, cat->code);
		if (strcmp(cat->code, "poultry") == 0)
			snprintf(world.expert, sizeof(world.expert), "%s", phone);
	}
	must(world.expert[0] != '\0', "a poultry category in config/categories.conf");
	person(WORLD_TRIAGE, "分诊员", ROLE_TRIAGE, "");
	person(WORLD_COMMISSIONER, "信息员", ROLE_COMMISSIONER, "");
	must(store_commit(world.s) == STORE_OK, "commit");

	/* A question answered and rated, one answered, one open, a registration. */
	sms(WORLD_FARMER, "鹅苗死亡很多怎么办");
	sms(world.expert, "1 建议先隔离病鹅，保温，饮水中加电解多维");
	sms(WORLD_FARMER, "5");
	sms(WORLD_FARMER, "登记 舜山镇 六郎村");
	sms("+8613800000002", "天麻怎么种");
	sms(WORLD_FARMER, "小鸭拉稀怎么办");		/* 3, open */
	sms("+8613800000003", "小鸡不吃食");
	sms(world.expert, "4 多半是沙门氏菌，先隔离");	/* answered, not rated */

	/* What that queued is sent: each input's outbox starts empty. */
	world.now += 10 * 86400000LL;
	must(store_begin(world.s) == STORE_OK, "begin");
	do {
		must(store_outbox_due(world.s, world.now, rows, 64, &n) == STORE_OK, "outbox");
		for (i = 0; i < n; i++) {
			must(store_outbox_sending(world.s, rows[i].id, "http", NULL, world.now) ==
			    STORE_OK, "sending");
			must(store_outbox_sent(world.s, rows[i].id, "p", world.now) == STORE_OK,
			    "sent");
			store_msg_free(&rows[i]);
		}
	} while (n > 0);
	must(store_commit(world.s) == STORE_OK, "commit");
	world.now += 3600000;
	return &world;
}

void
fuzz_world_check_outbox(struct fuzz_world *w)
{
	struct store_msg rows[64];
	int i, n;

	FUZZ_CHECK(store_outbox_due(w->s, w->now + 30 * 86400000LL, rows, 64, &n) == STORE_OK);
	for (i = 0; i < n; i++) {
		const struct store_msg *m = &rows[i];

		if (m->body && !utf8_valid(m->body, strlen(m->body)))
			fuzz_report("fuzz: to %s: \"%s\"\n", m->recipient, m->body);
		FUZZ_CHECK(m->body && utf8_valid(m->body, strlen(m->body)));
		FUZZ_CHECK(m->body[0] != '\0');
		FUZZ_CHECK(m->segments == sms_segments(m->body));
		if (m->segments > w->o.max_segments)
			fuzz_report("fuzz: %d segments: %s\n", m->segments, m->body);
		FUZZ_CHECK(m->segments <= w->o.max_segments);
		FUZZ_CHECK(m->recipient && m->recipient[0] == '+');
		store_msg_free(&rows[i]);
	}
}
