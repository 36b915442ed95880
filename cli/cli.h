/*
 * What the commands of farmline's command line share: the global options (-c, --port, --db),
 * what a command opens (rules, database, normalizer), the --from/--to period, --format, and
 * the one way a command says it failed.
 * The commands themselves live one family to a file (cmd_*.c); cli/main.c dispatches to them.
 */
#ifndef FL_CLI_H
#define FL_CLI_H

#include "common/config.h"
#include "common/log.h"
#include "routing/classify.h"
#include "routing/normalize.h"
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

/*
 * What a command opens, as it asks (CLI_RULES, CLI_STORE, CLI_NORM together): the routing
 * rules of the config, its database (the folder created if missing), the text normalizer.
 * The members it did not ask for are NULL.
 */
enum { CLI_RULES = 1, CLI_STORE = 2, CLI_NORM = 4 };

struct cli_env {
	struct route_rules *rules;
	struct store *s;
	struct route_norm *norm;
};

/*
 * Open what is asked, in the order rules, database, normalizer. Returns 0, or -1 after saying
 * why, with nothing left open. cli_env_close closes what is open.
 */
int cli_env_open(const struct cli_globals *g, struct cli_env *env, int what);
void cli_env_close(struct cli_env *env);

/* The database of the config, its folder created if missing (caller closes); NULL: said why. */
struct store *cli_open_store(const struct config *cfg);

/*
 * --from/--to as the bureau writes them: whole days in the configured time zone, --to
 * included. Not given, the period is open at that end.
 */
struct cli_period {
	int64_t from, to;		/* UTC ms, [from, to): 0 and INT64_MAX until given */
	const char *from_label;		/* --from as written, or NULL */
	const char *to_label;		/* --to as written, or NULL */
};

void cli_period_init(struct cli_period *p);

/* Take --from (c is 'f') or --to (c is 't'). Returns 0, or 2 after saying what is wrong. */
int cli_period_option(struct cli_period *p, int c, const char *arg);

/* Refuse a period [from, to) of cmd that ends before it starts: 0, or 2 after saying so. */
int cli_period_check(const char *cmd, int64_t from, int64_t to);

/*
 * --format NAME, NAME one of choices ("table, csv or json"), which parse turns into its
 * number (-1: not one of them). Returns 0 with *format set, or 2 after naming the choices.
 */
int cli_format_option(const char *arg, int (*parse)(const char *), const char *choices,
    int *format);

/* Say on stderr "farmline: " and what went wrong, then return rc (the command's status). */
int cli_fail(int rc, const char *fmt, ...) FL_PRINTF(2, 3);

/* Print the usage on stderr and return 2, the status of a command asked wrongly. */
int cli_bad_usage(void);

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
int cmd_backup(struct cli_globals *g, int argc, char **argv);		/* cmd_backup.c */

#endif
