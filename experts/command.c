/*
 * The expert and staff command parser. It reads the original text with a folding scanner
 * (full-width → half-width, Latin lower-cased) so that offsets stay in the original.
 */
#include "experts/command.h"

#include "gateway/sms.h"

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
	n = sms_utf8_decode(p, cp);
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

/* Whether p is at the end of the message, blanks aside. */
static int
at_end(const char *p)
{
	return *skip_blank(p) == '\0';
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

/* Whether a word follows at p after blanks ("off now"). */
static int
word_follows(const char *p)
{
	uint32_t cp;
	const char *q = skip_blank(p);

	fold_cp(p, &cp);
	return q != p && *q != '\0' && is_blank(cp);
}

/*
 * Whether the whole message only says the notice was read ("收到", "好的", "OK!"), which is not
 * an answer to relay to a farmer.
 */
static int
is_noted(const char *p)
{
	static const char *const words[] = { "收到", "收到了", "好的", "好", "好的收到", "收到谢谢",
	    "知道了", "知道", "明白", "明白了", "嗯", "嗯嗯", "ok", "okay", "谢谢", NULL };
	const char *const *w;

	for (w = words; *w; w++) {
		const char *q = match_keyword(p, (const char *const[]){ *w, NULL });
		uint32_t cp;
		int n;

		if (q == NULL)
			continue;
		/* trailing punctuation: 。！!.~ */
		while ((n = fold_cp(q, &cp)) > 0 && (is_blank(cp) || cp == '.' || cp == '!' ||
		    cp == '~' || cp == 0x3002 || cp == 0xff01))
			q += n;
		if (*q == '\0')
			return 1;
	}
	return 0;
}

void
expert_cmd_parse(const char *text, struct expert_cmd *out)
{
	static const char *const kw_pass[] = { "转", "轉", "pass", NULL };
	static const char *const kw_list[] = { "列表", "list", NULL };
	static const char *const kw_off[] = { "暂停", "暫停", "off", NULL };
	static const char *const kw_on[] = { "恢复", "恢復", "on", NULL };
	static const char *const kw_route[] = { "分", "route", NULL };
	static const char *const kw_for[] = { "代", "for", NULL };
	static const char *const kw_off_en[] = { "off", NULL };
	static const char *const kw_on_en[] = { "on", NULL };
	static const char *const kw_list_en[] = { "list", NULL };
	const char *p = skip_blank(text), *q, *r;
	uint32_t cp;
	int marked, n;

	memset(out, 0, sizeof(*out));

	if ((q = match_keyword(p, kw_list)) && at_end(q)) {
		out->kind = ECMD_LIST;
		return;
	}
	if ((q = match_keyword(p, kw_off)) && at_end(q)) {
		out->kind = ECMD_OFF;
		return;
	}
	if ((q = match_keyword(p, kw_on)) && at_end(q)) {
		out->kind = ECMD_ON;
		return;
	}
	/*
	 * "OFF now", "list please": an English keyword with more words is a command in the wrong
	 * form. (Chinese text that starts with 暂停 or 恢复 is an answer: "暂停喂料两天".)
	 */
	if (((q = match_keyword(p, kw_off_en)) || (q = match_keyword(p, kw_on_en))) &&
	    word_follows(q)) {
		bad(out, USAGE_DUTY);
		return;
	}
	if ((q = match_keyword(p, kw_list_en)) && word_follows(q)) {
		bad(out, USAGE_LIST);
		return;
	}
	if (is_noted(p)) {
		out->kind = ECMD_NOTED;
		return;
	}

	/* 转1024 / PASS #1024 / 转 (alone). A word that merely starts with 转 is an answer. */
	if ((q = match_keyword(p, kw_pass))) {
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
			set_arg(out, text, skip_separators(r));
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

	/* 1024 答复 / #1024答复 / Q1024：答复 */
	fold_cp(p, &cp);
	if (cp == '#' || cp == 'q' || (cp >= '0' && cp <= '9')) {
		r = read_ticket(p, &out->ticket, &marked);
		if (r != NULL) {
			q = skip_separators(r);
			out->ticket_marked = marked || q != r;
			if (*q == '\0') {
				bad(out, USAGE_ANSWER);
				return;
			}
			out->kind = ECMD_ANSWER;
			set_arg(out, text, q);
			return;
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
