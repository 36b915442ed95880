/*
 * An online copy of the database (`farmline backup FILE`): SQLite's backup API, in one read
 * transaction, so the copy is the database as it was at one commit while the gateway goes on
 * writing (WAL readers do not hold the writer up). The copy is written beside FILE, made
 * durable, and only then put in FILE's place.
 */
#include "store/store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* fsync path (a file, or the folder that holds a new name); 0 or -1 with errno. */
static int
sync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/*
 * Copy the whole database into tmp (an empty file of the caller's) in one step, then make the
 * copy a one-file database (journal_mode DELETE: no WAL beside it) and check it.
 */
static int
copy_into(struct store *s, const char *tmp, int64_t *pages, char *err, size_t errlen)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *b = NULL;
	sqlite3_stmt *st = NULL;
	int rc, ret = -1;

	rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", tmp, dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
		goto out;
	}
	b = sqlite3_backup_init(dst, "main", s->db, "main");
	if (b == NULL) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(dst));
		goto out;
	}
	/*
	 * Every page in one step: one read transaction over the source, so nothing written
	 * meanwhile restarts the copy or mixes into it. A writer busy at that instant is waited
	 * for by the source connection's busy handler.
	 */
	rc = sqlite3_backup_step(b, -1);
	*pages = sqlite3_backup_pagecount(b);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "copying: %s", sqlite3_errstr(rc));
		goto out;
	}
	rc = sqlite3_backup_finish(b);
	b = NULL;
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "copying: %s", sqlite3_errmsg(dst));
		goto out;
	}
	if (sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(dst, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", tmp, sqlite3_errmsg(dst));
		goto out;
	}
	if (sqlite3_step(st) != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
		snprintf(err, errlen, "%s: the copy does not pass SQLite's quick_check", tmp);
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	if (b)
		sqlite3_backup_finish(b);
	sqlite3_close(dst);
	return ret;
}

int
store_backup(struct store *s, const char *dest, int force, int64_t *bytes, char *err,
    size_t errlen)
{
	char *tmp = NULL, *dir_copy = NULL;
	int64_t pages = 0;
	struct stat st;
	int fd, ret = -1;

	if (!force && lstat(dest, &st) == 0) {
		snprintf(err, errlen, "%s exists; give --force to replace it", dest);
		goto out;
	}
	if (asprintf(&tmp, "%s.partial-XXXXXX", dest) < 0) {
		tmp = NULL;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	fd = mkstemp(tmp);	/* 0600: the copy holds what the database holds */
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", dest, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	close(fd);
	if (copy_into(s, tmp, &pages, err, errlen) != 0)
		goto out;
	if (sync_path(tmp, O_RDONLY) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	/* Put in place: without --force, link() refuses a file that appeared meanwhile. */
	if (force ? rename(tmp, dest) != 0 : link(tmp, dest) != 0) {
		snprintf(err, errlen, "%s: %s", dest, errno == EEXIST ?
		    "exists; give --force to replace it" : strerror(errno));
		goto out;
	}
	if (!force)
		unlink(tmp);
	free(tmp);
	tmp = NULL;
	if ((dir_copy = strdup(dest)) != NULL)
		sync_path(dirname(dir_copy), O_RDONLY | O_DIRECTORY);
	if (bytes)
		*bytes = stat(dest, &st) == 0 ? (int64_t)st.st_size : pages;
	ret = 0;
out:
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(dir_copy);
	return ret;
}
