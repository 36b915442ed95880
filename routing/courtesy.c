/*
 * Courtesy-only texts: the text is read from the start, each step taking the longest courtesy
 * word, form of address or particle found there, or one punctuation, space or emoji character.
 * A text read to its end that way has no content. Forms of address and particles ("专家",
 * "呀") alone are not courtesy: "老师" may be the start of a question sent in two parts.
 */
#include "routing/courtesy.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Words that are courtesy alone, as route_normalize() writes them. */
static const char *const courtesy_words[] = {
	"在吗", "在么", "在嘛", "在不在", "在", "有人吗", "有人在吗", "有人在不",
	"你好", "您好", "你们好", "大家好", "专家好", "老师好", "喂", "哈喽", "嗨",
	"hello", "hi", "hey", "早上好", "上午好", "中午好", "下午好", "晚上好", "早安",
	"晚安", "早",
	"谢谢", "谢了", "多谢", "感谢", "感激", "thanks", "thank you", "thx", "辛苦了",
	"麻烦了", "麻烦你了", "麻烦您了", "不客气",
	"好的", "好滴", "好", "行", "收到", "ok", "okay", "嗯", "恩", "哦", "噢", "喔",
	"知道了", "明白了", "明白", "懂了", "了解", "晓得了", "再见", "拜拜", "bye",
};

/* Words that may stand beside courtesy words without making the text a question. */
static const char *const filler_words[] = {
	"专家", "老师", "师傅", "领导", "同志", "大家", "你们", "您们", "你", "您",
	"啊", "呀", "啦", "吧", "呢", "哈", "嘛", "哟", "哇", "了", "的", "呐", "咯",
	"非常", "十分", "太", "真", "很",
};

static int
is_punct(uint32_t cp)
{
	if (cp < 0x80)
		return cp <= ' ' || (cp >= '!' && cp <= '/') || (cp >= ':' && cp <= '@') ||
		    (cp >= '[' && cp <= '`') || (cp >= '{' && cp <= '~');
	return (cp >= 0xa0 && cp <= 0xbf) || cp == 0xd7 || cp == 0xf7 ||
	    (cp >= 0x2000 && cp <= 0x206f) ||	/* general punctuation: … — “” */
	    (cp >= 0x2190 && cp <= 0x21ff) ||	/* arrows */
	    (cp >= 0x2500 && cp <= 0x25ff) ||	/* box drawing, shapes: ○ ● ▲ */
	    (cp >= 0x3000 && cp <= 0x303f) ||	/* CJK punctuation: 。、「」～ */
	    (cp >= 0xfe10 && cp <= 0xfe1f) || (cp >= 0xfe30 && cp <= 0xfe6f) ||
	    (cp >= 0xff01 && cp <= 0xff0f) || (cp >= 0xff1a && cp <= 0xff20) ||
	    (cp >= 0xff3b && cp <= 0xff40) || (cp >= 0xff5b && cp <= 0xff65);
}

static int
is_emoji(uint32_t cp)
{
	return (cp >= 0x1f000 && cp <= 0x1faff) ||	/* pictographs, emoticons, flags */
	    (cp >= 0x2300 && cp <= 0x23ff) || (cp >= 0x2600 && cp <= 0x27bf) ||
	    (cp >= 0x2b00 && cp <= 0x2bff) ||	/* ⭐ */
	    (cp >= 0xfe00 && cp <= 0xfe0f) ||	/* variation selectors */
	    cp == 0x200d || cp == 0x20e3 || cp == 0x3030 || cp == 0x303d ||
	    (cp >= 0xe0020 && cp <= 0xe007f);	/* tag sequences */
}

/*
 * One code point of UTF-8 at p into *cp; returns its length (a sequence cut short by the end
 * gives U+FFFD). Unlike utf8_decode (common/sms.h), it takes text that may end inside a
 * character.
 */
static int
utf8_next(const char *p, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)p;
	int n = u[0] < 0x80 ? 1 : (u[0] & 0xe0) == 0xc0 ? 2 : (u[0] & 0xf0) == 0xe0 ? 3 : 4, i;

	for (i = 1; i < n; i++) {
		if (u[i] == 0) {	/* cut short: never read past the end */
			*cp = 0xfffd;
			return i;
		}
	}
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if ((u[0] & 0xe0) == 0xc0) {
		*cp = ((uint32_t)(u[0] & 0x1f) << 6) | (u[1] & 0x3f);
		return 2;
	}
	if ((u[0] & 0xf0) == 0xe0) {
		*cp = ((uint32_t)(u[0] & 0x0f) << 12) | ((uint32_t)(u[1] & 0x3f) << 6) | (u[2] & 0x3f);
		return 3;
	}
	*cp = ((uint32_t)(u[0] & 0x07) << 18) | ((uint32_t)(u[1] & 0x3f) << 12) |
	    ((uint32_t)(u[2] & 0x3f) << 6) | (u[3] & 0x3f);
	return 4;
}

/* Length of the longest word of list that p starts with, or 0. */
static size_t
longest_word(const char *p, const char *const *list, size_t n)
{
	size_t i, best = 0;

	for (i = 0; i < n; i++) {
		size_t len = strlen(list[i]);

		if (len > best && strncmp(p, list[i], len) == 0)
			best = len;
	}
	return best;
}

int
route_is_courtesy(const char *normalized)
{
	const char *p = normalized;
	int words = 0, fillers = 0;

	while (*p) {
		size_t cw, fw;
		uint32_t cp;
		int k;

		cw = longest_word(p, courtesy_words,
		    sizeof(courtesy_words) / sizeof(courtesy_words[0]));
		fw = longest_word(p, filler_words,
		    sizeof(filler_words) / sizeof(filler_words[0]));
		if (cw > 0 && cw >= fw) {
			p += cw;
			words++;
			continue;
		}
		if (fw > 0) {
			p += fw;
			fillers++;
			continue;
		}
		k = utf8_next(p, &cp);
		if (!is_punct(cp) && !is_emoji(cp))
			return 0;
		p += k;
	}
	return words > 0 || fillers == 0;
}
