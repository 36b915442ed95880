/*
 * farmline check: what serve would load, loaded and described, the database left alone.
 */
#include "cli/cli.h"

#include "consult/consult.h"
#include "gateway/ussd.h"

#include <stdio.h>
#include <string.h>

/*
 * Load everything serve reads before it opens the database — the config (already loaded by
 * main), the rules, the USSD menu, the consultation settings — and say what they hold. The
 * database is not opened: this is safe beside a running serve and on a fresh checkout.
 */
int
cmd_check(struct cli_globals *g, int argc, char **argv)
{
	struct cli_env env = { NULL, NULL, NULL };
	struct ussd_menu *menu = NULL;
	struct consult_opts co;
	char err[512];
	int rc = 1;

	if (argc != 1)
		return cli_bad_usage();
	if (cli_env_open(g, &env, CLI_RULES) != 0)
		goto out;
	if (gw_ussd_menu_load(g->cfg.ussd_menu_path, &menu, err, sizeof(err)) != 0) {
		cli_fail(1, "%s", err);
		goto out;
	}
	if (consult_opts_from_config(&g->cfg, &co, err, sizeof(err)) != 0) {
		cli_fail(1, "%s: %s", g->cfg.path, err);
		goto out;
	}
	printf("%s: ok\n", g->cfg.path);
	printf("rules %s: %d categories\n", g->cfg.rules_path, route_rules_count(env.rules));
	printf("USSD menu %s: ok\n", g->cfg.ussd_menu_path);
	printf("townships: %d%s\n", g->cfg.ntownships, g->cfg.ntownships ? "" : " (any name)");
	printf("provider %s; database %s; HTTP %s:%d\n", g->cfg.provider_type, g->cfg.db_path,
	    g->cfg.bind, g->cfg.port);
	rc = 0;
out:
	gw_ussd_menu_free(menu);
	cli_env_close(&env);
	return rc;
}
