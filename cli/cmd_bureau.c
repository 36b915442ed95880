/*
 * The bureau's figures from the command line: farmline stats, report, export, show and
 * corrections, each a thin layer over bureau/ with its options.
 */
#include "cli/cli.h"

#include "bureau/corrections.h"
#include "bureau/export.h"
#include "bureau/period.h"
#include "bureau/report.h"
#include "bureau/show.h"
#include "bureau/stats.h"
#include "common/clock.h"
#include "routing/normalize.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cmd_stats(struct cli_globals *g, int argc, char **argv)
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
			if (cli_period_option(c, optarg, &o.fig, &o.from_label, &o.to_label))
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
			cli_usage(stderr);
			return 2;
		}
	}
	if (cli_period_valid("stats", o.fig.from, o.fig.to))
		return 2;
	if (cli_env_open(g, &env) != 0)
		return 1;
	o.rules = env.rules;
	o.timezone = g->cfg.timezone;
	rc = bureau_stats(env.s, &o, stdout, err, sizeof(err));
	if (rc)
		fprintf(stderr, "farmline: stats: %s\n", err);
	cli_env_close(&env);
	return rc ? 1 : 0;
}

/* report */

int
cmd_report(struct cli_globals *g, int argc, char **argv)
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
			if (cli_period_option(c, optarg, &o.fig, &from_label, &to_label))
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
			cli_usage(stderr);
			return 2;
		}
	}
	if (year && (from_label || to_label)) {
		fprintf(stderr, "farmline: report: --year, or --from and --to, not both\n");
		return 2;
	}
	if (year) {
		snprintf(date, sizeof(date), "%ld-01-01", year);
		bureau_date_parse(date, &o.fig.from);	/* a year of 2000..2200: always a date */
		snprintf(date, sizeof(date), "%ld-01-01", year + 1);
		bureau_date_parse(date, &o.fig.to);
		snprintf(title, sizeof(title), "%ld年", year);
	} else if (from_label || to_label) {
		snprintf(title, sizeof(title), "%s至%s", from_label ? from_label : "开始以来",
		    to_label ? to_label : "今");
	} else {
		snprintf(title, sizeof(title), "平台开通以来");
	}
	if (cli_period_valid("report", o.fig.from, o.fig.to))
		return 2;
	o.title = title;
	o.platform = "科技扶贫在线平台";
	o.timezone = g->cfg.timezone;
	if (cli_env_open(g, &env) != 0)
		return 1;
	o.rules = env.rules;
	rc = bureau_report(env.s, &o, stdout, err, sizeof(err));
	if (rc)
		fprintf(stderr, "farmline: report: %s\n", err);
	cli_env_close(&env);
	return rc ? 1 : 0;
}

/* export */

int
cmd_export(struct cli_globals *g, int argc, char **argv)
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
			if (cli_period_option(c, optarg, &period, &from_label, &to_label))
				return 2;
			break;
		case 'u':
			unmasked = 1;
			break;
		case 'o':
			path = optarg;
			break;
		default:
			cli_usage(stderr);
			return 2;
		}
	}
	if (cli_period_valid("export", period.from, period.to))
		return 2;
	if (cli_env_open(g, &env) != 0)
		return 1;
	if (path && (out = fopen(path, "w")) == NULL) {
		fprintf(stderr, "farmline: export: %s: %s\n", path, strerror(errno));
		cli_env_close(&env);
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
	cli_env_close(&env);
	return rc ? 1 : 0;
}

/* show */

int
cmd_show(struct cli_globals *g, int argc, char **argv)
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
			cli_usage(stderr);
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
	if (cli_env_open(g, &env) != 0)
		return 1;
	rc = bureau_show(env.s, env.rules, ticket, unmasked, stdout, err, sizeof(err));
	if (rc)
		fprintf(stderr, "farmline: show: %s\n", err);
	cli_env_close(&env);
	return rc ? 1 : 0;
}

/* corrections */

int
cmd_corrections(struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	const char *from_label = NULL, *to_label = NULL;
	enum corrections_format format = CORRECTIONS_TABLE;
	struct route_norm *norm = NULL;
	struct fig_opts period;
	struct cli_env env;
	char err[512];
	int c, rc = 1;

	memset(&period, 0, sizeof(period));
	period.to = INT64_MAX;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
		case 't':
			if (cli_period_option(c, optarg, &period, &from_label, &to_label))
				return 2;
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
			cli_usage(stderr);
			return 2;
		}
	}
	if (cli_period_valid("corrections", period.from, period.to))
		return 2;
	if (cli_env_open(g, &env) != 0)
		return 1;
	if (route_norm_open(&norm, err, sizeof(err)) != 0)
		fprintf(stderr, "farmline: %s\n", err);
	else if (bureau_corrections(env.s, env.rules, norm, period.from, period.to, format, stdout, err,
	    sizeof(err)) != 0)
		fprintf(stderr, "farmline: corrections: %s\n", err);
	else
		rc = 0;
	route_norm_close(norm);
	cli_env_close(&env);
	return rc;
}
