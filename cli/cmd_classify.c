/*
 * farmline classify: one question per line on standard input, its category, score and text
 * per line on standard output, as the gateway would route it (--explain: which rules matched).
 */
#include "cli/cli.h"

#include "common/sms.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

#define CLASSIFY_MAX_LINE 65536

int
cmd_classify(struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "explain", no_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_env env;
	struct route_result res;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	int do_explain = 0, c, bad = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'e')
			return cli_bad_usage();
		do_explain = 1;
	}
	if (cli_env_open(g, &env, CLI_RULES | CLI_NORM) != 0)
		return 1;
	while ((len = getline(&line, &cap, stdin)) >= 0) {
		char *text;

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len > CLASSIFY_MAX_LINE || !utf8_valid(line, (size_t)len)) {
			/* Still one line out for each line in, so that the output lines up. */
			cli_fail(1, "line %ld is not UTF-8 text or longer than %d bytes: not "
			    "classified", lineno, CLASSIFY_MAX_LINE);
			printf("%s\t0\t", ROUTE_TRIAGE);
			fwrite(line, 1, (size_t)len, stdout);
			putchar('\n');
			bad = 1;
			continue;
		}
		text = route_normalize(env.norm, line);
		if (text == NULL) {
			bad = cli_fail(1, "cannot normalize a line");
			continue;
		}
		route_classify(env.rules, text, &res);
		printf("%s\t%d\t%s\n", res.code, res.score, line);
		if (do_explain)
			route_explain(env.rules, &res, stdout);
		free(text);
	}
	free(line);
	cli_env_close(&env);
	return bad;
}
