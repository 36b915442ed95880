/*
 * What the commands of farmline's command line share: the global options (-c, --port, --db),
 * the configuration, the rules and the database a command opens, and the --from/--to period.
 * The commands themselves live one family to a file (cmd_*.c); cli/main.c dispatches to them.
 */
#ifndef FL_CLI_H
#define FL_CLI_H

#include "bureau/figures.h"
#include "common/config.h"
#include "routing/classify.h"
#include "store/store.h"

#include <stdint.h>
#include <stdio.h>

#define CLI_DEFAULT_CONFIG "config/farmline.conf"

struct cli_globals {
	struct config cfg;
	const char *config_path;	/* -c/--config, NULL: CLI_DEFAULT_CONFIG */
	const char *port;		/* --port, NULL: [http] port */
	const char *db;			/* --db, NULL: [store] path */
};

/*
 * Take -c/--config, --port and --db from anywhere on the command line; what is left (the
 * command and its options) is moved to the front of argv. Returns the new argc, -1 on error.
 */
int cli_take_globals(int argc, char **argv, struct cli_globals *g);

/*
 * Load the configuration into g->cfg with --port and --db on top, and set the log level, the
 * time zone and the country code from it. Returns 0, or -1 after saying why.
 */
int cli_load_config(struct cli_globals *g);

/* The usage of every command, generated from the command table (cli/main.c). */
void cli_usage(FILE *out);

/* The routing rules of the config (caller frees with route_rules_free), or NULL after saying why. */
struct route_rules *cli_load_rules(const struct config *cfg);

/* The database of the config, its folder created if missing (caller closes), or NULL after saying why. */
struct store *cli_open_store(const struct config *cfg);

/* What most commands need: the rules (for category names) and the database. */
struct cli_env {
	struct route_rules *rules;
	struct store *s;
};

/* Load the rules, then open the database. Returns 0, or -1 after saying why (nothing left open). */
int cli_env_open(struct cli_globals *g, struct cli_env *env);
void cli_env_close(struct cli_env *env);

/*
 * --from/--to as the bureau writes them: whole days in the configured time zone, --to
 * included. *label keeps what was written. Returns 0, or 2 after saying what is wrong.
 */
int cli_period_option(int c, const char *arg, struct fig_opts *fo, const char **from_label,
    const char **to_label);

/* Refuse a period that ends before it starts. Returns 0, or 2 after saying so. */
int cli_period_valid(const char *cmd, int64_t from, int64_t to);

/*
 * The commands, one family to a file. Each takes the globals (the configuration loaded) and
 * its own arguments, argv[0] being the last word of its name; it returns the exit status:
 * 0 done, 1 failed, 2 asked wrongly.
 */
int cmd_serve(struct cli_globals *g, int argc, char **argv);		/* cmd_serve.c */
int cmd_classify(struct cli_globals *g, int argc, char **argv);		/* cmd_classify.c */
int cmd_expert_add(struct cli_globals *g, int argc, char **argv);	/* cmd_expert.c */
int cmd_expert_remove(struct cli_globals *g, int argc, char **argv);
int cmd_expert_list(struct cli_globals *g, int argc, char **argv);
int cmd_expert_import(struct cli_globals *g, int argc, char **argv);
int cmd_stats(struct cli_globals *g, int argc, char **argv);		/* cmd_bureau.c */
int cmd_report(struct cli_globals *g, int argc, char **argv);
int cmd_export(struct cli_globals *g, int argc, char **argv);
int cmd_show(struct cli_globals *g, int argc, char **argv);
int cmd_corrections(struct cli_globals *g, int argc, char **argv);
int cmd_broadcast(struct cli_globals *g, int argc, char **argv);	/* cmd_broadcast.c */
int cmd_check(struct cli_globals *g, int argc, char **argv);		/* cmd_check.c */

#endif
