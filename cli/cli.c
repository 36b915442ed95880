/*
 * What the commands of farmline's command line share: the global options, what a command
 * opens, the --from/--to period, --format and the failure message (cli.h).
 */
#include "cli/cli.h"

#include "bureau/period.h"
#include "common/log.h"
#include "common/phone.h"

#include <errno.h>
#include <stdarg.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int
cli_take_globals(int argc, char **argv, struct cli_globals *g)
{
	int i, n = 1;

	for (i = 1; i < argc; i++) {
		const char **slot = NULL;
		const char *a = argv[i], *eq;

		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0)
			slot = &g->config_path;
		else if (strcmp(a, "--port") == 0)
			slot = &g->port;
		else if (strcmp(a, "--db") == 0)
			slot = &g->db;
		if (slot) {
			if (i + 1 >= argc) {
				cli_fail(2, "%s needs a value", a);
				return -1;
			}
			*slot = argv[++i];
			continue;
		}
		eq = strchr(a, '=');
		if (eq && strncmp(a, "--config=", 9) == 0) {
			g->config_path = eq + 1;
			continue;
		}
		if (eq && strncmp(a, "--port=", 7) == 0) {
			g->port = eq + 1;
			continue;
		}
		if (eq && strncmp(a, "--db=", 5) == 0) {
			g->db = eq + 1;
			continue;
		}
		argv[n++] = argv[i];
	}
	argv[n] = NULL;
	return n;
}

int
cli_load_config(struct cli_globals *g)
{
	char err[512];
	char *end;
	long port;

	config_defaults(&g->cfg);
	if (config_load(&g->cfg, g->config_path ? g->config_path : CLI_DEFAULT_CONFIG, err,
	    sizeof(err)) != 0) {
		cli_fail(1, "%s", err);
		return -1;
	}
	if (g->port) {
		errno = 0;
		port = strtol(g->port, &end, 10);
		if (*end || errno || port < 0 || port > 65535) {
			cli_fail(1, "--port: \"%s\" is not a port (0..65535)", g->port);
			return -1;
		}
		g->cfg.port = (int)port;
	}
	if (g->db)
		config_set_string(&g->cfg.db_path, g->db);
	log_init("farmline", strcmp(g->cfg.log_level, "debug") == 0 ? LOG_LEVEL_DEBUG :
	    strcmp(g->cfg.log_level, "warn") == 0 ? LOG_LEVEL_WARN : LOG_LEVEL_INFO);
	setenv("TZ", g->cfg.timezone, 1);
	tzset();
	phone_set_country(g->cfg.country_code);
	return 0;
}

int
cli_fail(int rc, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	int n;

	/* One write, not three, beside the log lines of other threads. */
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		msg = NULL;	/* undefined after a failure */
	fprintf(stderr, "farmline: %s\n", msg ? msg : fmt);
	free(msg);
	return rc;
}

int
cli_bad_usage(void)
{
	cli_usage(stderr);
	return 2;
}

/* Create the folder the database lives in, if it is missing (one level, like data/). */
static void
make_db_dir(const char *db_path)
{
	char *copy = strdup(db_path), *dir;

	if (copy == NULL)
		return;
	dir = dirname(copy);
	if (strcmp(dir, ".") != 0 && access(dir, F_OK) != 0 && mkdir(dir, 0750) != 0)
		log_warn("cannot create %s", dir);
	free(copy);
}

struct store *
cli_open_store(const struct config *cfg)
{
	struct store *s = NULL;
	char err[512];

	make_db_dir(cfg->db_path);
	if (store_open(cfg->db_path, cfg->busy_timeout_ms, &s, err, sizeof(err)) != 0) {
		cli_fail(1, "%s", err);
		return NULL;
	}
	return s;
}

int
cli_env_open(const struct cli_globals *g, struct cli_env *env, int what)
{
	char err[512];

	memset(env, 0, sizeof(*env));
	if ((what & CLI_RULES) &&
	    route_rules_load(g->cfg.rules_path, &env->rules, err, sizeof(err)) != 0)
		goto fail;
	if ((what & CLI_STORE) && (env->s = cli_open_store(&g->cfg)) == NULL)
		goto quiet;
	if ((what & CLI_NORM) && route_norm_open(&env->norm, err, sizeof(err)) != 0)
		goto fail;
	return 0;
fail:
	cli_fail(1, "%s", err);
quiet:
	cli_env_close(env);
	return -1;
}

void
cli_env_close(struct cli_env *env)
{
	route_norm_close(env->norm);
	store_close(env->s);
	route_rules_free(env->rules);
	memset(env, 0, sizeof(*env));
}

void
cli_period_init(struct cli_period *p)
{
	memset(p, 0, sizeof(*p));
	p->to = INT64_MAX;
}

int
cli_period_option(struct cli_period *p, int c, const char *arg)
{
	int64_t t;

	if (bureau_date_parse(arg, &t) != 0)
		return cli_fail(2, "--%s: \"%s\" is not a date (YYYY-MM-DD)",
		    c == 'f' ? "from" : "to", arg);
	if (c == 'f') {
		p->from = t;
		p->from_label = arg;
	} else {
		p->to = t + 86400000;	/* the whole of that day */
		p->to_label = arg;
	}
	return 0;
}

int
cli_period_check(const char *cmd, int64_t from, int64_t to)
{
	char err[160];

	if (bureau_period_check(from, to, err, sizeof(err)) == 0)
		return 0;
	return cli_fail(2, "%s: %s", cmd, err);
}

int
cli_format_option(const char *arg, int (*parse)(const char *), const char *choices,
    int *format)
{
	int v = parse(arg);

	if (v < 0)
		return cli_fail(2, "--format: %s", choices);
	*format = v;
	return 0;
}
