/*
 * Aligned text tables and CSV. Widths come from the C library's wcwidth() in a UTF-8 locale.
 */
#include "bureau/table.h"

#include "common/log.h"
#include "common/xmalloc.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

struct table {
	int ncols;
	int *right;
	char ***rows;
	int nrows, cap;
};

struct table *
table_new(int ncols, const int *right)
{
	struct table *t = xcalloc(1, sizeof(*t));

	t->ncols = ncols;
	t->right = xcalloc((size_t)ncols, sizeof(int));
	if (right)
		memcpy(t->right, right, (size_t)ncols * sizeof(int));
	return t;
}

void
table_add(struct table *t, const char *const *cells)
{
	char **row;
	int i;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->rows = xreallocarray(t->rows, (size_t)t->cap * sizeof(*t->rows), 1);
	}
	row = xcalloc((size_t)t->ncols, sizeof(char *));
	for (i = 0; i < t->ncols; i++) {
		row[i] = xstrdup(cells[i] ? cells[i] : "");
	}
	t->rows[t->nrows++] = row;
}

int
table_text_width(const char *s)
{
	static int locale_set;
	mbstate_t st;
	size_t len = strlen(s);
	int width = 0;

	if (!locale_set) {
		setlocale(LC_CTYPE, "C.UTF-8");
		locale_set = 1;
	}
	memset(&st, 0, sizeof(st));
	while (len > 0) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s, len, &st);
		int w;

		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			width++;
			s++;
			len--;
			memset(&st, 0, sizeof(st));
			continue;
		}
		w = wcwidth(wc);
		width += w < 0 ? 1 : w;
		s += n;
		len -= n;
	}
	return width;
}

void
table_print(const struct table *t, FILE *out)
{
	int *widths = xcalloc((size_t)t->ncols, sizeof(int));
	int r, c;

	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			int w = table_text_width(t->rows[r][c]);

			if (w > widths[c])
				widths[c] = w;
		}
	}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *cell = t->rows[r][c];
			int pad = widths[c] - table_text_width(cell), last = c == t->ncols - 1;

			if (t->right[c])
				fprintf(out, "%*s%s", pad, "", cell);
			else if (last)
				fputs(cell, out);
			else
				fprintf(out, "%s%*s", cell, pad, "");
			if (!last)
				fputs("  ", out);
		}
		fputc('\n', out);
	}
	free(widths);
}

void
table_csv_cell(const char *s, FILE *out)
{
	/*
	 * Text a spreadsheet would take for a formula ("=HYPERLINK(…)", "-1+cmd") is kept as
	 * text; a plain signed number ("+8613800000001") is left alone.
	 */
	int formula = *s == '=' || *s == '@' || *s == '\t' || *s == '\r' ||
	    ((*s == '+' || *s == '-') && s[strspn(s + 1, "0123456789") + 1] != '\0');

	if (!formula && strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	if (formula)
		fputc('\'', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

void
table_print_csv(const struct table *t, FILE *out)
{
	int r, c;

	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			if (c)
				fputc(',', out);
			table_csv_cell(t->rows[r][c], out);
		}
		fputs("\r\n", out);
	}
}

void
table_free(struct table *t)
{
	int r, c;

	if (t == NULL)
		return;
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++)
			free(t->rows[r][c]);
		free(t->rows[r]);
	}
	free(t->rows);
	free(t->right);
	free(t);
}

char *
table_masked_text(const char *text)
{
	char *copy;

	if (text == NULL)
		return NULL;
	copy = xstrdup(text);
	log_mask_numbers(copy);	/* only ever shortens: in place */
	return copy;
}
