/*
 * farmline broadcast: one SMS to every subscribed farmer, or those of a category or township
 * (bureau/broadcast.c does the checks and the queueing; this takes the options and reports).
 */
#include "cli/cli.h"

#include "bureau/broadcast.h"
#include "common/clock.h"
#include "common/sms.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int
cmd_broadcast(struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "category", required_argument, NULL, 'c' },
		{ "township", required_argument, NULL, 't' },
		{ "text", required_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	const char *category = NULL, *township = NULL, *text = NULL;
	struct bureau_broadcast b;
	struct cli_env env;
	char err[512];
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			category = optarg;
			break;
		case 't':
			township = optarg;
			break;
		case 'x':
			text = optarg;
			break;
		default:
			return cli_bad_usage();
		}
	}
	if (text == NULL || *text == '\0' || !utf8_valid(text, strlen(text)))
		return cli_fail(2, "broadcast: --text is needed, as UTF-8 text");
	switch (bureau_broadcast_prepare(&g->cfg, township, text, &b, err, sizeof(err))) {
	case BUREAU_BC_OK:
		break;
	case BUREAU_BC_TOWNSHIP:
		rc = cli_fail(2, "broadcast: --township: %s", err);
		goto out;
	default:
		rc = cli_fail(2, "broadcast: %s", err);
		goto out;
	}
	if (cli_env_open(g, &env, CLI_RULES | CLI_STORE) != 0)
		goto out;
	switch (bureau_broadcast(env.s, &g->cfg, env.rules, category, &b, clock_now_ms(), err,
	    sizeof(err))) {
	case BUREAU_BC_OK:
		printf("broadcast #%lld: %lld SMS queued (%d segment%s each)%s%s%s%s\n",
		    (long long)b.id, (long long)b.queued, b.segments, b.segments == 1 ? "" : "s",
		    b.code ? ", category " : "", b.code ? b.code : "",
		    township ? ", township " : "", township ? township : "");
		rc = 0;
		break;
	case BUREAU_BC_CATEGORY:
		cli_fail(1, "broadcast: --category: %s", err);
		break;
	default:
		cli_fail(1, "broadcast: %s", err);
		break;
	}
	cli_env_close(&env);
out:
	bureau_broadcast_free(&b);
	return rc;
}
