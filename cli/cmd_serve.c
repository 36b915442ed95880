/*
 * farmline serve: the gateway itself — the HTTP server, the writer and the sender — until a
 * signal stops it. It refuses to run as root unless told to.
 */
#include "cli/cli.h"

#include "common/log.h"
#include "consult/consult.h"
#include "gateway/http.h"
#include "gateway/ingest.h"
#include "gateway/sender.h"
#include "gateway/ussd.h"
#include "routing/normalize.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The gateway faces the network: it does not run as root unless told to (--allow-root, or
 * FARMLINE_ALLOW_ROOT=1 in the environment, as the test targets set for CI, which runs as
 * root). Returns non-zero when it must not start.
 */
static int
refuse_root(int allowed)
{
	const char *env = getenv("FARMLINE_ALLOW_ROOT");

	if (geteuid() != 0)
		return 0;
	if (allowed || (env && strcmp(env, "1") == 0)) {
		log_warnx("running as root (allowed): for a county's gateway, run it as its own user "
		    "(README: the systemd unit)");
		return 0;
	}
	return cli_fail(1, "serve refuses to run as root; run it as its own user (README gives a "
	    "systemd unit), or pass --allow-root");
}

/*
 * SIGHUP: read the rules again, for the writer and for the bureau's API (each has a copy of
 * its own). The writer takes them up between two messages; a file with a mistake is refused
 * and the rules in use stay.
 */
static void
reload_rules(const struct config *cfg, struct ingest *ingest, struct gw_http *http)
{
	struct route_rules *fresh = NULL, *for_api = NULL;
	char err[512];
	int n_cats, n_rules;

	if (route_rules_load(cfg->rules_path, &fresh, err, sizeof(err)) != 0 ||
	    route_rules_load(cfg->rules_path, &for_api, err, sizeof(err)) != 0) {
		log_warnx("rules not reloaded, the rules in use stay: %s", err);
		route_rules_free(fresh);
		return;
	}
	n_cats = route_rules_count(fresh);
	n_rules = route_rules_nrules(fresh);
	ingest_set_rules(ingest, fresh);	/* fresh belongs to the writer from here */
	gw_http_set_rules(http, for_api);	/* and for_api to the API */
	log_info("rules reloaded from %s: %d categories, %d rules", cfg->rules_path, n_cats,
	    n_rules);
}

/*
 * serve [--allow-root]: anything else after it is not a command farmline knows. Signals are
 * taken by sigwait: SIGHUP reloads the rules, SIGINT and SIGTERM stop.
 */
int
cmd_serve(struct cli_globals *g, int argc, char **argv)
{
	struct cli_env env = { NULL, NULL, NULL };
	struct store *writer = NULL, *health = NULL;
	struct gw_sender *sender = NULL;
	struct consult *consult = NULL;
	struct ingest *ingest = NULL;
	struct gw_http *http = NULL;
	struct ussd_menu *menu = NULL;
	struct consult_opts co;
	struct ingest_opts io;
	struct gw_http_opts ho;
	char err[512];
	sigset_t sigs;
	int sig, rc = 1;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--allow-root") != 0)) {
		cli_fail(2, "unknown command \"%s\"", argv[0]);
		return cli_bad_usage();
	}
	if (refuse_root(argc == 2))
		return 1;

	/* Signals are taken by sigwait below; every thread started from here inherits the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (cli_env_open(g, &env, CLI_RULES | CLI_NORM) != 0)
		goto out;
	if (gw_ussd_menu_load(g->cfg.ussd_menu_path, &menu, err, sizeof(err)) != 0) {
		cli_fail(1, "%s", err);
		goto out;
	}
	if ((writer = cli_open_store(&g->cfg)) == NULL ||
	    (health = cli_open_store(&g->cfg)) == NULL)
		goto out;
	store_set_cache(writer, g->cfg.cache_mb);
	sender = gw_sender_start(&g->cfg, err, sizeof(err));
	if (sender == NULL) {
		cli_fail(1, "%s: %s", g->cfg.path, err);
		goto out;
	}

	if (consult_opts_from_config(&g->cfg, &co, err, sizeof(err)) != 0) {
		cli_fail(1, "%s: %s", g->cfg.path, err);
		goto out;
	}
	consult = consult_new(writer, env.rules, env.norm, &co);
	memset(&io, 0, sizeof(io));
	io.batch_max = g->cfg.batch_max;
	io.tick_ms = 1000;
	io.late_ms = g->cfg.timers_late_ms;
	io.ussd_keep_ms = g->cfg.ussd_keep_ms;
	ingest = ingest_start(writer, consult, &io, gw_sender_wake, sender);
	if (ingest == NULL) {
		cli_fail(1, "cannot start the writer thread");
		goto out;
	}

	memset(&ho, 0, sizeof(ho));
	ho.bind = g->cfg.bind;
	ho.port = g->cfg.port;
	ho.max_body = g->cfg.max_body;
	ho.threads = g->cfg.threads;
	ho.conn_timeout_ms = g->cfg.conn_timeout_ms;
	ho.max_text_chars = g->cfg.max_text_chars;
	ho.max_connections = g->cfg.max_connections;
	ho.max_per_address = g->cfg.max_connections_per_address;
	http = gw_http_start(&ho, &g->cfg, menu, ingest, health, err, sizeof(err));
	if (http == NULL) {
		cli_fail(1, "%s", err);
		goto out;
	}
	log_info("listening on %s port %d (database %s, provider %s, %d categories)",
	    g->cfg.bind, gw_http_port(http), g->cfg.db_path, g->cfg.provider_type,
	    route_rules_count(env.rules));

	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			reload_rules(&g->cfg, ingest, http);
			continue;
		}
		log_info("%s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
		break;
	}
	rc = 0;
out:
	if (gw_http_stop(http) != 0) {
		/*
		 * The writer is stuck in a transaction (a hung disk) with requests in its hands:
		 * they were never acknowledged, and SQLite rolls the transaction back at the next
		 * open. A stop must end: the process goes without freeing what they use.
		 */
		log_warnx("stopping without waiting for the writer");
		_exit(1);
	}
	ingest_stop(ingest);
	gw_sender_stop(sender);
	if (consult)	/* the rules in use, which a SIGHUP may have replaced */
		env.rules = (struct route_rules *)consult_set_rules(consult, NULL);
	consult_free(consult);
	store_close(health);
	store_close(writer);
	cli_env_close(&env);
	gw_ussd_menu_free(menu);
	if (rc == 0)
		log_info("stopped");
	return rc;
}
