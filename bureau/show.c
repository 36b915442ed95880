/*
 * A consultation's history for people: events and messages in time order.
 */
#include "bureau/show.h"

#include "bureau/stats.h"
#include "bureau/table.h"
#include "common/phone.h"
#include "routing/classify.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct {
	const char *kind;
	const char *label;
} event_labels[] = {
	{ "created", "新问题" }, { "assigned", "分配给专家" }, { "to_triage", "分配给分诊员" },
	{ "queued", "排队等待" }, { "answered", "答复" }, { "passed", "转交" },
	{ "rerouted", "改判类别" }, { "followup", "农户追问" }, { "reopened", "重新交给专家" },
	{ "reminded", "提醒专家" }, { "reassigned", "超时转派" }, { "off_duty", "专家暂停，转派" },
	{ "rated", "农户评价" }, { "went_off_duty", "专家暂停" }, { "back_on_duty", "专家恢复" },
	{ "closed", "分诊员关闭" }, { "held", "无人可接，由分诊员保留" },
};

static const char *
event_label(const char *kind)
{
	size_t i;

	for (i = 0; i < sizeof(event_labels) / sizeof(event_labels[0]); i++) {
		if (strcmp(event_labels[i].kind, kind) == 0)
			return event_labels[i].label;
	}
	return kind;
}

static void
local_time(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

struct show_ctx {
	struct table *t;
	int unmasked;
};

static int
one_item(void *arg, const struct store_history_item *h)
{
	struct show_ctx *ctx = arg;
	char when[32], who[32], what[96], *text;
	const char *cells[4];

	local_time(h->at, when, sizeof(when));
	who[0] = '\0';
	if (strcmp(h->what, "event") == 0) {
		snprintf(what, sizeof(what), "%s", event_label(h->kind ? h->kind : ""));
		snprintf(who, sizeof(who), "%s", h->who ? h->who : "");
	} else {
		if (h->who && h->who[0] == '+') {
			if (ctx->unmasked)
				snprintf(who, sizeof(who), "%s", h->who);
			else
				phone_mask(h->who, who, sizeof(who));
		}
		if (strcmp(h->what, "in") == 0)
			snprintf(what, sizeof(what), "收到短信（%s）", h->kind ? h->kind : "");
		else
			snprintf(what, sizeof(what), "发出短信（%s，%s，%d条，第%d次）",
			    h->kind ? h->kind : "", h->status ? h->status : "", h->segments,
			    h->attempts);
	}
	/* Message bodies and event details (a provider's error) may hold a number themselves. */
	text = ctx->unmasked ? NULL : table_masked_text(h->text);
	cells[0] = when;
	cells[1] = what;
	cells[2] = who;
	cells[3] = text ? text : h->text ? h->text : "";
	table_add(ctx->t, cells);
	free(text);
	return 0;
}

int
bureau_show(struct store *s, const struct route_rules *rules, int64_t cid, int unmasked,
    FILE *out, char *err, size_t errlen)
{
	static const char *const head[4] = { "时间", "事件", "人", "内容" };
	struct store_consult con;
	struct store_expert e;
	struct show_ctx ctx;
	char farmer[32], when[32], resp[32], *question;
	enum store_rc rc;
	int result = -1;

	memset(&con, 0, sizeof(con));
	memset(&e, 0, sizeof(e));
	rc = store_consult_get(s, cid, &con);
	if (rc == STORE_NOTFOUND) {
		snprintf(err, errlen, "no consultation #%lld", (long long)cid);
		return 1;
	}
	if (rc) {
		snprintf(err, errlen, "store: %s", store_errmsg(s));
		return -1;
	}
	if (unmasked)
		snprintf(farmer, sizeof(farmer), "%s", con.farmer_phone);
	else
		phone_mask(con.farmer_phone, farmer, sizeof(farmer));
	local_time(con.created_at, when, sizeof(when));
	fprintf(out, "问题 #%lld  %s", (long long)con.id, route_rules_name(rules, con.category));
	if (strcmp(con.classified_by, "rules") == 0)
		fprintf(out, "（规则判定，得分 %d%s%s）", con.score, con.rule ? "，" : "",
		    con.rule ? con.rule : "");
	else
		fprintf(out, "（%s）", strcmp(con.classified_by, "staff") == 0 ? "工作人员改判" :
		    "农户选择");
	fprintf(out, "\n农户 %s%s%s  渠道 %s  提问时间 %s\n", farmer, con.township ? "  " : "",
	    con.township ? con.township : "", con.channel, when);
	fprintf(out, "状态 %s", con.status == CS_QUEUED ? "排队中" : con.status == CS_ASSIGNED ?
	    "专家处理中" : con.status == CS_ANSWERED ? "已答复" : "已结束");
	/* Whose the question is: who answered it, else who has it (as the list under stats). */
	if ((con.answered_by || con.expert_id) && store_expert_get(s, con.answered_by ?
	    con.answered_by : con.expert_id, &e) == STORE_OK)
		fprintf(out, "  %s %s", con.answered_by ? "答复" : "专家", e.name);
	if (con.first_answered_at) {
		bureau_duration(con.first_answered_at - con.created_at, resp, sizeof(resp));
		fprintf(out, "  首次答复用时 %s", resp);
	}
	if (con.rating)
		fprintf(out, "  评价 %d分", con.rating);
	question = unmasked ? NULL : table_masked_text(con.question);
	fprintf(out, "\n问题：%s\n\n", question ? question : con.question);
	free(question);

	ctx.t = table_new(4, NULL);
	ctx.unmasked = unmasked;
	table_add(ctx.t, head);
	if (store_consult_history(s, cid, one_item, &ctx) != STORE_OK) {
		snprintf(err, errlen, "store: %s", store_errmsg(s));
	} else {
		table_print(ctx.t, out);
		result = 0;
	}
	table_free(ctx.t);
	store_expert_free(&e);
	store_consult_free(&con);
	return result;
}
