/*
 * The USSD menu's texts, read from the menu file ([ussd] menu, config/ussd.conf): every key of
 * the table below once, each within the characters its screen leaves it, {…} checked against
 * what the text may hold; and a text with its {…} filled in (gw_ussd_expand).
 */
#include "gateway/ussd_int.h"

#include "common/inifile.h"
#include "common/sms.h"
#include "routing/classify.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long a text of the menu file may be, {…} counted at their longest. */
#define TITLE_MAX 60		/* a list's title, the main menu's */
#define CHOICE_MAX 12		/* one of the main menu's choices */
#define NAV_MAX 10		/* "0 更多", "00 返回" */
#define HINT_MAX 30
#define STATUS_MAX 10
#define MARK_MAX 2
#define SCREEN_TEXT_MAX 100	/* a prompt, a message with "00 返回" under it */
#define END_MAX 150		/* an END screen */

/* With those limits, every screen fits whatever the county writes. */
#define HINT_LINE (HINT_MAX + 1)
#define FOOTER_MAX (NAV_MAX + 1 + NAV_MAX)
_Static_assert(PREFIX_CHARS + HINT_LINE + TITLE_MAX + 5 * (3 + CHOICE_MAX) <= USSD_MAX_SCREEN,
    "the main menu fits");
_Static_assert(PREFIX_CHARS + HINT_LINE + TITLE_MAX + (1 + 5 + ITEM_MAX_CHARS) + 1 + FOOTER_MAX
    <= USSD_MAX_SCREEN, "a list with one choice fits");
_Static_assert(PREFIX_CHARS + HINT_LINE + SCREEN_TEXT_MAX + 1 + NAV_MAX <= USSD_MAX_SCREEN,
    "a prompt fits");
_Static_assert(PREFIX_CHARS + END_MAX <= USSD_MAX_SCREEN, "an END screen fits");
_Static_assert(PREFIX_CHARS + HINT_LINE + 20 + 1 + FOOTER_MAX <= USSD_MAX_SCREEN,
    "a page of an answer holds something");

/* What {…} may stand for, and how many characters it may take on a screen (0: any). */
enum ph { P_TICKET, P_CATEGORY, P_STATUS, P_QUESTION, P_ANSWER, P_EXPERT, P_TOWNSHIP,
    P_VILLAGE, P_RATING, P_COUNT };

static const struct {
	const char *name;
	int max;
} placeholders[P_COUNT] = {
	[P_TICKET] = { "ticket", 10 },
	[P_CATEGORY] = { "category", ROUTE_NAME_MAX_CHARS },
	[P_STATUS] = { "status", STATUS_MAX },
	[P_QUESTION] = { "question", 0 },
	[P_ANSWER] = { "answer", 0 },
	[P_EXPERT] = { "expert", 10 },
	[P_TOWNSHIP] = { "township", 20 },
	[P_VILLAGE] = { "village", 20 },
	[P_RATING] = { "rating", 1 },
};

#define PH(p) (1u << (p))

/* The menu file, one row a text: section, key, the {…} it may hold, its limit. */
static const struct {
	const char *section, *name;
	unsigned int allowed;
	int max;
} keys[K_COUNT] = {
	[K_MAIN_TITLE] = { "main", "title", 0, TITLE_MAX },
	[K_MAIN_ASK] = { "main", "ask", 0, CHOICE_MAX },
	[K_MAIN_MINE] = { "main", "mine", 0, CHOICE_MAX },
	[K_MAIN_RATE] = { "main", "rate", 0, CHOICE_MAX },
	[K_MAIN_SUBSCRIBE] = { "main", "subscribe", 0, CHOICE_MAX },
	[K_MAIN_REGISTER] = { "main", "register", 0, CHOICE_MAX },
	[K_NAV_MORE] = { "nav", "more", 0, NAV_MAX },
	[K_NAV_BACK] = { "nav", "back", 0, NAV_MAX },
	[K_NAV_INVALID] = { "nav", "invalid", 0, HINT_MAX },
	[K_NAV_NO_MORE] = { "nav", "no_more", 0, HINT_MAX },
	[K_NAV_ENDED] = { "nav", "ended", 0, END_MAX },
	[K_NAV_SESSION] = { "nav", "session", 0, END_MAX },
	[K_NAV_BUSY] = { "nav", "busy", 0, END_MAX },
	[K_ASK_CHOOSE] = { "ask", "choose", 0, TITLE_MAX },
	[K_ASK_PROMPT] = { "ask", "prompt", PH(P_CATEGORY), SCREEN_TEXT_MAX },
	[K_ASK_EMPTY] = { "ask", "empty", 0, HINT_MAX },
	[K_ASK_TOO_LONG] = { "ask", "too_long", 0, HINT_MAX },
	[K_ASK_DONE] = { "ask", "done", PH(P_TICKET) | PH(P_CATEGORY), END_MAX },
	[K_MINE_TITLE] = { "mine", "title", 0, TITLE_MAX },
	[K_MINE_NONE] = { "mine", "none", 0, SCREEN_TEXT_MAX },
	[K_MINE_ITEM] = { "mine", "item", PH(P_TICKET) | PH(P_CATEGORY) | PH(P_STATUS) |
	    PH(P_QUESTION), ITEM_MAX_CHARS },
	[K_MINE_QUEUED] = { "mine", "queued", 0, STATUS_MAX },
	[K_MINE_ASSIGNED] = { "mine", "assigned", 0, STATUS_MAX },
	[K_MINE_ANSWERED] = { "mine", "answered", 0, STATUS_MAX },
	[K_MINE_CLOSED] = { "mine", "closed", 0, STATUS_MAX },
	[K_MINE_ANSWER] = { "mine", "answer", PH(P_TICKET) | PH(P_EXPERT) | PH(P_CATEGORY) |
	    PH(P_ANSWER), SCREEN_TEXT_MAX },
	[K_MINE_PENDING] = { "mine", "pending", PH(P_TICKET) | PH(P_CATEGORY) | PH(P_STATUS) |
	    PH(P_QUESTION), SCREEN_TEXT_MAX },
	[K_RATE_PROMPT] = { "rate", "prompt", PH(P_TICKET) | PH(P_EXPERT), SCREEN_TEXT_MAX },
	[K_RATE_NONE] = { "rate", "none", 0, SCREEN_TEXT_MAX },
	[K_RATE_DONE] = { "rate", "done", PH(P_TICKET) | PH(P_RATING), END_MAX },
	[K_RATE_LOW] = { "rate", "low", PH(P_TICKET) | PH(P_RATING), END_MAX },
	[K_SUB_TITLE] = { "subscribe", "title", 0, TITLE_MAX },
	[K_SUB_MARK] = { "subscribe", "mark", 0, MARK_MAX },
	[K_SUB_ADDED] = { "subscribe", "added", PH(P_CATEGORY), HINT_MAX },
	[K_SUB_REMOVED] = { "subscribe", "removed", PH(P_CATEGORY), HINT_MAX },
	[K_REG_TOWNSHIP] = { "register", "township", 0, TITLE_MAX },
	[K_REG_VILLAGE] = { "register", "village", PH(P_TOWNSHIP), TITLE_MAX },
	[K_REG_DONE] = { "register", "done", PH(P_TOWNSHIP) | PH(P_VILLAGE), END_MAX },
	[K_REG_NONE] = { "register", "none", 0, SCREEN_TEXT_MAX },
};

/* The hints a screen may be shown again with (the room above every screen is theirs). */
static const enum key hint_keys[] = { K_NAV_INVALID, K_NAV_NO_MORE, K_ASK_EMPTY,
    K_ASK_TOO_LONG, K_SUB_ADDED, K_SUB_REMOVED };

static int
placeholder_find(const char *name, size_t len)
{
	int i;

	for (i = 0; i < P_COUNT; i++) {
		if (strlen(placeholders[i].name) == len && memcmp(placeholders[i].name, name, len) == 0)
			return i;
	}
	return -1;
}

/*
 * Check a text's {…} against what key k allows and measure it. Returns the width in
 * characters, or -1 with a reason in err.
 */
static int
text_measure(enum key k, const char *text, char *err, size_t errlen)
{
	const char *p = text, *close;
	int width = 0, ph, i;
	char allowed[128];
	size_t used = 0;

	while (*p) {
		if (*p != '{') {
			width++;
			p = utf8_skip(p, 1);
			continue;
		}
		close = strchr(p, '}');
		ph = close ? placeholder_find(p + 1, (size_t)(close - p - 1)) : -1;
		if (ph < 0 || !(keys[k].allowed & PH(ph))) {
			allowed[0] = '\0';
			for (i = 0; i < P_COUNT; i++) {
				if (keys[k].allowed & PH(i))
					used += (size_t)snprintf(allowed + used, sizeof(allowed) - used,
					    "%s{%s}", used ? ", " : "", placeholders[i].name);
			}
			if (close == NULL)
				snprintf(err, errlen, "a \"{\" without \"}\"");
			else
				snprintf(err, errlen, "%.*s cannot be used here (%s%s)",
				    (int)(close - p + 1) > 40 ? 40 : (int)(close - p + 1), p,
				    used ? "it may hold " : "it holds no {…}", allowed);
			return -1;
		}
		width += placeholders[ph].max;
		p = close + 1;
	}
	return width;
}

static int
menu_handler(void *user, const char *section, const char *name, const char *value, int line,
    char *err, size_t errlen)
{
	struct ussd_menu *m = user;
	struct buf b = BUF_INIT;
	int k, known_section = 0, width, rc = -1;
	const char *p;
	char why[200];

	for (k = 0; k < K_COUNT; k++) {
		if (strcmp(keys[k].section, section) != 0)
			continue;
		known_section = 1;
		if (strcmp(keys[k].name, name) == 0)
			break;
	}
	if (k == K_COUNT && known_section) {
		snprintf(err, errlen, "[%s] %s: unknown key", section, name);
		goto out;
	}
	if (k == K_COUNT) {
		snprintf(err, errlen, "[%s] %s: unknown section [%s]", section, name, section);
		goto out;
	}
	if (m->text[k]) {
		snprintf(err, errlen, "[%s] %s: given twice (first on line %d); a text is one line",
		    section, name, m->line[k]);
		goto out;
	}
	if (*value == '\0' || !utf8_valid(value, strlen(value))) {
		snprintf(err, errlen, "[%s] %s: %s", section, name, *value ? "not valid UTF-8" :
		    "empty");
		goto out;
	}
	for (p = value; *p; p++) {
		if (p[0] == '\\' && p[1] == 'n') {
			buf_str(&b, "\n");
			p++;
		} else {
			buf_add(&b, p, 1);
		}
	}
	width = text_measure((enum key)k, b.p, why, sizeof(why));
	if (width < 0) {
		snprintf(err, errlen, "[%s] %s: %s", section, name, why);
		goto out;
	}
	if (width > keys[k].max) {
		snprintf(err, errlen, "[%s] %s: %d characters (each {…} counted at its longest), at "
		    "most %d", section, name, width, keys[k].max);
		goto out;
	}
	m->text[k] = buf_take(&b);
	m->width[k] = width;
	m->line[k] = line;
	rc = 0;
out:
	free(b.p);
	return rc;
}

/*
 * Read the menu file at path: every key of the table, once, each within its limit. Returns 0
 * with *out set (the caller frees it with gw_ussd_menu_free), or -1 with "path:line: [section]
 * key: reason" (or "path: [section] key: missing") in err and *out NULL.
 */
int
gw_ussd_menu_load(const char *path, struct ussd_menu **out, char *err, size_t errlen)
{
	struct ussd_menu *m;
	size_t i;
	int k, rc = -1;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (inifile_parse(path, menu_handler, m, err, errlen) != 0)
		goto out;
	for (k = 0; k < K_COUNT; k++) {
		if (m->text[k] == NULL) {
			snprintf(err, errlen, "%s: [%s] %s: missing", path, keys[k].section,
			    keys[k].name);
			goto out;
		}
	}
	for (i = 0; i < sizeof(hint_keys) / sizeof(hint_keys[0]); i++) {
		if (m->width[hint_keys[i]] + 1 > m->hint_line)
			m->hint_line = m->width[hint_keys[i]] + 1;
	}
	m->footer = m->width[K_NAV_MORE] + 1 + m->width[K_NAV_BACK];
	*out = m;
	m = NULL;
	rc = 0;
out:
	gw_ussd_menu_free(m);
	return rc;
}

void
gw_ussd_menu_free(struct ussd_menu *m)
{
	int k;

	if (m == NULL)
		return;
	for (k = 0; k < K_COUNT; k++)
		free(m->text[k]);
	free(m);
}

void
gw_ussd_expand(struct buf *b, const struct ussd_menu *m, enum key k, const struct vars *v)
{
	const char *p = m->text[k], *close, *val;
	char num[24];
	int ph;

	while (*p) {
		if (*p != '{' || (close = strchr(p, '}')) == NULL ||
		    (ph = placeholder_find(p + 1, (size_t)(close - p - 1))) < 0) {
			buf_add(b, p, 1);
			p++;
			continue;
		}
		val = "";
		switch ((enum ph)ph) {
		case P_TICKET:
			snprintf(num, sizeof(num), "%" PRId64, v->ticket);
			val = num;
			break;
		case P_RATING:
			snprintf(num, sizeof(num), "%d", v->rating);
			val = num;
			break;
		case P_CATEGORY: val = v->category; break;
		case P_STATUS: val = v->status; break;
		case P_QUESTION: val = v->question; break;
		case P_ANSWER: val = v->answer; break;
		case P_EXPERT: val = v->expert; break;
		case P_TOWNSHIP: val = v->township; break;
		case P_VILLAGE: val = v->village; break;
		case P_COUNT: break;
		}
		buf_ellipsized(b, val ? val : "", placeholders[ph].max);
		p = close + 1;
	}
}

char *
gw_ussd_expand_dup(const struct ussd_menu *m, enum key k, const struct vars *v)
{
	struct buf b = BUF_INIT;

	gw_ussd_expand(&b, m, k, v);
	return buf_take(&b);
}
