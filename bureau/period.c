/*
 * Dates and periods of the bureau's commands (see period.h).
 */
#include "bureau/period.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define DAY_MS 86400000

int
bureau_date_parse(const char *s, int64_t *ms)
{
	struct tm tm, back;
	char *end;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	tm.tm_isdst = -1;
	back = tm;
	t = mktime(&tm);
	/* mktime() moves 2026-02-30 on to 2026-03-02: a date that exists comes back unchanged. */
	if (t == (time_t)-1 || tm.tm_year != back.tm_year || tm.tm_mon != back.tm_mon ||
	    tm.tm_mday != back.tm_mday)
		return -1;
	*ms = (int64_t)t * 1000;
	return 0;
}

/* The local date of UTC ms, YYYY-MM-DD, into buf. */
static void
local_date(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

int
bureau_period_check(int64_t from, int64_t to, char *err, size_t errlen)
{
	char a[16], b[16];

	if (from < to)
		return 0;
	local_date(from, a, sizeof(a));
	local_date(to - DAY_MS, b, sizeof(b));
	snprintf(err, errlen, "the period starts (%s) after it ends (%s): --from is the first "
	    "day, --to the last", a, b);
	return -1;
}
