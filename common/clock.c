/*
 * The wall clock, behind a seam that tests can replace.
 */
#include "common/clock.h"

#include <stddef.h>
#include <time.h>

static int64_t (*clock_source)(void);

int64_t
clock_now_ms(void)
{
	struct timespec ts;

	if (clock_source)
		return clock_source();
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
clock_set_source(int64_t (*source)(void))
{
	clock_source = source;
}

void
clock_deadline(int64_t ms, struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}
