/*
 * What the commands of farmline's command line share: the global options, the configuration,
 * the rules and the database they open, and the --from/--to period (cli.h).
 */
#include "cli/cli.h"

#include "bureau/period.h"
#include "common/log.h"
#include "gateway/phone.h"

#include <errno.h>
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
				fprintf(stderr, "farmline: %s needs a value\n", a);
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
		fprintf(stderr, "farmline: %s\n", err);
		return -1;
	}
	if (g->port) {
		errno = 0;
		port = strtol(g->port, &end, 10);
		if (*end || errno || port < 0 || port > 65535) {
			fprintf(stderr, "farmline: --port: \"%s\" is not a port (0..65535)\n", g->port);
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

struct route_rules *
cli_load_rules(const struct config *cfg)
{
	struct route_rules *r = NULL;
	char err[512];

	if (route_rules_load(cfg->rules_path, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "farmline: %s\n", err);
		return NULL;
	}
	return r;
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
		fprintf(stderr, "farmline: %s\n", err);
		return NULL;
	}
	return s;
}

int
cli_env_open(struct cli_globals *g, struct cli_env *env)
{
	env->s = NULL;
	if ((env->rules = cli_load_rules(&g->cfg)) == NULL)
		return -1;
	if ((env->s = cli_open_store(&g->cfg)) == NULL) {
		route_rules_free(env->rules);
		env->rules = NULL;
		return -1;
	}
	return 0;
}

void
cli_env_close(struct cli_env *env)
{
	store_close(env->s);
	route_rules_free(env->rules);
}

int
cli_period_option(int c, const char *arg, struct fig_opts *fo, const char **from_label,
    const char **to_label)
{
	int64_t t;

	if (bureau_date_parse(arg, &t) != 0) {
		fprintf(stderr, "farmline: --%s: \"%s\" is not a date (YYYY-MM-DD)\n",
		    c == 'f' ? "from" : "to", arg);
		return 2;
	}
	if (c == 'f') {
		fo->from = t;
		*from_label = arg;
	} else {
		fo->to = t + 86400000;	/* the whole of that day */
		*to_label = arg;
	}
	return 0;
}

int
cli_period_valid(const char *cmd, int64_t from, int64_t to)
{
	char err[160];

	if (bureau_period_check(from, to, err, sizeof(err)) == 0)
		return 0;
	fprintf(stderr, "farmline: %s: %s\n", cmd, err);
	return 2;
}
