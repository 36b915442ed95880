/*
 * Lists of names for people to read: "家禽、畜牧、蔬菜等".
 */
#ifndef FL_TEXT_H
#define FL_TEXT_H

#include "common/buf.h"

/*
 * Add names[0..n) to b joined by "、", as many as fit in max_chars characters (whole names
 * only, never a character cut in two; 0: no limit); when some were left out, more follows
 * ("等"). Returns how many names were added.
 */
int text_join(struct buf *b, const char *const *names, int n, int max_chars, const char *more);

#endif
