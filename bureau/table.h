/*
 * Text tables for the terminal, aligned for Chinese (a CJK character is two columns wide),
 * and the same rows as CSV.
 */
#ifndef FL_TABLE_H
#define FL_TABLE_H

#include <stdio.h>

struct table;

/* A table with ncols columns; right[i] set means column i is right-aligned (numbers). */
struct table *table_new(int ncols, const int *right);
/* Add a row of ncols cells (copied). */
void table_add(struct table *t, const char *const *cells);
void table_print(const struct table *t, FILE *out);
void table_print_csv(const struct table *t, FILE *out);
/* One CSV cell, quoted when it must be; text that starts like a formula gets a "'" before it. */
void table_csv_cell(const char *s, FILE *out);
void table_free(struct table *t);

/* Columns a UTF-8 string takes on a terminal. */
int table_text_width(const char *s);

/*
 * text with every phone number inside it masked (a run of 11 or more digits keeps its first
 * three and last four: "代13800000009 …" → "代138****0009 …"), as log lines are: what the
 * bureau is shown of people's own words without --unmasked. NULL for NULL; caller frees.
 */
char *table_masked_text(const char *text);

#endif
