/*
 * farmline backup: a consistent copy of the database, safe while serve runs.
 */
#include "cli/cli.h"

#include "common/clock.h"
#include "store/store.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * backup [--force] FILE: SQLite's online backup of the database named by the config, as of one
 * commit, into FILE (0600); an existing FILE is refused without --force.
 */
int
cmd_backup(struct cli_globals *g, int argc, char **argv)
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
		if (c != 'f')
			return cli_bad_usage();
		force = 1;
	}
	if (optind != argc - 1)
		return cli_fail(2, "backup needs one file to write");
	/* A copy of nothing is no backup: the database must be there already. */
	if (access(g->cfg.db_path, F_OK) != 0)
		return cli_fail(1, "backup: %s: %s", g->cfg.db_path, strerror(errno));
	if ((s = cli_open_store(&g->cfg)) == NULL)
		return 1;
	t0 = clock_now_ms();
	if (store_backup(s, argv[optind], force, &bytes, err, sizeof(err)) != 0) {
		cli_fail(1, "backup: %s", err);
	} else {
		printf("%s: %lld bytes, copied in %lld ms\n", argv[optind], (long long)bytes,
		    (long long)(clock_now_ms() - t0));
		rc = 0;
	}
	store_close(s);
	return rc;
}
