/*
 * The corrections report: questions staff re-routed away from what the rules said. A text that
 * is only courtesy (你好, 谢谢, ？？？) is listed in the table but never exported as a labeled
 * example: it teaches the rules nothing about any category.
 */
#include "bureau/corrections.h"

#include "bureau/table.h"
#include "routing/classify.h"
#include "routing/courtesy.h"
#include "routing/normalize.h"

#include <stdlib.h>
#include <string.h>

struct corrections_ctx {
	const struct route_rules *rules;
	struct route_norm *norm;
	enum corrections_format format;
	FILE *out;
	struct table *t;
	int n, agree, courtesy;
};

/* The question on one line (tabs and line breaks become spaces), at most max characters. */
static void
one_line(const char *q, int max, char *buf, size_t len)
{
	size_t o = 0;
	int chars = 0;

	while (*q && chars < max && o + 8 < len) {
		size_t n = 1;

		while ((q[n] & 0xc0) == 0x80)
			n++;
		if (*q == '\t' || *q == '\n' || *q == '\r') {
			buf[o++] = ' ';
		} else {
			memcpy(buf + o, q, n);
			o += n;
		}
		q += n;
		chars++;
	}
	if (*q && o + 4 <= len) {
		memcpy(buf + o, "…", 3);
		o += 3;
	}
	buf[o] = '\0';
}

static int
one_correction(void *arg, const struct store_correction *c)
{
	struct corrections_ctx *ctx = arg;
	struct route_result res;
	char *norm, ticket[24], question[512];
	const char *cells[6];
	int courtesy;

	norm = route_normalize(ctx->norm, c->question);
	if (norm == NULL)
		return 1;
	route_classify(ctx->rules, norm, &res);
	courtesy = route_is_courtesy(norm);
	free(norm);
	ctx->n++;
	ctx->courtesy += courtesy;
	if (strcmp(res.code, c->category) == 0)
		ctx->agree++;

	if (ctx->format == CORRECTIONS_TSV) {
		if (courtesy)
			return 0;
		one_line(c->question, 100000, question, sizeof(question));
		fprintf(ctx->out, "%s\t%s\n", c->category, question);
		return 0;
	}
	snprintf(ticket, sizeof(ticket), "%lld", (long long)c->id);
	one_line(c->question, 24, question, sizeof(question));
	cells[0] = ticket;
	cells[1] = route_rules_name(ctx->rules, c->rules_category);
	cells[2] = route_rules_name(ctx->rules, c->category);
	cells[3] = route_rules_name(ctx->rules, res.code);
	cells[4] = c->rule ? c->rule : "-";
	cells[5] = question;
	table_add(ctx->t, cells);
	return 0;
}

int
bureau_corrections_format(const char *name)
{
	if (strcmp(name, "table") == 0)
		return CORRECTIONS_TABLE;
	if (strcmp(name, "tsv") == 0)
		return CORRECTIONS_TSV;
	return -1;
}

int
bureau_corrections(struct store *s, const struct route_rules *rules, struct route_norm *norm,
    int64_t from, int64_t to, enum corrections_format format, FILE *out, char *err,
    size_t errlen)
{
	static const char *const head[6] = { "编号", "规则判为", "改为", "现在规则判为", "决定的规则",
	    "问题" };
	static const int right[6] = { 1, 0, 0, 0, 0, 0 };
	struct corrections_ctx ctx;
	int rc = 0;

	memset(&ctx, 0, sizeof(ctx));
	ctx.rules = rules;
	ctx.norm = norm;
	ctx.format = format;
	ctx.out = out;
	if (format == CORRECTIONS_TABLE) {
		ctx.t = table_new(6, right);
		table_add(ctx.t, head);
	}
	if (store_corrections(s, from, to, one_correction, &ctx) != STORE_OK) {
		snprintf(err, errlen, "store: %s", store_errmsg(s));
		rc = -1;
	} else if (format == CORRECTIONS_TABLE) {
		if (ctx.n > 0)
			table_print(ctx.t, out);
		fprintf(out, "%s%d 条改判；现在的规则与其中 %d 条的改判一致。\n", ctx.n ? "\n" : "",
		    ctx.n, ctx.agree);
		if (ctx.courtesy)
			fprintf(out, "其中 %d 条只是问候、致谢或标点，--format tsv 不导出。\n",
			    ctx.courtesy);
	}
	table_free(ctx.t);
	return rc;
}
