/*
 * A thin layer over libinih: it feeds inih one line at a time through its stream interface,
 * counting lines as it goes, and refuses lines longer than inih's buffer instead of letting
 * inih cut them.
 */
#include "common/inifile.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>

struct inifile_state {
	FILE *fp;
	int line;
	int too_long;
	inifile_handler handler;
	void *user;
	int failed;		/* the line the handler refused, or 0 */
	char *err;
	size_t errlen;
};

static char *
inifile_reader(char *str, int num, void *stream)
{
	struct inifile_state *st = stream;
	size_t len;

	if (fgets(str, num, st->fp) == NULL)
		return NULL;
	st->line++;
	len = strlen(str);
	if (len == (size_t)num - 1 && str[len - 1] != '\n' && !feof(st->fp)) {
		st->too_long = 1;
		return NULL;
	}
	return str;
}

static int
inifile_dispatch(void *user, const char *section, const char *name, const char *value)
{
	struct inifile_state *st = user;

	if (st->failed)
		return 0;
	/* inih reads on after a refusal; the line that was refused is the one to name. */
	if (st->handler(st->user, section, name, value, st->line, st->err, st->errlen) != 0) {
		st->failed = st->line;
		return 0;
	}
	return 1;
}

int
inifile_parse(const char *path, inifile_handler handler, void *user, char *err, size_t errlen)
{
	struct inifile_state st;
	char reason[256];
	int rc;

	memset(&st, 0, sizeof(st));
	st.handler = handler;
	st.user = user;
	st.err = reason;
	st.errlen = sizeof(reason);
	reason[0] = '\0';

	st.fp = fopen(path, "r");
	if (st.fp == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	rc = ini_parse_stream(inifile_reader, &st, inifile_dispatch, &st);
	fclose(st.fp);

	if (st.too_long) {
		snprintf(err, errlen, "%s:%d: line longer than %d bytes; split it into several lines",
		    path, st.line, INI_MAX_LINE - 2);
		return -1;
	}
	if (st.failed) {
		snprintf(err, errlen, "%s:%d: %s", path, st.failed, reason);
		return -1;
	}
	if (rc > 0) {
		snprintf(err, errlen, "%s:%d: not a [section] or a \"key = value\" line", path, rc);
		return -1;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot read", path);
		return -1;
	}
	return 0;
}
