/*
 * The farmer command parser. Commands are whole messages: "帮助" is a command, "帮助我看看
 * 玉米" is a question. Trailing punctuation and spaces are ignored.
 */
#include "consult/farmer_command.h"

#include "common/utf8.h"

#include <stdio.h>
#include <string.h>

/*
 * The words of a rating, meaning what the USSD screen's do (5 很满意, 4 满意, 3 一般, 2 不满意,
 * 1 很不满意), so that the same word is the same score however the farmer rates.
 */
static const struct {
	const char *word;
	int rating;
} rating_words[] = {
	{ "非常满意", 5 }, { "很满意", 5 }, { "十分满意", 5 }, { "特别满意", 5 }, { "满意", 4 },
	{ "比较满意", 4 }, { "挺满意", 4 }, { "还算满意", 4 }, { "还行", 3 }, { "还可以", 3 },
	{ "一般", 3 }, { "一般般", 3 }, { "很一般", 3 }, { "马马虎虎", 3 }, { "不太满意", 2 },
	{ "不满意", 2 }, { "不大满意", 2 }, { "很不满意", 1 }, { "非常不满意", 1 },
	{ "十分不满意", 1 }, { "太差了", 1 }, { "很差", 1 },
};


/* The length of s without trailing spaces and sentence punctuation. */
static size_t
core_len(const char *s)
{
	static const char *const tails[] = { " ", ".", "!", "?", "~", "。", "！", "？", "～",
	    "…" };
	size_t len = strlen(s), i;
	int cut = 1;

	while (cut && len > 0) {
		cut = 0;
		for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
			size_t t = strlen(tails[i]);

			if (len >= t && memcmp(s + len - t, tails[i], t) == 0) {
				len -= t;
				cut = 1;
			}
		}
	}
	return len;
}

static int
is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

/* If s starts with keyword, the argument after it (spaces skipped) into out. */
static int
prefixed(const char *s, size_t len, const char *keyword, char *arg, size_t arglen, int *spaced)
{
	size_t k = strlen(keyword);

	if (len < k || memcmp(s, keyword, k) != 0)
		return 0;
	s += k;
	len -= k;
	*spaced = len > 0 && *s == ' ';
	while (len > 0 && *s == ' ') {
		s++;
		len--;
	}
	if (len >= arglen)
		len = utf8_floor(s, arglen - 1);	/* cut between characters */
	snprintf(arg, arglen, "%.*s", (int)len, s);
	return 1;
}

/* "查询 12", "查询#12", "cx12": the answers of ticket 12 again. */
static int
query_ticket(const char *s, size_t len, long long *ticket)
{
	static const char *const words[] = { "查询", "cx", "查" };
	size_t i, k;
	long long v = 0;
	int digits = 0;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		k = strlen(words[i]);
		if (len > k && memcmp(s, words[i], k) == 0)
			break;
	}
	if (i == sizeof(words) / sizeof(words[0]))
		return 0;
	for (; k < len && (s[k] == ' ' || s[k] == '#' || s[k] == 'q'); k++)
		;
	for (; k < len && s[k] >= '0' && s[k] <= '9'; k++) {
		if (++digits > 15)
			return 0;
		v = v * 10 + (s[k] - '0');
	}
	if (digits == 0 || k != len || v == 0)
		return 0;
	*ticket = v;
	return 1;
}

void
farmer_cmd_parse(const char *text, struct farmer_cmd *out)
{
	size_t len, i;

	memset(out, 0, sizeof(*out));
	while (*text == ' ')
		text++;
	out->kind = FCMD_TEXT;
	if (strcmp(text, "?") == 0 || strcmp(text, "? ") == 0) {
		out->kind = FCMD_HELP;	/* a lone question mark: what is this number? */
		return;
	}
	len = core_len(text);
	if (len == 0)
		return;

	if (is(text, len, "帮助") || is(text, len, "帮 助") || is(text, len, "help") ||
	    is(text, len, "bz") || is(text, len, "怎么用") || is(text, len, "菜单"))
		out->kind = FCMD_HELP;
	else if (is(text, len, "查询") || is(text, len, "cx") || is(text, len, "查询一下") ||
	    is(text, len, "查一下") || is(text, len, "查 询"))
		out->kind = FCMD_QUERY;
	else if (query_ticket(text, len, &out->ticket))
		out->kind = FCMD_QUERY;
	else if (is(text, len, "退订") || is(text, len, "td") || is(text, len, "stop") ||
	    is(text, len, "unsubscribe") || is(text, len, "取消订阅"))
		out->kind = FCMD_STOP;
	else if (prefixed(text, len, "退订", out->arg, sizeof(out->arg), &out->arg_spaced) ||
	    prefixed(text, len, "取消订阅", out->arg, sizeof(out->arg), &out->arg_spaced))
		out->kind = FCMD_UNSUBSCRIBE;
	else if (prefixed(text, len, "订阅", out->arg, sizeof(out->arg), &out->arg_spaced))
		out->kind = FCMD_SUBSCRIBE;
	else if (prefixed(text, len, "登记", out->arg, sizeof(out->arg), &out->arg_spaced))
		out->kind = FCMD_REGISTER;
	if (out->kind != FCMD_TEXT)
		return;

	/* 1–5, "5分", "5星". */
	if ((len == 1 || (len == 4 && (memcmp(text + 1, "分", 3) == 0 ||
	    memcmp(text + 1, "星", 3) == 0))) && text[0] >= '1' && text[0] <= '5') {
		out->kind = FCMD_RATING;
		out->rating = text[0] - '0';
		return;
	}
	for (i = 0; i < sizeof(rating_words) / sizeof(rating_words[0]); i++) {
		if (is(text, len, rating_words[i].word)) {
			out->kind = FCMD_RATING;
			out->rating = rating_words[i].rating;
			return;
		}
	}
}
