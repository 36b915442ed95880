/*
 * The CSV export. Each row repeats its consultation's columns, so that the sheet can be sorted
 * and filtered on any of them.
 */
#include "bureau/export.h"

#include "bureau/table.h"
#include "common/phone.h"
#include "routing/classify.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct export {
	FILE *out;
	int unmasked;
	const struct route_rules *rules;
	int64_t rows;
};

static void
cell(struct export *x, const char *s, int last)
{
	table_csv_cell(s ? s : "", x->out);
	fputs(last ? "\r\n" : ",", x->out);
}

static void
time_cell(struct export *x, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	char buf[32] = "";
	struct tm tm;

	if (ms) {
		localtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	}
	cell(x, buf, 0);
}

static void
int_cell(struct export *x, int64_t v, int have)
{
	char buf[32] = "";

	if (have)
		snprintf(buf, sizeof(buf), "%lld", (long long)v);
	cell(x, buf, 0);
}

/* A phone number: the farmer's masked unless asked otherwise; anyone else's as it is. */
static void
phone_cell(struct export *x, const char *phone, const char *farmer)
{
	char masked[32];

	if (phone && !x->unmasked && strcmp(phone, farmer) == 0) {
		phone_mask(phone, masked, sizeof(masked));
		cell(x, masked, 0);
	} else {
		cell(x, phone, 0);
	}
}

/* People's own words: a number inside them is masked too unless --unmasked. */
static void
text_cell(struct export *x, const char *text, int last)
{
	char *masked = x->unmasked ? NULL : table_masked_text(text);

	cell(x, masked ? masked : text, last);
	free(masked);
}

static int
on_row(void *arg, const struct store_export_row *r)
{
	struct export *x = arg;
	char masked[32];

	int_cell(x, r->id, 1);
	time_cell(x, r->created_at);
	if (x->unmasked)
		cell(x, r->farmer, 0);
	else {
		phone_mask(r->farmer, masked, sizeof(masked));
		cell(x, masked, 0);
	}
	cell(x, r->township, 0);
	cell(x, r->village, 0);
	cell(x, r->channel, 0);
	cell(x, route_rules_name(x->rules, r->category), 0);
	cell(x, r->classified_by, 0);
	cell(x, r->status, 0);
	cell(x, r->expert, 0);
	time_cell(x, r->first_answered_at);
	int_cell(x, (r->first_answered_at - r->created_at + 500) / 1000, r->first_answered_at != 0);
	int_cell(x, r->rating, r->rating != 0);
	text_cell(x, r->question, 0);
	int_cell(x, r->msg_id, r->msg_id != 0);
	time_cell(x, r->msg_at);
	cell(x, r->direction, 0);
	cell(x, r->kind, 0);
	phone_cell(x, r->sender, r->farmer);
	phone_cell(x, r->recipient, r->farmer);
	int_cell(x, r->segments, r->msg_id != 0);
	cell(x, r->msg_status, 0);
	text_cell(x, r->body, 1);
	x->rows++;
	return ferror(x->out) != 0;
}

int
bureau_export(struct store *s, int64_t from, int64_t to, int unmasked,
    const struct route_rules *rules, FILE *out, int64_t *rows, char *err, size_t errlen)
{
	static const char *const head[] = { "编号", "提问时间", "农户", "乡镇", "村", "渠道", "类别",
	    "分类方式", "状态", "专家", "首次答复时间", "响应秒数", "评分", "问题", "消息编号",
	    "消息时间", "方向", "消息类型", "发送方", "接收方", "段数", "消息状态", "内容" };
	struct export x = { out, unmasked, rules, 0 };
	size_t i, n = sizeof(head) / sizeof(head[0]);

	fputs("\xef\xbb\xbf", out);	/* the byte-order mark: spreadsheets then read UTF-8 */
	for (i = 0; i < n; i++)
		cell(&x, head[i], i + 1 == n);
	if (store_export(s, from, to, on_row, &x) != STORE_OK) {
		snprintf(err, errlen, "cannot read the consultations: %s", store_errmsg(s));
		return -1;
	}
	if (fflush(out) != 0 || ferror(out)) {
		snprintf(err, errlen, "cannot write the export");
		return -1;
	}
	*rows = x.rows;
	return 0;
}
