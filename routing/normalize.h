/*
 * Text normalization before matching: traditional → simplified (OpenCC), full-width ASCII →
 * half-width, Latin case folded, whitespace collapsed. Only matching sees the result; the
 * farmer's own text is what is stored and relayed.
 */
#ifndef FL_NORMALIZE_H
#define FL_NORMALIZE_H

#include <stddef.h>

struct route_norm;

/* Load OpenCC's t2s conversion. Returns 0, or -1 with a reason in err. */
int route_norm_open(struct route_norm **out, char *err, size_t errlen);
void route_norm_close(struct route_norm *n);

/*
 * Normalize valid UTF-8 text. Returns a new string (caller frees), or NULL when memory or
 * OpenCC fails. A route_norm may be used by one thread at a time.
 */
char *route_normalize(struct route_norm *n, const char *text);

/*
 * Whether valid UTF-8 text (a rule's pattern) holds a character that matching never sees,
 * because normalization turns it into another: a full-width or ideographic-space character,
 * or a traditional character. Returns 0, or 1 with e.g. "雞 (write 鸡)" in what.
 */
int route_norm_unseen(struct route_norm *n, const char *text, char *what, size_t len);

/* The width, case and space steps alone (no OpenCC), into a new string (caller frees). */
char *route_fold(const char *text);

#endif
