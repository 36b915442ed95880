/*
 * The one clock farmline reads: UTC milliseconds since the epoch. Tests replace it with a fake.
 */
#ifndef FL_CLOCK_H
#define FL_CLOCK_H

#include <stdint.h>

int64_t clock_now_ms(void);
/* Replace the clock (tests). NULL restores the real one. */
void clock_set_source(int64_t (*source)(void));

#endif
