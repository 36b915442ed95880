/*
 * The one clock farmline reads: UTC milliseconds since the epoch. Tests replace it with a fake.
 */
#ifndef FL_CLOCK_H
#define FL_CLOCK_H

#include <stdint.h>

int64_t clock_now_ms(void);
struct timespec;
/* The CLOCK_REALTIME instant ms from now, for pthread_cond_timedwait (real time, not the fake). */
void clock_deadline(int64_t ms, struct timespec *ts);
/* Replace the clock (tests). NULL restores the real one. */
void clock_set_source(int64_t (*source)(void));

#endif
