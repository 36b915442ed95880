/*
 * farmline's command line: main, and the table of commands it dispatches to (one family of
 * commands to a file, cmd_*.c). Every command reads the configuration (-c FILE, default
 * config/farmline.conf); --port and --db override it.
 */
#include "cli/cli.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

/*
 * The commands, in the order usage lists them. A name of two words ("expert add") is a
 * command of a family: the family's word alone, or with a word not in the table, is a usage
 * error. usage is what follows the name (continued lines with their own indentation); help,
 * when there is one, is said from column 32, on a line of its own when the usage reaches it.
 * A new command is a cmd_ function in the file of its family (declared in cli.h) and a row here.
 */
static const struct cli_cmd {
	const char *name;
	int (*fn)(struct cli_globals *, int, char **);
	const char *usage;
	const char *help;
} cmds[] = {
	{ "serve", cmd_serve, "[--allow-root]",
	    "run the gateway (not as root unless allowed)" },
	{ "classify", cmd_classify, "[--explain]",
	    "classify one question per line from standard input" },
	{ "expert add", cmd_expert_add,
	    "--phone P --name N --categories a,b [--townships x,y]\n"
	    "             [--role expert|triage|commissioner] [--update]",
	    "register a person; --update changes a registered one" },
	{ "expert remove", cmd_expert_remove, "--phone P",
	    "no new questions, open ones handed on; history kept" },
	{ "expert list", cmd_expert_list, "",
	    "everyone registered (and who was removed)" },
	{ "expert import", cmd_expert_import, "FILE.csv",
	    "columns phone,name,categories,townships,role" },
	{ "stats", cmd_stats,
	    "[--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
	    "        [--by day|week|month|year|category|township|channel|expert]\n"
	    "        [--format table|csv|json] [--recent N] [--working-time]", NULL },
	{ "report", cmd_report,
	    "--year YYYY | [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
	    "        [--format text|markdown|json] [--working-time]",
	    "the period's work summary, every figure filled in" },
	{ "export", cmd_export,
	    "[--from YYYY-MM-DD] [--to YYYY-MM-DD] [--unmasked] [--output FILE]",
	    "consultations and their messages as CSV" },
	{ "broadcast", cmd_broadcast, "[--category C] [--township T] --text TEXT",
	    "an SMS to every subscribed farmer" },
	{ "show", cmd_show, "TICKET [--unmasked]",
	    "one consultation and its whole history" },
	{ "check", cmd_check, "",
	    "load the config, the rules and the USSD menu as serve\n"
	    "would, say what they hold, and touch nothing" },
	{ "corrections", cmd_corrections,
	    "[--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format table|tsv]",
	    "questions staff re-routed, and what the rules say now" },
	{ "backup", cmd_backup, "[--force] FILE",
	    "a consistent copy of the database, safe while serve\n"
	    "runs (refuses an existing FILE without --force)" },
};

#define NCMDS ((int)(sizeof(cmds) / sizeof(cmds[0])))
#define HELP_COLUMN 32

void
cli_usage(FILE *out)
{
	const struct cli_cmd *c;
	const char *last, *p;
	int i, col;

	fprintf(out, "usage: farmline [-c FILE] [--port N] [--db PATH] COMMAND [options]\n"
	    "\n"
	    "commands:\n");
	for (i = 0; i < NCMDS; i++) {
		c = &cmds[i];
		fprintf(out, "  %s%s%s", c->name, c->usage[0] ? " " : "", c->usage);
		last = strrchr(c->usage, '\n');
		col = last ? (int)strlen(last + 1) : 2 + (int)strlen(c->name) +
		    (c->usage[0] ? 1 + (int)strlen(c->usage) : 0);
		if (c->help) {
			if (col < HELP_COLUMN)
				fprintf(out, "%*s", HELP_COLUMN - col, "");
			else
				fprintf(out, "\n%*s", HELP_COLUMN, "");
			for (p = c->help; *p; p++) {
				fputc(*p, out);
				if (*p == '\n')
					fprintf(out, "%*s", HELP_COLUMN, "");
			}
		}
		fputc('\n', out);
	}
	fprintf(out, "\n"
	    "  -c FILE     configuration (default %s)\n"
	    "  --port N    [http] port\n"
	    "  --db PATH   [store] path\n"
	    "  --version   print the version\n", CLI_DEFAULT_CONFIG);
}

/*
 * How many of argv's words, from argv[0], the command's name is (1 or 2), or 0 when they are
 * not its name. *family is set when argv[0] is the first word of a name of two words.
 */
static int
name_words(const char *name, int argc, char **argv, int *family)
{
	const char *sp = strchr(name, ' ');
	size_t n = sp ? (size_t)(sp - name) : strlen(name);

	if (strncmp(argv[0], name, n) != 0 || argv[0][n] != '\0')
		return 0;
	if (sp == NULL)
		return 1;
	*family = 1;
	return argc > 1 && strcmp(argv[1], sp + 1) == 0 ? 2 : 0;
}

int
main(int argc, char **argv)
{
	struct cli_globals g;
	int i, words = 0, family = 0, rc;

	memset(&g, 0, sizeof(g));
	argc = cli_take_globals(argc, argv, &g);
	if (argc < 0)
		return 2;
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("farmline %s\n", FARMLINE_VERSION);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		cli_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (cli_load_config(&g) != 0) {
		config_free(&g.cfg);
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	optind = 1;
	for (i = 0; i < NCMDS; i++) {
		if ((words = name_words(cmds[i].name, argc - 1, argv + 1, &family)) > 0)
			break;
	}
	if (i < NCMDS) {
		/* argv[0] of the command is the last word of its name, as getopt wants it. */
		rc = cmds[i].fn(&g, argc - words, argv + words);
	} else if (family) {
		rc = cli_bad_usage();
	} else {
		cli_fail(2, "unknown command \"%s\"", argv[1]);
		rc = cli_bad_usage();
	}
	curl_global_cleanup();
	config_free(&g.cfg);
	return rc;
}
