/*
 * farmline expert add|remove|list|import: the people the bureau registers — experts, triage
 * staff and information commissioners.
 */
#include "cli/cli.h"

#include "bureau/table.h"
#include "common/clock.h"
#include "experts/registry.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What expert add and import check a person against: the rules' categories, [townships]. */
static void
env_known(const struct cli_globals *g, const struct cli_env *env, struct expert_known *k)
{
	k->rules = env->rules;
	k->townships = g->cfg.townships;
	k->ntownships = g->cfg.ntownships;
}

int
cmd_expert_add(struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "phone", required_argument, NULL, 'p' },
		{ "name", required_argument, NULL, 'n' },
		{ "categories", required_argument, NULL, 'c' },
		{ "townships", required_argument, NULL, 't' },
		{ "role", required_argument, NULL, 'r' },
		{ "update", no_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct expert_known known;
	struct expert_input in;
	struct cli_env env;
	char err[512];
	int c, update = 0, rc = 1;
	enum expert_reg res;

	memset(&in, 0, sizeof(in));
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': in.phone = optarg; break;
		case 'n': in.name = optarg; break;
		case 'c': in.categories = optarg; break;
		case 't': in.townships = optarg; break;
		case 'r': in.role = optarg; break;
		case 'u': update = 1; break;
		default:
			return cli_bad_usage();
		}
	}
	if (in.phone == NULL || in.name == NULL)
		return cli_fail(2, "expert add needs --phone and --name");
	if (cli_env_open(g, &env, CLI_RULES | CLI_STORE) != 0)
		return 1;
	env_known(g, &env, &known);
	res = expert_register(env.s, &known, &in, update, clock_now_ms(), err, sizeof(err));
	switch (res) {
	case EXPERT_ADDED:
	case EXPERT_UPDATED:
		printf("%s %s (%s, %s)\n", res == EXPERT_ADDED ? "registered" : "updated", in.name,
		    in.role ? in.role : "expert", in.categories ? in.categories : "no categories");
		rc = 0;
		break;
	case EXPERT_EXISTS:
		cli_fail(1, "%s (--update changes it, or registers again one who was removed)",
		    err);
		break;
	default:
		cli_fail(1, "expert add: %s", err);
		break;
	}
	cli_env_close(&env);
	return rc;
}

struct list_ctx {
	const struct route_rules *rules;
	struct table *t;
};

static int
list_one(void *arg, const struct store_expert *e)
{
	struct list_ctx *ctx = arg;
	struct expert_row row;

	expert_row(ctx->rules, e, &row);
	table_add(ctx->t, row.cells);
	return 0;
}

int
cmd_expert_list(struct cli_globals *g, int argc, char **argv)
{
	static const int right[EXPERT_ROW_COLS] = { 0, 0, 0, 0, 0, 0, 1 };
	struct list_ctx ctx;
	struct cli_env env;
	int rc = 1;

	if (argc != 1)
		return cli_bad_usage();
	if (cli_env_open(g, &env, CLI_RULES | CLI_STORE) != 0)
		return 1;
	ctx.rules = env.rules;
	ctx.t = table_new(EXPERT_ROW_COLS, right);
	table_add(ctx.t, expert_row_head);
	if (store_expert_list(env.s, list_one, &ctx) == STORE_OK) {
		table_print(ctx.t, stdout);
		rc = 0;
	} else {
		cli_fail(1, "%s", store_errmsg(env.s));
	}
	table_free(ctx.t);
	cli_env_close(&env);
	return rc;
}

int
cmd_expert_import(struct cli_globals *g, int argc, char **argv)
{
	struct expert_known known;
	struct cli_env env;
	char err[512];
	const char *path;
	int added = 0, updated = 0, rc = 1;

	if (argc != 2)
		return cli_bad_usage();
	path = argv[1];
	if (cli_env_open(g, &env, CLI_RULES | CLI_STORE) != 0)
		return 1;
	env_known(g, &env, &known);
	if (expert_import_csv(env.s, &known, path, clock_now_ms(), &added, &updated, err,
	    sizeof(err)) == 0) {
		printf("imported %s: %d added, %d updated\n", path, added, updated);
		rc = 0;
	} else {
		cli_fail(1, "expert import: %s (nothing was imported)", err);
	}
	cli_env_close(&env);
	return rc;
}

int
cmd_expert_remove(struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "phone", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_expert e;
	struct cli_env env;
	const char *phone = NULL;
	char err[512];
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': phone = optarg; break;
		default:
			return cli_bad_usage();
		}
	}
	if (phone == NULL || optind != argc)
		return cli_fail(2, "expert remove needs --phone and nothing else");
	if (cli_env_open(g, &env, CLI_RULES | CLI_STORE) != 0)
		return 1;
	if (expert_remove(env.s, phone, clock_now_ms(), &e, err, sizeof(err)) == 0) {
		printf("removed %s (%s): no new questions; ", e.name, e.phone);
		if (e.open_count)
			printf("%d open question%s handed on %s after [escalation] off_duty_grace\n",
			    e.open_count, e.open_count == 1 ? "" : "s", e.open_count == 1 ? "is" : "are");
		else
			printf("nothing open\n");
		rc = 0;
	} else {
		cli_fail(1, "expert remove: %s", err);
	}
	store_expert_free(&e);
	cli_env_close(&env);
	return rc;
}
