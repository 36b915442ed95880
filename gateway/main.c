/*
 * farmline's command line: serve, classify, expert add|list|import, stats. Every command
 * reads the configuration (-c FILE, default config/farmline.conf); --port and --db override it.
 */
#include "bureau/corrections.h"
#include "bureau/export.h"
#include "bureau/report.h"
#include "bureau/show.h"
#include "bureau/stats.h"
#include "bureau/table.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "consult/consult.h"
#include "experts/registry.h"
#include "gateway/http.h"
#include "gateway/ingest.h"
#include "gateway/phone.h"
#include "gateway/sender.h"
#include "gateway/ussd.h"
#include "gateway/sms.h"
#include "routing/classify.h"
#include "routing/normalize.h"
#include "store/store.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CONFIG "config/farmline.conf"
#define CLASSIFY_MAX_LINE 65536

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: farmline [-c FILE] [--port N] [--db PATH] COMMAND [options]\n"
	    "\n"
	    "commands:\n"
	    "  serve [--allow-root]          run the gateway (not as root unless allowed)\n"
	    "  classify [--explain]          classify one question per line from standard input\n"
	    "  expert add --phone P --name N --categories a,b [--townships x,y]\n"
	    "             [--role expert|triage|commissioner]\n"
	    "  expert list                   everyone registered\n"
	    "  expert import FILE.csv        columns phone,name,categories,townships,role\n"
	    "  stats [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
	    "        [--by day|week|month|year|category|township|channel|expert]\n"
	    "        [--format table|csv|json] [--recent N] [--working-time]\n"
	    "  report --year YYYY | [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
	    "        [--format text|markdown|json] [--working-time]\n"
	    "                                the period's work summary, every figure filled in\n"
	    "  export [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--unmasked] [--output FILE]\n"
	    "                                consultations and their messages as CSV\n"
	    "  broadcast [--category C] [--township T] --text TEXT\n"
	    "                                an SMS to every subscribed farmer\n"
	    "  show TICKET [--unmasked]      one consultation and its whole history\n"
	    "  corrections [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format table|tsv]\n"
	    "                                questions staff re-routed, and what the rules say now\n"
	    "  backup [--force] FILE         a consistent copy of the database, safe while serve\n"
	    "                                runs (refuses an existing FILE without --force)\n"
	    "\n"
	    "  -c FILE     configuration (default %s)\n"
	    "  --port N    [http] port\n"
	    "  --db PATH   [store] path\n", DEFAULT_CONFIG);
}

struct globals {
	struct config cfg;
	const char *config_path;
	const char *port;
	const char *db;
};

/*
 * Take -c/--config, --port and --db from anywhere on the command line; what is left (the
 * command and its options) is moved to the front of argv. Returns the new argc, -1 on error.
 */
static int
take_globals(int argc, char **argv, struct globals *g)
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

static int
load_config(struct globals *g)
{
	char err[512];
	char *end;
	long port;

	config_defaults(&g->cfg);
	if (config_load(&g->cfg, g->config_path ? g->config_path : DEFAULT_CONFIG, err,
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

static struct route_rules *
load_rules(const struct config *cfg)
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

static struct store *
open_store(const struct config *cfg)
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

/* What most commands need: the rules (for category names) and the database. */
struct cli_env {
	struct route_rules *rules;
	struct store *s;
};

static int
env_open(struct globals *g, struct cli_env *env)
{
	env->s = NULL;
	if ((env->rules = load_rules(&g->cfg)) == NULL)
		return -1;
	if ((env->s = open_store(&g->cfg)) == NULL) {
		route_rules_free(env->rules);
		env->rules = NULL;
		return -1;
	}
	return 0;
}

static void
env_close(struct cli_env *env)
{
	store_close(env->s);
	route_rules_free(env->rules);
}

/* serve */

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
	fprintf(stderr, "farmline: serve refuses to run as root; run it as its own user (README "
	    "gives a systemd unit), or pass --allow-root\n");
	return 1;
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

static int
cmd_serve(struct globals *g)
{
	struct route_rules *rules = NULL;
	struct route_norm *norm = NULL;
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

	/* Signals are taken by sigwait below; every thread started from here inherits the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((rules = load_rules(&g->cfg)) == NULL)
		goto out;
	if (route_norm_open(&norm, err, sizeof(err)) != 0) {
		fprintf(stderr, "farmline: %s\n", err);
		goto out;
	}
	if (gw_ussd_menu_load(g->cfg.ussd_menu_path, &menu, err, sizeof(err)) != 0) {
		fprintf(stderr, "farmline: %s\n", err);
		goto out;
	}
	if ((writer = open_store(&g->cfg)) == NULL || (health = open_store(&g->cfg)) == NULL)
		goto out;
	sender = gw_sender_start(&g->cfg, err, sizeof(err));
	if (sender == NULL) {
		fprintf(stderr, "farmline: %s: %s\n", g->cfg.path, err);
		goto out;
	}

	if (consult_opts_from_config(&g->cfg, &co, err, sizeof(err)) != 0) {
		fprintf(stderr, "farmline: %s: %s\n", g->cfg.path, err);
		goto out;
	}
	consult = consult_new(writer, rules, norm, &co);
	memset(&io, 0, sizeof(io));
	io.batch_max = g->cfg.batch_max;
	io.tick_ms = 1000;
	io.late_ms = g->cfg.timers_late_ms;
	io.ussd_keep_ms = g->cfg.ussd_keep_ms;
	ingest = ingest_start(writer, consult, &io, gw_sender_wake, sender);
	if (ingest == NULL) {
		fprintf(stderr, "farmline: cannot start the writer thread\n");
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
		fprintf(stderr, "farmline: %s\n", err);
		goto out;
	}
	log_info("listening on %s port %d (database %s, provider %s, %d categories)",
	    g->cfg.bind, gw_http_port(http), g->cfg.db_path, g->cfg.provider_type,
	    route_rules_count(rules));

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
	if (consult)
		rules = (struct route_rules *)consult_set_rules(consult, NULL);
	consult_free(consult);
	store_close(health);
	store_close(writer);
	route_norm_close(norm);
	route_rules_free(rules);
	gw_ussd_menu_free(menu);
	if (rc == 0)
		log_info("stopped");
	return rc;
}

/* classify */

static int
cmd_classify(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "explain", no_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	struct route_rules *rules;
	struct route_norm *norm = NULL;
	struct route_result res;
	char *line = NULL, err[512];
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	int do_explain = 0, c, bad = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'e') {
			usage(stderr);
			return 2;
		}
		do_explain = 1;
	}
	if ((rules = load_rules(&g->cfg)) == NULL)
		return 1;
	if (route_norm_open(&norm, err, sizeof(err)) != 0) {
		fprintf(stderr, "farmline: %s\n", err);
		route_rules_free(rules);
		return 1;
	}
	while ((len = getline(&line, &cap, stdin)) >= 0) {
		char *text;

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len > CLASSIFY_MAX_LINE || !sms_utf8_valid(line, (size_t)len)) {
			/* Still one line out for each line in, so that the output lines up. */
			fprintf(stderr, "farmline: line %ld is not UTF-8 text or longer than %d bytes: "
			    "not classified\n", lineno, CLASSIFY_MAX_LINE);
			printf("%s\t0\t", ROUTE_TRIAGE);
			fwrite(line, 1, (size_t)len, stdout);
			putchar('\n');
			bad = 1;
			continue;
		}
		text = route_normalize(norm, line);
		if (text == NULL) {
			fprintf(stderr, "farmline: cannot normalize a line\n");
			bad = 1;
			continue;
		}
		route_classify(rules, text, &res);
		printf("%s\t%d\t%s\n", res.code, res.score, line);
		if (do_explain)
			route_explain(rules, &res, stdout);
		free(text);
	}
	free(line);
	route_norm_close(norm);
	route_rules_free(rules);
	return bad;
}

/* expert */

static int
cmd_expert_add(struct globals *g, int argc, char **argv)
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
			usage(stderr);
			return 2;
		}
	}
	if (in.phone == NULL || in.name == NULL) {
		fprintf(stderr, "farmline: expert add needs --phone and --name\n");
		return 2;
	}
	if (env_open(g, &env) != 0)
		return 1;
	res = expert_register(env.s, env.rules, &in, update, clock_now_ms(), err, sizeof(err));
	switch (res) {
	case EXPERT_ADDED:
	case EXPERT_UPDATED:
		printf("%s %s (%s, %s)\n", res == EXPERT_ADDED ? "registered" : "updated", in.name,
		    in.role ? in.role : "expert", in.categories ? in.categories : "no categories");
		rc = 0;
		break;
	case EXPERT_EXISTS:
		fprintf(stderr, "farmline: %s (use --update to change it)\n", err);
		break;
	default:
		fprintf(stderr, "farmline: expert add: %s\n", err);
		break;
	}
	env_close(&env);
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
	char cats[512] = "", open[16], *copy, *item, *save = NULL;
	const char *cells[7];

	if (e->categories) {
		copy = strdup(e->categories);
		for (item = copy ? strtok_r(copy, ",", &save) : NULL; item;
		    item = strtok_r(NULL, ",", &save)) {
			if (cats[0])
				strncat(cats, "、", sizeof(cats) - strlen(cats) - 1);
			strncat(cats, route_rules_name(ctx->rules, item), sizeof(cats) - strlen(cats) - 1);
		}
		free(copy);
	}
	snprintf(open, sizeof(open), "%d", e->open_count);
	cells[0] = e->phone;
	cells[1] = e->name;
	cells[2] = e->role == ROLE_EXPERT ? "专家" : e->role == ROLE_TRIAGE ? "分诊员" : "信息员";
	cells[3] = cats[0] ? cats : "-";
	cells[4] = e->townships ? e->townships : "-";
	cells[5] = e->on_duty ? "在岗" : "暂停";
	cells[6] = open;
	table_add(ctx->t, cells);
	return 0;
}

static int
cmd_expert_list(struct globals *g)
{
	static const char *const head[7] = { "手机号", "姓名", "角色", "类别", "包联乡镇", "状态",
	    "待答" };
	static const int right[7] = { 0, 0, 0, 0, 0, 0, 1 };
	struct list_ctx ctx;
	struct cli_env env;
	int rc = 1;

	if (env_open(g, &env) != 0)
		return 1;
	ctx.rules = env.rules;
	ctx.t = table_new(7, right);
	table_add(ctx.t, head);
	if (store_expert_list(env.s, list_one, &ctx) == STORE_OK) {
		table_print(ctx.t, stdout);
		rc = 0;
	} else {
		fprintf(stderr, "farmline: %s\n", store_errmsg(env.s));
	}
	table_free(ctx.t);
	env_close(&env);
	return rc;
}

static int
cmd_expert_import(struct globals *g, const char *path)
{
	struct cli_env env;
	char err[512];
	int added = 0, updated = 0, rc = 1;

	if (env_open(g, &env) != 0)
		return 1;
	if (expert_import_csv(env.s, env.rules, path, clock_now_ms(), &added, &updated, err,
	    sizeof(err)) == 0) {
		printf("imported %s: %d added, %d updated\n", path, added, updated);
		rc = 0;
	} else {
		fprintf(stderr, "farmline: expert import: %s (nothing was imported)\n", err);
	}
	env_close(&env);
	return rc;
}

static int
cmd_expert(struct globals *g, int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "add") == 0)
		return cmd_expert_add(g, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0 && argc == 2)
		return cmd_expert_list(g);
	if (strcmp(argv[1], "import") == 0 && argc == 3)
		return cmd_expert_import(g, argv[2]);
	usage(stderr);
	return 2;
}

/* stats */

/* Local midnight of a YYYY-MM-DD date, in UTC ms; -1 if it is not a date. */
static int64_t
parse_date(const char *s)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

/*
 * --from/--to as the bureau writes them: whole days in the configured time zone, --to
 * included. *label keeps what was written. Returns 0, or 2 after saying what is wrong.
 */
static int
period_option(int c, const char *arg, struct fig_opts *fo, const char **from_label,
    const char **to_label)
{
	int64_t t = parse_date(arg);

	if (t < 0) {
		fprintf(stderr, "farmline: --%s: \"%s\" is not YYYY-MM-DD\n", c == 'f' ? "from" : "to",
		    arg);
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

static int
cmd_stats(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "by", required_argument, NULL, 'b' },
		{ "format", required_argument, NULL, 'F' },
		{ "recent", required_argument, NULL, 'r' },
		{ "working-time", no_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	struct fig_grade grades[3];
	struct stats_opts o;
	struct cli_env env;
	char err[512];
	int c, v, rc;

	memset(&o, 0, sizeof(o));
	bureau_fig_opts(&g->cfg, grades, &o.fig);
	o.fig.from = 0;
	o.fig.to = INT64_MAX;
	o.fig.now = clock_now_ms();
	o.by = BY_CATEGORY;
	o.format = STATS_TABLE;
	o.recent = 20;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
		case 't':
			if (period_option(c, optarg, &o.fig, &o.from_label, &o.to_label))
				return 2;
			break;
		case 'b':
			if ((v = bureau_by_parse(optarg)) < 0) {
				fprintf(stderr, "farmline: --by: day, week, month, year, category, township, "
				    "channel or expert\n");
				return 2;
			}
			o.by = (enum stats_by)v;
			break;
		case 'F':
			if ((v = bureau_format_parse(optarg)) < 0) {
				fprintf(stderr, "farmline: --format: table, csv or json\n");
				return 2;
			}
			o.format = (enum stats_format)v;
			break;
		case 'r':
			v = atoi(optarg);
			if (v < 0 || v > 10000) {
				fprintf(stderr, "farmline: --recent: 0..10000\n");
				return 2;
			}
			o.recent = v;
			break;
		case 'w':
			o.fig.working_time = 1;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (env_open(g, &env) != 0)
		return 1;
	o.rules = env.rules;
	o.timezone = g->cfg.timezone;
	rc = bureau_stats(env.s, &o, stdout, err, sizeof(err));
	if (rc)
		fprintf(stderr, "farmline: stats: %s\n", err);
	env_close(&env);
	return rc ? 1 : 0;
}

/* report */

static int
cmd_report(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "year", required_argument, NULL, 'y' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'F' },
		{ "working-time", no_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	const char *from_label = NULL, *to_label = NULL;
	struct fig_grade grades[3];
	struct report_opts o;
	struct cli_env env;
	char err[512], title[64], date[16], *end;
	long year = 0;
	int c, v, rc;

	memset(&o, 0, sizeof(o));
	bureau_fig_opts(&g->cfg, grades, &o.fig);
	o.fig.from = 0;
	o.fig.to = INT64_MAX;
	o.fig.now = clock_now_ms();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'y':
			year = strtol(optarg, &end, 10);
			if (*end || year < 2000 || year > 2200) {
				fprintf(stderr, "farmline: --year: \"%s\" is not a year\n", optarg);
				return 2;
			}
			break;
		case 'f':
		case 't':
			if (period_option(c, optarg, &o.fig, &from_label, &to_label))
				return 2;
			break;
		case 'F':
			if ((v = bureau_report_format(optarg)) < 0) {
				fprintf(stderr, "farmline: --format: text, markdown or json\n");
				return 2;
			}
			o.format = (enum report_format)v;
			break;
		case 'w':
			o.fig.working_time = 1;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (year && (from_label || to_label)) {
		fprintf(stderr, "farmline: report: --year, or --from and --to, not both\n");
		return 2;
	}
	if (year) {
		snprintf(date, sizeof(date), "%ld-01-01", year);
		o.fig.from = parse_date(date);
		snprintf(date, sizeof(date), "%ld-01-01", year + 1);
		o.fig.to = parse_date(date);
		snprintf(title, sizeof(title), "%ld年", year);
	} else if (from_label || to_label) {
		snprintf(title, sizeof(title), "%s至%s", from_label ? from_label : "开始以来",
		    to_label ? to_label : "今");
	} else {
		snprintf(title, sizeof(title), "平台开通以来");
	}
	o.title = title;
	o.platform = "科技扶贫在线平台";
	o.timezone = g->cfg.timezone;
	if (env_open(g, &env) != 0)
		return 1;
	o.rules = env.rules;
	rc = bureau_report(env.s, &o, stdout, err, sizeof(err));
	if (rc)
		fprintf(stderr, "farmline: report: %s\n", err);
	env_close(&env);
	return rc ? 1 : 0;
}

/* export */

static int
cmd_export(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "unmasked", no_argument, NULL, 'u' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *from_label = NULL, *to_label = NULL, *path = NULL;
	struct fig_opts period;
	struct cli_env env;
	int64_t rows = 0;
	char err[512];
	int c, unmasked = 0, rc;
	FILE *out = stdout;

	memset(&period, 0, sizeof(period));
	period.to = INT64_MAX;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
		case 't':
			if (period_option(c, optarg, &period, &from_label, &to_label))
				return 2;
			break;
		case 'u':
			unmasked = 1;
			break;
		case 'o':
			path = optarg;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (env_open(g, &env) != 0)
		return 1;
	if (path && (out = fopen(path, "w")) == NULL) {
		fprintf(stderr, "farmline: export: %s: %s\n", path, strerror(errno));
		env_close(&env);
		return 1;
	}
	rc = bureau_export(env.s, period.from, period.to, unmasked, env.rules, out, &rows, err,
	    sizeof(err));
	if (path && fclose(out) != 0 && rc == 0) {
		snprintf(err, sizeof(err), "%s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc)
		fprintf(stderr, "farmline: export: %s\n", err);
	else if (path)
		fprintf(stderr, "farmline: %lld rows written to %s%s\n", (long long)rows, path,
		    unmasked ? " (farmer numbers in full)" : "");
	env_close(&env);
	return rc ? 1 : 0;
}

/* broadcast */

static int
cmd_broadcast(struct globals *g, int argc, char **argv)
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
			usage(stderr);
			return 2;
		}
	}
	if (text == NULL || *text == '\0' || !sms_utf8_valid(text, strlen(text))) {
		fprintf(stderr, "farmline: broadcast: --text is needed, as UTF-8 text\n");
		return 2;
	}
	if (township) {
		for (i = 0; i < g->cfg.ntownships; i++) {
			if (strcmp(g->cfg.townships[i].name, township) == 0)
				break;
		}
		if (i == g->cfg.ntownships) {
			fprintf(stderr, "farmline: broadcast: --township: \"%s\" is not in [townships] of "
			    "%s\n", township, g->cfg.path);
			return 2;
		}
	}
	if (asprintf(&body, "%s%s", g->cfg.signature, text) < 0)
		return 1;
	segments = sms_segments(body);
	if (segments > g->cfg.max_segments) {
		fprintf(stderr, "farmline: broadcast: the text takes %d SMS segments with the signature; "
		    "at most %d ([consult] max_segments)\n", segments, g->cfg.max_segments);
		free(body);
		return 2;
	}
	if (env_open(g, &env) != 0) {
		free(body);
		return 1;
	}
	if (category) {
		cat = route_rules_find(env.rules, category);
		if (cat == NULL) {
			fprintf(stderr, "farmline: broadcast: --category: no category \"%s\" in %s\n",
			    category, g->cfg.rules_path);
			goto out;
		}
		code = cat->code;
	}
	if (store_begin(env.s) != STORE_OK ||
	    store_broadcast_create(env.s, g->cfg.provider_type, g->cfg.service_number, code,
	    township, body, segments, clock_now_ms(), &id, &queued) != STORE_OK ||
	    store_commit(env.s) != STORE_OK) {
		fprintf(stderr, "farmline: broadcast: %s\n", store_errmsg(env.s));
		store_rollback(env.s);
		goto out;
	}
	printf("broadcast #%lld: %lld SMS queued (%d segment%s each)%s%s%s%s\n", (long long)id,
	    (long long)queued, segments, segments == 1 ? "" : "s", code ? ", category " : "",
	    code ? code : "", township ? ", township " : "", township ? township : "");
	rc = 0;
out:
	free(body);
	env_close(&env);
	return rc;
}

/* show */

static int
cmd_show(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "unmasked", no_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_env env;
	long long ticket;
	char err[512], *end;
	int c, unmasked = 0, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'u') {
			usage(stderr);
			return 2;
		}
		unmasked = 1;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "farmline: show needs one ticket number\n");
		return 2;
	}
	ticket = strtoll(argv[optind] + (argv[optind][0] == '#'), &end, 10);
	if (*end || ticket <= 0) {
		fprintf(stderr, "farmline: show: \"%s\" is not a ticket number\n", argv[optind]);
		return 2;
	}
	if (env_open(g, &env) != 0)
		return 1;
	rc = bureau_show(env.s, env.rules, ticket, unmasked, stdout, err, sizeof(err));
	if (rc)
		fprintf(stderr, "farmline: show: %s\n", err);
	env_close(&env);
	return rc ? 1 : 0;
}

/* corrections */

static int
cmd_corrections(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	enum corrections_format format = CORRECTIONS_TABLE;
	struct route_norm *norm = NULL;
	int64_t from = 0, to = INT64_MAX;
	struct cli_env env;
	char err[512];
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if ((from = parse_date(optarg)) < 0) {
				fprintf(stderr, "farmline: --from: \"%s\" is not YYYY-MM-DD\n", optarg);
				return 2;
			}
			break;
		case 't':
			if ((to = parse_date(optarg)) < 0) {
				fprintf(stderr, "farmline: --to: \"%s\" is not YYYY-MM-DD\n", optarg);
				return 2;
			}
			to += 86400000;
			break;
		case 'F':
			if (strcmp(optarg, "table") == 0)
				format = CORRECTIONS_TABLE;
			else if (strcmp(optarg, "tsv") == 0)
				format = CORRECTIONS_TSV;
			else {
				fprintf(stderr, "farmline: --format: table or tsv\n");
				return 2;
			}
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (env_open(g, &env) != 0)
		return 1;
	if (route_norm_open(&norm, err, sizeof(err)) != 0)
		fprintf(stderr, "farmline: %s\n", err);
	else if (bureau_corrections(env.s, env.rules, norm, from, to, format, stdout, err,
	    sizeof(err)) != 0)
		fprintf(stderr, "farmline: corrections: %s\n", err);
	else
		rc = 0;
	route_norm_close(norm);
	env_close(&env);
	return rc;
}

/* backup */

static int
cmd_backup(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct store *s = NULL;
	int64_t t0, bytes = 0;
	char err[512];
	int c, force = 0, rc = 1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'f') {
			usage(stderr);
			return 2;
		}
		force = 1;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "farmline: backup needs one file to write\n");
		return 2;
	}
	/* A copy of nothing is no backup: the database must be there already. */
	if (access(g->cfg.db_path, F_OK) != 0) {
		fprintf(stderr, "farmline: backup: %s: %s\n", g->cfg.db_path, strerror(errno));
		return 1;
	}
	if ((s = open_store(&g->cfg)) == NULL)
		return 1;
	t0 = clock_now_ms();
	if (store_backup(s, argv[optind], force, &bytes, err, sizeof(err)) != 0) {
		fprintf(stderr, "farmline: backup: %s\n", err);
	} else {
		printf("%s: %lld bytes, copied in %lld ms\n", argv[optind], (long long)bytes,
		    (long long)(clock_now_ms() - t0));
		rc = 0;
	}
	store_close(s);
	return rc;
}

int
main(int argc, char **argv)
{
	struct globals g;
	int rc;

	memset(&g, 0, sizeof(g));
	argc = take_globals(argc, argv, &g);
	if (argc < 0)
		return 2;
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (load_config(&g) != 0) {
		config_free(&g.cfg);
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	optind = 1;
	if (strcmp(argv[1], "serve") == 0 && (argc == 2 || (argc == 3 &&
	    strcmp(argv[2], "--allow-root") == 0)))
		rc = refuse_root(argc == 3) ? 1 : cmd_serve(&g);
	else if (strcmp(argv[1], "classify") == 0)
		rc = cmd_classify(&g, argc - 1, argv + 1);
	else if (strcmp(argv[1], "expert") == 0)
		rc = cmd_expert(&g, argc - 1, argv + 1);
	else if (strcmp(argv[1], "stats") == 0)
		rc = cmd_stats(&g, argc - 1, argv + 1);
	else if (strcmp(argv[1], "show") == 0)
		rc = cmd_show(&g, argc - 1, argv + 1);
	else if (strcmp(argv[1], "corrections") == 0)
		rc = cmd_corrections(&g, argc - 1, argv + 1);
	else if (strcmp(argv[1], "report") == 0)
		rc = cmd_report(&g, argc - 1, argv + 1);
	else if (strcmp(argv[1], "export") == 0)
		rc = cmd_export(&g, argc - 1, argv + 1);
	else if (strcmp(argv[1], "broadcast") == 0)
		rc = cmd_broadcast(&g, argc - 1, argv + 1);
	else if (strcmp(argv[1], "backup") == 0)
		rc = cmd_backup(&g, argc - 1, argv + 1);
	else {
		fprintf(stderr, "farmline: unknown command \"%s\"\n", argv[1]);
		usage(stderr);
		rc = 2;
	}
	curl_global_cleanup();
	config_free(&g.cfg);
	return rc;
}
