/*
 * farmline broadcast: one SMS to every subscribed farmer, or those of a category or township.
 */
#include "cli/cli.h"

#include "common/clock.h"
#include "gateway/sms.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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
	const char *category = NULL, *township = NULL, *text = NULL, *code = NULL;
	const struct route_category *cat;
	struct cli_env env;
	int64_t id = 0, queued = 0;
	char *body = NULL;
	int c, i, segments, rc = 1;

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
	if (text == NULL || *text == '\0' || !sms_utf8_valid(text, strlen(text))) {
		return cli_fail(2, "broadcast: --text is needed, as UTF-8 text");
	}
	if (township) {
		for (i = 0; i < g->cfg.ntownships; i++) {
			if (strcmp(g->cfg.townships[i].name, township) == 0)
				break;
		}
		if (i == g->cfg.ntownships) {
			return cli_fail(2, "broadcast: --township: \"%s\" is not in [townships] of %s",
			    township, g->cfg.path);
		}
	}
	if (asprintf(&body, "%s%s", g->cfg.signature, text) < 0)
		return 1;
	segments = sms_segments(body);
	if (segments > g->cfg.max_segments) {
		free(body);
		return cli_fail(2, "broadcast: the text takes %d SMS segments with the signature; at "
		    "most %d ([consult] max_segments)", segments, g->cfg.max_segments);
	}
	if (cli_env_open(g, &env, CLI_RULES | CLI_STORE) != 0) {
		free(body);
		return 1;
	}
	if (category) {
		cat = route_rules_find(env.rules, category);
		if (cat == NULL) {
			cli_fail(1, "broadcast: --category: no category \"%s\" in %s", category,
			    g->cfg.rules_path);
			goto out;
		}
		code = cat->code;
	}
	if (store_begin(env.s) != STORE_OK ||
	    store_broadcast_create(env.s, g->cfg.provider_type, g->cfg.service_number, code,
	    township, body, segments, clock_now_ms(), &id, &queued) != STORE_OK ||
	    store_commit(env.s) != STORE_OK) {
		cli_fail(1, "broadcast: %s", store_errmsg(env.s));
		store_rollback(env.s);
		goto out;
	}
	printf("broadcast #%lld: %lld SMS queued (%d segment%s each)%s%s%s%s\n", (long long)id,
	    (long long)queued, segments, segments == 1 ? "" : "s", code ? ", category " : "",
	    code ? code : "", township ? ", township " : "", township ? township : "");
	rc = 0;
out:
	free(body);
	cli_env_close(&env);
	return rc;
}
