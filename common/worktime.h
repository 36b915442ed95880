/*
 * Quiet hours and working time. At night (by default 22:00–07:00 in the configured time zone)
 * experts and farmers are not sent notices, and the escalation timers stop: an expert who got a
 * question at 21:50 has had ten minutes of it by 07:00.
 */
#ifndef FL_WORKTIME_H
#define FL_WORKTIME_H

#include <stdint.h>

struct quiet_hours {
	int start_min;	/* minutes after local midnight; start == end: no quiet hours */
	int end_min;
};

/* Whether instant t (UTC ms) falls in quiet hours, in the local time zone (TZ). */
int quiet_active(const struct quiet_hours *q, int64_t t);
/* t itself outside quiet hours; inside, the instant they end. */
int64_t quiet_release(const struct quiet_hours *q, int64_t t);
/* Milliseconds of [from, to) outside quiet hours. */
int64_t work_elapsed(const struct quiet_hours *q, int64_t from, int64_t to);
/* The instant at which work_ms of working time has passed since from. */
int64_t work_deadline(const struct quiet_hours *q, int64_t from, int64_t work_ms);

#endif
