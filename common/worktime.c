/*
 * Quiet hours over local days, from the C library's time zone rules.
 */
#include "common/worktime.h"

#include <time.h>

static int
has_quiet(const struct quiet_hours *q)
{
	return q->start_min != q->end_min;
}

/* The instant (UTC ms) of local time minutes after midnight on the local day of day_ms,
 * shifted by days. */
static int64_t
local_instant(int64_t day_ms, int days, int minutes)
{
	time_t t = (time_t)(day_ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_mday += days;
	tm.tm_hour = minutes / 60;
	tm.tm_min = minutes % 60;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

/*
 * The quiet period that contains t or starts after it: [*qs, *qe). Quiet hours that cross
 * midnight (22:00–07:00) begin on one local day and end on the next.
 */
static void
quiet_around(const struct quiet_hours *q, int64_t t, int64_t *qs, int64_t *qe)
{
	int crosses = q->start_min > q->end_min;
	int d;

	for (d = -1; d <= 2; d++) {
		int64_t s = local_instant(t, d, q->start_min);
		int64_t e = local_instant(t, d + crosses, q->end_min);

		if (e > t) {
			*qs = s;
			*qe = e;
			return;
		}
	}
	*qs = *qe = INT64_MAX;	/* not reached: a quiet period ends within two days */
}

int
quiet_active(const struct quiet_hours *q, int64_t t)
{
	int64_t qs, qe;

	if (!has_quiet(q))
		return 0;
	quiet_around(q, t, &qs, &qe);
	return qs <= t && t < qe;
}

int64_t
quiet_release(const struct quiet_hours *q, int64_t t)
{
	int64_t qs, qe;

	if (!has_quiet(q))
		return t;
	quiet_around(q, t, &qs, &qe);
	return qs <= t && t < qe ? qe : t;
}

int64_t
work_elapsed(const struct quiet_hours *q, int64_t from, int64_t to)
{
	int64_t t = from, work = 0, qs, qe;

	if (to <= from)
		return 0;
	if (!has_quiet(q))
		return to - from;
	while (t < to) {
		quiet_around(q, t, &qs, &qe);
		if (qs > t) {
			work += (qs < to ? qs : to) - t;
			t = qs;
		}
		t = qe > t ? qe : t + 1;
	}
	return work;
}

int64_t
work_deadline(const struct quiet_hours *q, int64_t from, int64_t work_ms)
{
	int64_t t = from, left = work_ms, qs, qe;

	if (!has_quiet(q))
		return from + work_ms;
	for (;;) {
		quiet_around(q, t, &qs, &qe);
		if (qs <= t) {
			t = qe;		/* in quiet hours: the clock starts again at their end */
			continue;
		}
		if (t + left <= qs)
			return t + left;
		left -= qs - t;
		t = qe;
	}
}
