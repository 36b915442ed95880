/*
 * The bureau's figures from the command line: farmline stats, report, export, show and
 * corrections, each a thin layer over bureau/ with its options.
 */
#include "cli/cli.h"

#include "bureau/corrections.h"
#include "bureau/export.h"
#include "bureau/report.h"
#include "bureau/show.h"
#include "bureau/stats.h"
#include "common/clock.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * What stats and report take alike: the figures' settings from the config ([bureau], [quiet]),
 * counted at this moment, with --from/--to, --working-time, and --format by the command's
 * own names of its formats.
 */
struct fig_args {
	struct fig_grade grades[3];	/* fig.grades points here */
	struct fig_opts fig;
	struct cli_period period;
	int (*format_parse)(const char *);
	const char *format_choices;	/* "table, csv or json" */
	int format;			/* 0 (the first format) until --format */
};

static void
fig_args_init(struct fig_args *a, const struct cli_globals *g, int (*format_parse)(const char *),
    const char *format_choices)
{
	memset(a, 0, sizeof(*a));
	bureau_fig_opts(&g->cfg, a->grades, &a->fig);
	a->fig.now = clock_now_ms();
	cli_period_init(&a->period);
	a->format_parse = format_parse;
	a->format_choices = format_choices;
}

/*
 * Take the option c (getopt_long's value) if it is one of them. Returns 0 when taken, 2 after
 * saying what is wrong with arg, -1 when c is not one of them.
 */
static int
fig_option(struct fig_args *a, int c, const char *arg)
{
	switch (c) {
	case 'f':
	case 't':
		return cli_period_option(&a->period, c, arg);
	case 'F':
		return cli_format_option(arg, a->format_parse, a->format_choices, &a->format);
	case 'w':
		a->fig.working_time = 1;
		return 0;
	default:
		return -1;
	}
}

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
	struct fig_args fa;
	struct stats_opts o;
	struct cli_env env;
	char err[512];
	int c, v, rc = 0;

	memset(&o, 0, sizeof(o));
	fig_args_init(&fa, g, bureau_format_parse, "table, csv or json");
	o.by = BY_CATEGORY;
	o.recent = 20;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if ((v = bureau_by_parse(optarg)) < 0)
				return cli_fail(2, "--by: day, week, month, year, category, township, "
				    "channel or expert");
			o.by = (enum stats_by)v;
			break;
		case 'r':
			v = atoi(optarg);
			if (v < 0 || v > 10000)
				return cli_fail(2, "--recent: 0..10000");
			o.recent = v;
			break;
		default:
			if ((v = fig_option(&fa, c, optarg)) != 0)
				return v < 0 ? cli_bad_usage() : v;
		}
	}
	if (cli_period_check("stats", fa.period.from, fa.period.to))
		return 2;
	o.fig = fa.fig;
	o.fig.from = fa.period.from;
	o.fig.to = fa.period.to;
	o.from_label = fa.period.from_label;
	o.to_label = fa.period.to_label;
	o.format = (enum stats_format)fa.format;
	o.timezone = g->cfg.timezone;
	if (cli_env_open(g, &env, CLI_RULES | CLI_STORE) != 0)
		return 1;
	o.rules = env.rules;
	if (bureau_stats(env.s, &o, stdout, err, sizeof(err)) != 0)
		rc = cli_fail(1, "stats: %s", err);
	cli_env_close(&env);
	return rc;
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
	struct fig_args fa;
	struct report_opts o;
	struct cli_env env;
	char err[512], title[64], *end;
	long year = 0;
	int c, v, rc = 0;

	memset(&o, 0, sizeof(o));
	fig_args_init(&fa, g, bureau_report_format, "text, markdown or json");
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'y') {
			year = strtol(optarg, &end, 10);
			if (*end || year < 2000 || year > 2200)
				return cli_fail(2, "--year: \"%s\" is not a year", optarg);
		} else if ((v = fig_option(&fa, c, optarg)) != 0) {
			return v < 0 ? cli_bad_usage() : v;
		}
	}
	if (year && (fa.period.from_label || fa.period.to_label))
		return cli_fail(2, "report: --year, or --from and --to, not both");
	o.fig = fa.fig;
	o.fig.from = fa.period.from;
	o.fig.to = fa.period.to;
	bureau_report_period(&o, year, fa.period.from_label, fa.period.to_label, title,
	    sizeof(title));
	if (cli_period_check("report", o.fig.from, o.fig.to))
		return 2;
	o.format = (enum report_format)fa.format;
	o.timezone = g->cfg.timezone;
	if (cli_env_open(g, &env, CLI_RULES | CLI_STORE) != 0)
		return 1;
	o.rules = env.rules;
	if (bureau_report(env.s, &o, stdout, err, sizeof(err)) != 0)
		rc = cli_fail(1, "report: %s", err);
	cli_env_close(&env);
	return rc;
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
	const char *path = NULL;
	struct cli_period period;
	struct cli_env env;
	int64_t rows = 0;
	char err[512];
	int c, unmasked = 0, rc;
	FILE *out = stdout;

	cli_period_init(&period);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
		case 't':
			if (cli_period_option(&period, c, optarg))
				return 2;
			break;
		case 'u':
			unmasked = 1;
			break;
		case 'o':
			path = optarg;
			break;
		default:
			return cli_bad_usage();
		}
	}
	if (cli_period_check("export", period.from, period.to))
		return 2;
	if (cli_env_open(g, &env, CLI_RULES | CLI_STORE) != 0)
		return 1;
	if (path && (out = fopen(path, "w")) == NULL) {
		rc = cli_fail(1, "export: %s: %s", path, strerror(errno));
		cli_env_close(&env);
		return rc;
	}
	rc = bureau_export(env.s, period.from, period.to, unmasked, env.rules, out, &rows, err,
	    sizeof(err));
	if (path && fclose(out) != 0 && rc == 0) {
		snprintf(err, sizeof(err), "%s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc)
		rc = cli_fail(1, "export: %s", err);
	else if (path)
		fprintf(stderr, "farmline: %lld rows written to %s%s\n", (long long)rows, path,
		    unmasked ? " (farmer numbers in full)" : "");
	cli_env_close(&env);
	return rc;
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
	int c, unmasked = 0, rc = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'u')
			return cli_bad_usage();
		unmasked = 1;
	}
	if (optind != argc - 1)
		return cli_fail(2, "show needs one ticket number");
	ticket = strtoll(argv[optind] + (argv[optind][0] == '#'), &end, 10);
	if (*end || ticket <= 0)
		return cli_fail(2, "show: \"%s\" is not a ticket number", argv[optind]);
	if (cli_env_open(g, &env, CLI_RULES | CLI_STORE) != 0)
		return 1;
	if (bureau_show(env.s, env.rules, ticket, unmasked, stdout, err, sizeof(err)) != 0)
		rc = cli_fail(1, "show: %s", err);
	cli_env_close(&env);
	return rc;
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
	struct cli_period period;
	struct cli_env env;
	char err[512];
	int c, format = CORRECTIONS_TABLE, rc = 0;

	cli_period_init(&period);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
		case 't':
			if (cli_period_option(&period, c, optarg))
				return 2;
			break;
		case 'F':
			if (cli_format_option(optarg, bureau_corrections_format, "table or tsv",
			    &format))
				return 2;
			break;
		default:
			return cli_bad_usage();
		}
	}
	if (cli_period_check("corrections", period.from, period.to))
		return 2;
	if (cli_env_open(g, &env, CLI_RULES | CLI_STORE | CLI_NORM) != 0)
		return 1;
	if (bureau_corrections(env.s, env.rules, env.norm, period.from, period.to,
	    (enum corrections_format)format, stdout, err, sizeof(err)) != 0)
		rc = cli_fail(1, "corrections: %s", err);
	cli_env_close(&env);
	return rc;
}
