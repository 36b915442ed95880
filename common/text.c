/*
 * Lists of names for people to read (see text.h).
 */
#include "common/text.h"

#include "common/utf8.h"

int
text_join(struct buf *b, const char *const *names, int n, int max_chars, const char *more)
{
	int i, chars = 0;

	for (i = 0; i < n; i++) {
		int len = utf8_chars(names[i]) + (i ? 1 : 0);

		if (max_chars > 0 && chars + len > max_chars) {
			buf_str(b, more);
			break;
		}
		if (i)
			buf_str(b, "、");
		buf_str(b, names[i]);
		chars += len;
	}
	return i;
}
