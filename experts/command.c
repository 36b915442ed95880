/*
 * The expert and staff command parser. It reads the original text with a folding scanner
 * (full-width → half-width, Latin lower-cased) so that offsets stay in the original.
 */
#include "experts/command.h"

#include "common/sms.h"

#include <string.h>

/* Decode at p, folding width and case; returns the byte length (0 at the end). */
static int
fold_cp(const char *p, uint32_t *cp)
{
	int n;

	if (*p == '\0') {
		*cp = 0;
		return 0;
	}
	n = utf8_decode(p, cp);
	if (*cp >= 0xff01 && *cp <= 0xff5e)
		*cp -= 0xfee0;
	else if (*cp == 0x3000)
		*cp = ' ';
	if (*cp >= 'A' && *cp <= 'Z')
		*cp += 'a' - 'A';
	return n;
}

static int
is_blank(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n';
}

/* Separators people put between a ticket and the answer. */
static int
is_separator(uint32_t cp)
{
	return is_blank(cp) || cp == ':' || cp == ',' || cp == 0x3001 /* 、 */ ||
	    cp == 0xff1a || cp == 0xff0c;
}

static const char *
skip_blank(const char *p)
{
	uint32_t cp;
	int n;

	while ((n = fold_cp(p, &cp)) > 0 && is_blank(cp))
		p += n;
	return p;
}

static const char *
skip_separators(const char *p)
{
	uint32_t cp;
	int n;

	while ((n = fold_cp(p, &cp)) > 0 && is_separator(cp))
		p += n;
	return p;
}

/* The length of text without trailing blanks. */
static size_t
trimmed_len(const char *p)
{
	size_t len = strlen(p), keep = 0, i = 0;
	uint32_t cp;
	int n;

	while (i < len && (n = fold_cp(p + i, &cp)) > 0) {
		i += n;
		if (!is_blank(cp))
			keep = i;
	}
	return keep;
}

static int
is_latin(uint32_t cp)
{
	return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
}

/*
 * If p starts with one of the keywords (folded, matched case-insensitively for Latin), return
 * the position after it; else NULL. A Latin keyword must end where its word ends ("offer" is
 * not "off").
 */
static const char *
match_keyword(const char *p, const char *const *words)
{
	for (; *words; words++) {
		const char *w = *words, *q = p;
		uint32_t a, b;
		int na, nb;

		for (;;) {
			nb = fold_cp(w, &b);
			if (nb == 0) {
				uint32_t next;
				unsigned char last = (unsigned char)(*words)[strlen(*words) - 1];

				fold_cp(q, &next);
				if (is_latin(last) && is_latin(next))
					break;
				return q;
			}
			na = fold_cp(q, &a);
			if (na == 0 || a != b)
				break;
			q += na;
			w += nb;
		}
	}
	return NULL;
}

/* Punctuation, emoji and the like that people end a command with ("转6。", "Off.", "列表？"). */
static int
is_trailing(uint32_t cp)
{
	return is_blank(cp) || cp == '.' || cp == '!' || cp == '?' || cp == '~' || cp == ',' ||
	    cp == ';' || cp == 0x3001 /* 、 */ || cp == 0x3002 /* 。 */ || cp == 0x2026 /* … */ ||
	    cp == 0xff61 /* ｡ */ || cp == 0xfe0f || cp == 0x200d ||
	    (cp >= 0x2600 && cp <= 0x27bf) || (cp >= 0x1f000 && cp <= 0x1faff);
}

/* Polite words around a command: "暂停吧", "列表一下", "on please", "转交，谢谢". */
static const char *const fillers[] = { "一下", "吧", "了", "啊", "呀", "哈", "呢", "谢谢", "謝謝",
    "几天", "幾天", "一天", "两天", "兩天", "三天", "一周", "一段时间", "今天", "明天", "现在",
    "please", "pls", "thanks", "thank you", "now", "again", "today", NULL };

/* Words before a command: "请转交", "我要暂停", "麻烦转给别人". */
static const char *const leaders[] = { "请", "請", "麻烦", "麻煩", "我要", "我想", "帮我", "幫我",
    "先", "我", "这个", "這個", "这题", "這題", NULL };

static const char *match_keyword(const char *p, const char *const *words);

static const char *
skip_leaders(const char *p)
{
	const char *q;

	while ((q = match_keyword(p, leaders)) != NULL)
		p = skip_blank(q);
	return p;
}

/*
 * Whether p is at the end of the message once trailing punctuation, emoji and polite words
 * ("吧", "please") are left out.
 */
static int
at_end(const char *p)
{
	const char *q;
	uint32_t cp;
	int n;

	for (;;) {
		while ((n = fold_cp(p, &cp)) > 0 && is_trailing(cp))
			p += n;
		if (*p == '\0')
			return 1;
		if ((q = match_keyword(p, fillers)) == NULL)
			return 0;
		p = q;
	}
}

/*
 * Read a ticket at p: an optional "#" or "Q" then digits. Returns the position after it, or
 * NULL when there is no ticket (or it is absurdly long). *marked is set if a prefix was used.
 */
static const char *
read_ticket(const char *p, int64_t *ticket, int *marked)
{
	uint32_t cp;
	int n, digits = 0;
	int64_t v = 0;

	*marked = 0;
	n = fold_cp(p, &cp);
	if (cp == '#' || cp == 'q' || cp == 0xff03) {
		*marked = 1;
		p = skip_blank(p + n);
	}
	while ((n = fold_cp(p, &cp)) > 0 && cp >= '0' && cp <= '9') {
		if (++digits > 15)
			return NULL;
		v = v * 10 + (cp - '0');
		p += n;
	}
	if (digits == 0 || v == 0)
		return NULL;
	*ticket = v;
	return p;
}

static void
set_arg(struct expert_cmd *out, const char *text, const char *p)
{
	out->arg_off = (size_t)(p - text);
	out->arg_len = trimmed_len(p);
}

static void
bad(struct expert_cmd *out, const char *usage)
{
	out->kind = ECMD_BAD;
	out->usage = usage;
}

/* Set the argument to the text at p without its trailing punctuation (a category, a reason). */
static void
set_arg_trimmed(struct expert_cmd *out, const char *text, const char *p)
{
	size_t len = strlen(p), keep = 0, i = 0;
	uint32_t cp;
	int n;

	while (i < len && (n = fold_cp(p + i, &cp)) > 0) {
		i += n;
		if (!is_trailing(cp))
			keep = i;
	}
	out->arg_off = (size_t)(p - text);
	out->arg_len = keep;
}

/* Whether an English word follows at p after blanks ("off the feed"): not a command. */
static int
latin_word_follows(const char *p)
{
	uint32_t cp;

	p = skip_blank(p);
	fold_cp(p, &cp);
	return is_latin(cp);
}

void
expert_cmd_parse(const char *text, struct expert_cmd *out)
{
	static const char *const kw_pass_words[] = { "转交", "轉交", "移交", "转出", "轉出", "转走",
	    "轉走", "transfer", NULL };
	/* "转给别的专家吧" is a pass; "转给农技站检测" an answer. */
	static const char *const kw_pass_to[] = { "转给", "轉給", "转", "轉", NULL };
	static const char *const pass_targets[] = { "别人", "別人", "别的", "別的", "其他", "其它",
	    "他人", "另一", "另外", "同事", "专家", "專家", NULL };
	static const char *const kw_pass[] = { "转", "轉", "pass", NULL };
	/* Longer words first: the first that matches is taken. */
	static const char *const kw_list[] = { "列表", "待答问题", "待答問題", "待答", "我的问题",
	    "我的問題", "查询", "查詢", "list", NULL };
	static const char *const kw_off[] = { "暂停接收新问题", "暂停接收", "暂停", "暫停接收", "暫停",
	    "停止接收", "请假", "請假", "休息", "off", NULL };
	static const char *const kw_on[] = { "恢复接收新问题", "恢复接收", "恢复", "恢復接收", "恢復",
	    "继续接收", "繼續接收", "上班", "on", NULL };
	static const char *const kw_help[] = { "帮助", "幫助", "帮 助", "help", "?", "怎么用",
	    "怎麼用", "菜单", "菜單", "指令", "命令", "说明", "說明", NULL };
	static const char *const kw_close[] = { "关闭", "關閉", "关", "關", "close", NULL };
	static const char *const kw_route[] = { "分", "route", NULL };
	static const char *const kw_for[] = { "代", "for", NULL };
	/* "不会", "这个我不懂": not an answer to send a farmer, but a pass not yet said. */
	static const char *const kw_decline[] = { "不会", "不懂", "不知道", "不清楚", "不熟悉",
	    "不了解", "答不了", "回答不了", "不是我的专业", "不是我专业", "不归我管", NULL };
	/* "好的，我看看", "稍等": the answer is still to come. */
	static const char *const kw_hold[] = { "稍等", "等一下", "等等", "我看看", "我看一下", "我查一下",
	    "我想想", "马上回复", "马上", "晚点回复", "稍后回复", "正在看", "在看", "看看", NULL };
	static const char *const kw_ack[] = { "好的", "好", "收到", "ok", "嗯", NULL };
	static const char *const kw_duty_en[] = { "off", "on", NULL };
	static const char *const kw_list_en[] = { "list", NULL };
	const char *p = skip_blank(text), *lp = skip_leaders(p), *q, *r;
	uint32_t cp;
	int marked, n;

	memset(out, 0, sizeof(*out));

	if ((q = match_keyword(lp, kw_help)) && at_end(q)) {
		out->kind = ECMD_HELP;
		return;
	}
	if ((q = match_keyword(lp, kw_list)) && at_end(q)) {
		out->kind = ECMD_LIST;
		return;
	}
	if ((q = match_keyword(lp, kw_off)) && at_end(q)) {
		out->kind = ECMD_OFF;
		return;
	}
	if ((q = match_keyword(lp, kw_on)) && at_end(q)) {
		out->kind = ECMD_ON;
		return;
	}
	if ((q = match_keyword(lp, kw_decline)) && at_end(q)) {
		bad(out, USAGE_DECLINE);
		return;
	}
	q = match_keyword(lp, kw_ack);
	q = skip_leaders(q ? skip_separators(q) : lp);
	if ((q = match_keyword(q, kw_hold)) && at_end(q)) {
		bad(out, USAGE_HOLD);
		return;
	}
	/*
	 * "OFF the feed", "list the symptoms": an English keyword with more words is a command in
	 * the wrong form, never an answer. (Chinese text that starts with 暂停 or 恢复 is an
	 * answer: "暂停喂料两天".)
	 */
	if ((q = match_keyword(lp, kw_duty_en)) && latin_word_follows(q)) {
		bad(out, USAGE_DUTY);
		return;
	}
	if ((q = match_keyword(lp, kw_list_en)) && latin_word_follows(q)) {
		bad(out, USAGE_LIST);
		return;
	}

	/* 转交 / 转交69 / 转给别的专家吧 / 请转交 #69：whatever follows is the reason. */
	if ((q = match_keyword(lp, kw_pass_words))) {
		out->kind = ECMD_PASS;
		r = read_ticket(skip_separators(q), &out->ticket, &marked);
		if (r == NULL)
			out->ticket = 0;
		out->ticket_marked = out->ticket != 0;
		return;
	}
	if ((q = match_keyword(lp, kw_pass_to))) {
		r = read_ticket(skip_separators(q), &out->ticket, &marked);
		r = r ? skip_separators(r) : skip_separators(q);
		if (match_keyword(r, pass_targets)) {
			out->kind = ECMD_PASS;
			out->ticket_marked = out->ticket != 0;
			return;
		}
		out->ticket = 0;
	}
	/* "这个我不会，转交吧": a short message that asks for a pass anywhere in it. */
	if (utf8_chars(p) <= 16 && (strstr(p, "转交") || strstr(p, "轉交"))) {
		out->kind = ECMD_PASS;
		return;
	}
	/* 转1024 / PASS #1024 / 转 (alone) / 转6。 A word that merely starts with 转 is an answer. */
	if ((q = match_keyword(lp, kw_pass))) {
		if (at_end(q)) {
			out->kind = ECMD_PASS;
			return;
		}
		r = read_ticket(skip_blank(q), &out->ticket, &marked);
		if (r && at_end(r)) {
			out->kind = ECMD_PASS;
			out->ticket_marked = 1;
			return;
		}
		fold_cp(q, &cp);
		if (is_blank(cp) || cp == '#') {
			bad(out, USAGE_PASS);
			return;
		}
		out->ticket = 0;
	}

	/* 关1024 无具体问题 / CLOSE #1024. "关好门窗" and "关闭通风口" are answers. */
	if ((q = match_keyword(p, kw_close))) {
		if (at_end(q)) {
			bad(out, USAGE_CLOSE);
			return;
		}
		r = read_ticket(skip_blank(q), &out->ticket, &marked);
		if (r != NULL && (at_end(r) || skip_separators(r) != r)) {
			out->kind = ECMD_CLOSE;
			out->ticket_marked = 1;
			set_arg_trimmed(out, text, skip_separators(r));
			return;
		}
		fold_cp(q, &cp);
		if (is_blank(cp) || cp == '#') {
			bad(out, USAGE_CLOSE);
			return;
		}
		out->ticket = 0;
	}

	/* 分1024 家禽 / ROUTE #1024 poultry. Whether "分3次喂药" is an answer is for the caller,
	 * who knows the categories and the sender's role: see arg_separated. */
	if ((q = match_keyword(p, kw_route))) {
		fold_cp(q, &cp);
		if (at_end(q)) {
			bad(out, USAGE_ROUTE);
			return;
		}
		if (is_blank(cp) || cp == '#' || (cp >= '0' && cp <= '9')) {
			r = read_ticket(skip_blank(q), &out->ticket, &marked);
			if (r == NULL || at_end(r)) {
				bad(out, USAGE_ROUTE);
				return;
			}
			out->kind = ECMD_ROUTE;
			out->ticket_marked = 1;
			out->arg_separated = skip_separators(r) != r;
			set_arg_trimmed(out, text, skip_separators(r));
			return;
		}
	}

	/* 代13800000001 问题 / FOR +86 138 0000 0001 问题 */
	if ((q = match_keyword(p, kw_for))) {
		fold_cp(q, &cp);
		if (at_end(q)) {
			bad(out, USAGE_FOR);
			return;
		}
		if (is_blank(cp) || cp == '+' || (cp >= '0' && cp <= '9')) {
			size_t len = 0;
			int digits = 0, want = 11;

			/* "+86 138 0000 0001": blanks inside a number are skipped until it has
			 * the digits of a mobile number (11, or 13 with the country code). */
			r = skip_blank(q);
			while ((n = fold_cp(r, &cp)) > 0) {
				if (cp == '+' && len == 0) {
					want = 13;
				} else if (cp >= '0' && cp <= '9') {
					digits++;
				} else if (cp == '-' && len > 0) {
					;
				} else if (is_blank(cp) && len > 0 && digits < want) {
					r += n;
					continue;
				} else {
					break;
				}
				if (len + 1 < sizeof(out->phone))
					out->phone[len++] = (char)cp;
				r += n;
			}
			out->phone[len] = '\0';
			r = skip_separators(r);
			if (len == 0 || *r == '\0') {
				bad(out, USAGE_FOR);
				return;
			}
			out->kind = ECMD_FOR;
			set_arg(out, text, r);
			return;
		}
	}

	/*
	 * 1024 答复 / #1024答复 / Q1024：答复. A number directly followed by text ("15天后再补一次
	 * 药", "67.鳃病用硫酸铜", "1.5克") is part of the answer, not a ticket.
	 */
	fold_cp(p, &cp);
	if (cp == '#' || cp == 'q' || (cp >= '0' && cp <= '9')) {
		r = read_ticket(p, &out->ticket, &marked);
		if (r != NULL) {
			q = skip_separators(r);
			if (marked || q != r || at_end(r)) {
				out->ticket_marked = 1;
				if (at_end(q)) {
					bad(out, USAGE_ANSWER);
					return;
				}
				out->kind = ECMD_ANSWER;
				set_arg(out, text, q);
				return;
			}
		}
		if (cp == '#') {
			bad(out, USAGE_ANSWER);
			return;
		}
		out->ticket = 0;
	}

	out->kind = ECMD_PLAIN;
	set_arg(out, text, p);
}
