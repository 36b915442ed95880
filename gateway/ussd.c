/*
 * The USSD menu: Africa's Talking's steps parsed and checked, the menu texts read from
 * config/ussd.conf, and the screens. Each step carries every input of the session joined by
 * "*"; the screen is worked out by walking those inputs from the main menu, and only the last
 * one acts. Nothing is kept between steps but the screens given (ussd_steps): a step sent
 * again gets its screen back, and they tell where a question typed with a "*" in it ends.
 *
 *   main ─1 提问──── categories (paged) ─n─ type the question ─── END ticket
 *        ─2 我的问题─ last three ─n─ the answer (paged)
 *        ─3 评价──── 1–5 ─── END thanks
 *        ─4 订阅──── categories (paged) ─n─ subscribed / taken back, same list
 *        ─5 登记──── townships (paged) ─n─ villages (paged) ─n─ END registered
 *   0 more, 00 back (a page, then a screen); anything else shows the screen again with a hint.
 */
#include "gateway/ussd.h"

#include "common/config.h"
#include "common/inifile.h"
#include "common/log.h"
#include "consult/ussd.h"
#include "gateway/sms.h"
#include "routing/classify.h"
#include "store/store_ussd.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORM "application/x-www-form-urlencoded"
#define SESSION_MAX 128		/* bytes of a sessionId */
#define SERVICE_CODE_MAX 32	/* bytes of a serviceCode */
#define PREFIX_CHARS 4		/* "CON " or "END " */
#define ITEM_MAX_CHARS 30	/* of one numbered choice */
#define MIN_QUESTION_CHARS 2

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

enum key {
	K_MAIN_TITLE, K_MAIN_ASK, K_MAIN_MINE, K_MAIN_RATE, K_MAIN_SUBSCRIBE, K_MAIN_REGISTER,
	K_NAV_MORE, K_NAV_BACK, K_NAV_INVALID, K_NAV_NO_MORE, K_NAV_ENDED, K_NAV_SESSION,
	K_NAV_BUSY, K_ASK_CHOOSE, K_ASK_PROMPT, K_ASK_EMPTY, K_ASK_TOO_LONG, K_ASK_DONE,
	K_MINE_TITLE, K_MINE_NONE, K_MINE_ITEM, K_MINE_QUEUED, K_MINE_ASSIGNED, K_MINE_ANSWERED,
	K_MINE_CLOSED, K_MINE_ANSWER, K_MINE_PENDING,
	K_RATE_PROMPT, K_RATE_NONE, K_RATE_DONE, K_RATE_LOW,
	K_SUB_TITLE, K_SUB_MARK, K_SUB_ADDED, K_SUB_REMOVED,
	K_REG_TOWNSHIP, K_REG_VILLAGE, K_REG_DONE, K_REG_NONE,
	K_COUNT
};

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

struct ussd_menu {
	char *text[K_COUNT];
	int width[K_COUNT];	/* characters, {…} at their longest */
	int line[K_COUNT];
	int hint_line;		/* characters the longest hint takes, with its new line */
	int footer;		/* characters of "0 更多 00 返回" */
};

/* A growing string; running out of memory aborts, as everywhere in the gateway. */
struct buf {
	char *p;
	size_t len, cap;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (b->p == NULL)
			abort();
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void FL_PRINTF(2, 3)
buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	buf_add(b, tmp, n < 0 ? 0 : (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* The caller's string (never NULL). */
static char *
buf_take(struct buf *b)
{
	char *p = b->p;

	if (p == NULL)
		p = gw_strdup("");
	memset(b, 0, sizeof(*b));
	return p;
}

/* The start of the character after the first n characters of s (valid UTF-8). */
static const char *
utf8_skip(const char *s, int n)
{
	while (*s && n > 0) {
		s++;
		while (((unsigned char)*s & 0xc0) == 0x80)
			s++;
		n--;
	}
	return s;
}

/* s cut to at most max characters, "…" ending what was cut (max 0: not cut). */
static void
buf_ellipsized(struct buf *b, const char *s, int max)
{
	if (max <= 0 || sms_utf8_chars(s) <= max) {
		buf_str(b, s);
		return;
	}
	buf_add(b, s, (size_t)(utf8_skip(s, max - 1) - s));
	buf_str(b, "…");
}

/* Menu file. */

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
	struct buf b = { NULL, 0, 0 };
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
	if (*value == '\0' || !sms_utf8_valid(value, strlen(value))) {
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

/* A text of the menu with its {…} filled in, each cut to its longest. */
struct vars {
	int64_t ticket;
	const char *category, *status, *question, *answer, *expert, *township, *village;
	int rating;
};

static void
expand(struct buf *b, const struct ussd_menu *m, enum key k, const struct vars *v)
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

static char *
expand_dup(const struct ussd_menu *m, enum key k, const struct vars *v)
{
	struct buf b = { NULL, 0, 0 };

	expand(&b, m, k, v);
	return buf_take(&b);
}

/* Parsing a step. */

static int
printable_ascii(const char *s)
{
	for (; *s; s++) {
		if (*s <= ' ' || *s > '~')
			return 0;
	}
	return 1;
}

/* Text a person typed: no control characters but tab and line ends. */
static int
no_controls(const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') || ch == 0x7f)
			return 0;
	}
	return 1;
}

/*
 * The fields of a form: present, no NUL inside, within max bytes. Returns the value, or NULL
 * with a reason.
 */
static const char *
form_field(const struct gw_kv *kv, int n, const char *key, size_t max, char *reason,
    size_t rlen)
{
	const struct gw_kv *f = gw_kv_find(kv, n, key);

	if (f == NULL) {
		snprintf(reason, rlen, "%s is missing", key);
		return NULL;
	}
	if (f->vlen != strlen(f->value)) {
		snprintf(reason, rlen, "%s holds a NUL byte", key);
		return NULL;
	}
	if (f->vlen > max) {
		snprintf(reason, rlen, "%s is longer than %zu bytes", key, max);
		return NULL;
	}
	if (!sms_utf8_valid(f->value, f->vlen)) {
		snprintf(reason, rlen, "%s is not valid UTF-8", key);
		return NULL;
	}
	return f->value;
}

int
gw_ussd_parse(const struct gw_req *r, struct ussd_in *out, char *reason, size_t rlen)
{
	struct gw_kv kv[WEBHOOK_MAX_FIELDS];
	const char *session, *code, *phone, *text;
	int n, status = 400;

	memset(out, 0, sizeof(*out));
	if (!gw_req_is(r, FORM)) {
		snprintf(reason, rlen, "Africa's Talking posts " FORM);
		return 415;
	}
	n = gw_form_parse(r->body ? r->body : "", r->len, kv, WEBHOOK_MAX_FIELDS, reason, rlen);
	if (n < 0)
		return 400;
	if ((session = form_field(kv, n, "sessionId", SESSION_MAX, reason, rlen)) == NULL ||
	    (code = form_field(kv, n, "serviceCode", SERVICE_CODE_MAX, reason, rlen)) == NULL ||
	    (phone = form_field(kv, n, "phoneNumber", PHONE_MAX * 2, reason, rlen)) == NULL ||
	    (text = form_field(kv, n, "text", USSD_MAX_TEXT, reason, rlen)) == NULL)
		goto out;
	if (*session == '\0' || !printable_ascii(session)) {
		snprintf(reason, rlen, "sessionId must be 1 to %d printable ASCII characters",
		    SESSION_MAX);
		goto out;
	}
	if (*code == '\0' || !printable_ascii(code)) {
		snprintf(reason, rlen, "serviceCode must be 1 to %d printable ASCII characters",
		    SERVICE_CODE_MAX);
		goto out;
	}
	if (phone_normalize(phone, out->phone, sizeof(out->phone)) != 0) {
		snprintf(reason, rlen, "phoneNumber is not a phone number");
		goto out;
	}
	if (!no_controls(text)) {
		snprintf(reason, rlen, "text holds control characters");
		goto out;
	}
	out->session = gw_strdup(session);
	out->service_code = gw_strdup(code);
	out->text = gw_strdup(text);
	status = 0;
out:
	if (status)
		memset(out->phone, 0, sizeof(out->phone));
	gw_kv_free(kv, n);
	return status;
}

void
gw_ussd_free(struct ussd_in *u)
{
	free(u->session);
	free(u->service_code);
	free(u->text);
	memset(u, 0, sizeof(*u));
}

/* Screens. */

enum screen { SC_MAIN, SC_ASK_CAT, SC_ASK_TEXT, SC_MINE, SC_VIEW, SC_RATE, SC_SUB, SC_TOWN,
    SC_VILLAGE, SC_INFO, SC_END };

/* Where a walk through the inputs has got to. */
struct state {
	enum screen sc;
	int page;
	int sel;		/* ASK_TEXT: the category; VIEW: the question; VILLAGE: township */
	enum key info;		/* SC_INFO: the message */
	enum key hint;		/* K_COUNT: none */
	int hint_arg;		/* the category a subscribe hint names */
};

/* One step being answered: what it reads, loaded once. */
struct step {
	struct consult *c;
	const struct ussd_menu *m;
	const struct ussd_in *in;
	int64_t now;
	const struct route_rules *rules;
	const struct config_township *towns;
	int ntowns;
	int recent_loaded;
	struct consult_ussd_item recent[CONSULT_USSD_RECENT];
	int nrecent;
	int rate_loaded;
	int64_t rate_ticket;
	char *rate_expert;
	char *end;		/* the END screen an action produced */
};

/* A numbered list: its title and choices. */
struct list {
	char *title;
	char **items;		/* as shown, before a mark */
	int n;
	int mark;		/* characters kept for a mark after each choice */
	int *starts;		/* page p shows items starts[p] .. starts[p + 1] - 1 */
	int npages;
};

static void
list_free(struct list *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	free(l->title);
	free(l->starts);
	memset(l, 0, sizeof(*l));
}

static void
list_add(struct list *l, const char *text, size_t len, int max)
{
	struct buf b = { NULL, 0, 0 };
	char *copy = malloc(len + 1);

	if (copy == NULL)
		abort();
	memcpy(copy, text, len);
	copy[len] = '\0';
	buf_ellipsized(&b, copy, max);
	free(copy);
	l->items = realloc(l->items, (size_t)(l->n + 1) * sizeof(*l->items));
	if (l->items == NULL)
		abort();
	l->items[l->n++] = buf_take(&b);
}

static int
digits(int n)
{
	int d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/* Cut the list into pages that fit a screen with a hint above and "0 更多 00 返回" below. */
static void
list_layout(const struct ussd_menu *m, struct list *l)
{
	int room = USSD_MAX_SCREEN - PREFIX_CHARS - m->hint_line - sms_utf8_chars(l->title) - 1 -
	    m->footer, used = 0, i;

	l->starts = calloc((size_t)l->n + 2, sizeof(*l->starts));
	if (l->starts == NULL)
		abort();
	l->npages = 1;
	for (i = 0; i < l->n; i++) {
		int cost = 1 + digits(i + 1) + 1 + sms_utf8_chars(l->items[i]) + l->mark;

		if (used > 0 && used + cost > room) {
			l->starts[l->npages++] = i;
			used = 0;
		}
		used += cost;
	}
	l->starts[l->npages] = l->n;
}

static int
list_page_of(const struct list *l, int item)
{
	int p;

	for (p = 0; p + 1 < l->npages && l->starts[p + 1] <= item; p++)
		;
	return p;
}

/* The villages a township lists, as a list's choices of at most max characters (0: whole). */
static void
villages_add(struct list *l, const char *villages, int max)
{
	const char *p = villages;

	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		while (len > 0 && *p == ' ')
			p++, len--;
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len > 0)
			list_add(l, p, len, max);
		if (comma == NULL)
			break;
		p = comma + 1;
	}
}

/* Village i of a township's list, whole (caller frees). */
static char *
village_dup(const char *villages, int i)
{
	struct list l;
	char *name;

	memset(&l, 0, sizeof(l));
	villages_add(&l, villages, 0);
	name = gw_strdup(i >= 0 && i < l.n ? l.items[i] : "");
	list_free(&l);
	return name;
}

static enum store_rc
load_recent(struct step *sp)
{
	enum store_rc rc;

	if (sp->recent_loaded)
		return STORE_OK;
	rc = consult_ussd_recent(sp->c, sp->in->phone, sp->recent, CONSULT_USSD_RECENT,
	    &sp->nrecent);
	sp->recent_loaded = 1;
	return rc;
}

static enum store_rc
load_rateable(struct step *sp)
{
	enum store_rc rc;

	if (sp->rate_loaded)
		return STORE_OK;
	rc = consult_ussd_rateable(sp->c, sp->in->phone, &sp->rate_ticket, &sp->rate_expert);
	sp->rate_loaded = 1;
	return rc;
}

static const char *
status_word(const struct ussd_menu *m, enum consult_status st)
{
	switch (st) {
	case CS_QUEUED:
		return m->text[K_MINE_QUEUED];
	case CS_ASSIGNED:
		return m->text[K_MINE_ASSIGNED];
	case CS_ANSWERED:
		return m->text[K_MINE_ANSWERED];
	default:
		return m->text[K_MINE_CLOSED];
	}
}

/* The list screen sc shows (sel: the township for villages). */
static enum store_rc
list_build(struct step *sp, enum screen sc, int sel, struct list *l)
{
	const struct ussd_menu *m = sp->m;
	struct vars v;
	enum store_rc rc = STORE_OK;
	char *item;
	int i;

	memset(l, 0, sizeof(*l));
	memset(&v, 0, sizeof(v));
	switch (sc) {
	case SC_ASK_CAT:
	case SC_SUB:
		l->title = gw_strdup(m->text[sc == SC_SUB ? K_SUB_TITLE : K_ASK_CHOOSE]);
		l->mark = sc == SC_SUB ? m->width[K_SUB_MARK] : 0;
		for (i = 0; i < route_rules_count(sp->rules); i++) {
			const char *name = route_rules_category(sp->rules, i)->name;

			list_add(l, name, strlen(name), ITEM_MAX_CHARS - l->mark);
		}
		break;
	case SC_MINE:
		l->title = gw_strdup(m->text[K_MINE_TITLE]);
		rc = load_recent(sp);
		for (i = 0; rc == STORE_OK && i < sp->nrecent; i++) {
			v.ticket = sp->recent[i].ticket;
			v.category = sp->recent[i].category;
			v.status = status_word(m, sp->recent[i].status);
			v.question = sp->recent[i].question;
			item = expand_dup(m, K_MINE_ITEM, &v);
			list_add(l, item, strlen(item), ITEM_MAX_CHARS);
			free(item);
		}
		break;
	case SC_TOWN:
		l->title = gw_strdup(m->text[K_REG_TOWNSHIP]);
		for (i = 0; i < sp->ntowns; i++)
			list_add(l, sp->towns[i].name, strlen(sp->towns[i].name), ITEM_MAX_CHARS);
		break;
	case SC_VILLAGE:
		v.township = sp->towns[sel].name;
		l->title = expand_dup(m, K_REG_VILLAGE, &v);
		villages_add(l, sp->towns[sel].villages, ITEM_MAX_CHARS);
		break;
	default:
		l->title = gw_strdup("");
		break;
	}
	list_layout(m, l);
	return rc;
}

static int
is_list(enum screen sc)
{
	return sc == SC_ASK_CAT || sc == SC_MINE || sc == SC_SUB || sc == SC_TOWN ||
	    sc == SC_VILLAGE;
}

/* The long text of 我的问题 → one question: its answer, or where it stands. */
static enum store_rc
view_text(struct step *sp, int sel, char **text)
{
	const struct consult_ussd_item *it;
	struct vars v;
	enum store_rc rc;

	*text = NULL;
	rc = load_recent(sp);
	if (rc)
		return rc;
	memset(&v, 0, sizeof(v));
	if (sel < 0 || sel >= sp->nrecent) {
		*text = gw_strdup("");
		return STORE_OK;
	}
	it = &sp->recent[sel];
	v.ticket = it->ticket;
	v.category = it->category;
	v.status = status_word(sp->m, it->status);
	v.question = it->question;
	v.answer = it->answer;
	v.expert = it->expert ? it->expert : "";
	*text = expand_dup(sp->m, it->answer ? K_MINE_ANSWER : K_MINE_PENDING, &v);
	return STORE_OK;
}

/* Characters of a long text one page holds. */
static int
view_room(const struct ussd_menu *m)
{
	return USSD_MAX_SCREEN - PREFIX_CHARS - m->hint_line - 1 - m->footer;
}

static int
view_pages(const struct ussd_menu *m, const char *text)
{
	int chars = sms_utf8_chars(text), room = view_room(m);

	return chars == 0 ? 1 : (chars + room - 1) / room;
}

/* "1", "12": a choice; -1 for anything else. */
static int
choice(const char *tok)
{
	int n = 0;
	const char *p;

	if (*tok == '\0' || strlen(tok) > 4)
		return -1;
	for (p = tok; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		n = n * 10 + (*p - '0');
	}
	return n;
}

static void
go(struct state *st, enum screen sc, int page, int sel)
{
	st->sc = sc;
	st->page = page;
	st->sel = sel;
}

/* "00" on the first page of a screen: the screen it came from. */
static enum store_rc
go_back(struct step *sp, struct state *st)
{
	struct list l;
	enum store_rc rc = STORE_OK;

	switch (st->sc) {
	case SC_ASK_TEXT:
		rc = list_build(sp, SC_ASK_CAT, 0, &l);
		go(st, SC_ASK_CAT, list_page_of(&l, st->sel), 0);
		list_free(&l);
		break;
	case SC_VIEW:
		go(st, SC_MINE, 0, 0);
		break;
	case SC_VILLAGE:
		rc = list_build(sp, SC_TOWN, 0, &l);
		go(st, SC_TOWN, list_page_of(&l, st->sel), 0);
		list_free(&l);
		break;
	default:
		go(st, SC_MAIN, 0, 0);
		break;
	}
	return rc;
}

/* The main menu's choice n. */
static enum store_rc
main_choice(struct step *sp, struct state *st, int n)
{
	enum store_rc rc = STORE_OK;

	switch (n) {
	case 1:
		go(st, SC_ASK_CAT, 0, 0);
		break;
	case 2:
		rc = load_recent(sp);
		go(st, sp->nrecent ? SC_MINE : SC_INFO, 0, 0);
		st->info = K_MINE_NONE;
		break;
	case 3:
		rc = load_rateable(sp);
		go(st, sp->rate_ticket ? SC_RATE : SC_INFO, 0, 0);
		st->info = K_RATE_NONE;
		break;
	case 4:
		go(st, SC_SUB, 0, 0);
		break;
	case 5:
		go(st, sp->ntowns ? SC_TOWN : SC_INFO, 0, 0);
		st->info = K_REG_NONE;
		break;
	default:
		st->hint = K_NAV_INVALID;
		break;
	}
	return rc;
}

static enum store_rc
end_register(struct step *sp, struct state *st, int town, const char *village, int act)
{
	struct vars v;
	enum store_rc rc = STORE_OK;

	go(st, SC_END, 0, 0);
	if (!act)
		return STORE_OK;
	rc = consult_ussd_register(sp->c, sp->in->phone, sp->towns[town].name, village, sp->now);
	if (rc == STORE_OK) {
		memset(&v, 0, sizeof(v));
		v.township = sp->towns[town].name;
		v.village = village ? village : "";
		sp->end = expand_dup(sp->m, K_REG_DONE, &v);
	}
	return rc;
}

/* Choice i (0-based) of list screen st. */
static enum store_rc
list_choice(struct step *sp, struct state *st, int i, int act)
{
	const struct route_category *cat;
	char *village;
	struct list l;
	enum store_rc rc = STORE_OK;
	int subscribed = 0;

	switch (st->sc) {
	case SC_ASK_CAT:
		go(st, SC_ASK_TEXT, 0, i);
		break;
	case SC_MINE:
		go(st, SC_VIEW, 0, i);
		break;
	case SC_SUB:
		cat = route_rules_category(sp->rules, i);
		if (act)
			rc = consult_ussd_toggle(sp->c, sp->in->phone, cat->code, sp->now,
			    &subscribed);
		st->hint = subscribed ? K_SUB_ADDED : K_SUB_REMOVED;
		st->hint_arg = i;
		break;
	case SC_TOWN:
		memset(&l, 0, sizeof(l));
		villages_add(&l, sp->towns[i].villages, ITEM_MAX_CHARS);
		if (l.n > 0)
			go(st, SC_VILLAGE, 0, i);
		else
			rc = end_register(sp, st, i, NULL, act);
		list_free(&l);
		break;
	case SC_VILLAGE:
		village = village_dup(sp->towns[st->sel].villages, i);
		rc = end_register(sp, st, st->sel, village, act);
		free(village);
		break;
	default:
		break;
	}
	return rc;
}

/* Trim spaces, tabs and line ends at both ends, in place. */
static char *
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
	    s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

static enum store_rc
ask(struct step *sp, struct state *st, const char *question, int act)
{
	const struct route_category *cat = route_rules_category(sp->rules, st->sel);
	int chars = sms_utf8_chars(question);
	int64_t ticket = 0;
	struct vars v;
	enum store_rc rc = STORE_OK;

	if (chars < MIN_QUESTION_CHARS) {
		st->hint = K_ASK_EMPTY;
		return STORE_OK;
	}
	if (chars > USSD_MAX_QUESTION) {
		st->hint = K_ASK_TOO_LONG;
		return STORE_OK;
	}
	go(st, SC_END, 0, 0);
	if (!act)
		return STORE_OK;
	rc = consult_ussd_ask(sp->c, sp->in->phone, sp->in->service_code, cat->code, question,
	    sp->now, &ticket);
	if (rc == STORE_OK) {
		memset(&v, 0, sizeof(v));
		v.ticket = ticket;
		v.category = cat->name;
		sp->end = expand_dup(sp->m, K_ASK_DONE, &v);
	}
	return rc;
}

static enum store_rc
rate(struct step *sp, struct state *st, int rating, int act)
{
	int64_t ticket = 0;
	struct vars v;
	enum store_rc rc;
	int low = 0;

	go(st, SC_END, 0, 0);
	if (!act)
		return STORE_OK;
	rc = consult_ussd_rate(sp->c, sp->in->phone, rating, sp->now, &ticket, &low);
	if (rc == STORE_OK) {
		memset(&v, 0, sizeof(v));
		v.ticket = ticket;
		v.rating = rating;
		sp->end = expand_dup(sp->m, ticket == 0 ? K_RATE_NONE : low ? K_RATE_LOW :
		    K_RATE_DONE, &v);
	}
	return rc;
}

/* One input on screen st; act is set for the step's own input (the earlier ones only move). */
static enum store_rc
input(struct step *sp, struct state *st, char *raw, int act)
{
	char *tok = trim(raw);
	struct list l;
	char *text = NULL;
	enum store_rc rc = STORE_OK;
	int n, more = strcmp(tok, "0") == 0, back = strcmp(tok, "00") == 0, npages = 1;

	st->hint = K_COUNT;
	if (st->sc == SC_END)
		return STORE_OK;
	if (st->sc == SC_ASK_TEXT && !back)
		return ask(sp, st, tok, act);

	memset(&l, 0, sizeof(l));
	if (is_list(st->sc)) {
		rc = list_build(sp, st->sc, st->sel, &l);
		npages = l.npages;
	} else if (st->sc == SC_VIEW) {
		rc = view_text(sp, st->sel, &text);
		npages = text ? view_pages(sp->m, text) : 1;
	}
	if (rc)
		goto out;

	n = choice(tok);
	if (more && (is_list(st->sc) || st->sc == SC_VIEW)) {
		if (st->page + 1 < npages)
			st->page++;
		else
			st->hint = K_NAV_NO_MORE;
	} else if (back && st->page > 0) {
		st->page--;
	} else if (back) {
		rc = go_back(sp, st);
	} else if (st->sc == SC_MAIN) {
		rc = main_choice(sp, st, n);
	} else if (is_list(st->sc) && n >= 1 && n <= l.n) {
		rc = list_choice(sp, st, n - 1, act);
	} else if (st->sc == SC_RATE && n >= 1 && n <= 5) {
		rc = rate(sp, st, n, act);
	} else {
		st->hint = K_NAV_INVALID;
	}
out:
	list_free(&l);
	free(text);
	return rc;
}

/* The hint line above a screen shown again, if any. */
static void
render_hint(struct step *sp, const struct state *st, struct buf *b)
{
	struct vars v;

	if (st->hint == K_COUNT)
		return;
	memset(&v, 0, sizeof(v));
	if (st->hint == K_SUB_ADDED || st->hint == K_SUB_REMOVED)
		v.category = route_rules_category(sp->rules, st->hint_arg)->name;
	expand(b, sp->m, st->hint, &v);
	buf_str(b, "\n");
}

static void
render_footer(const struct ussd_menu *m, struct buf *b, int has_more)
{
	buf_str(b, "\n");
	if (has_more) {
		buf_str(b, m->text[K_NAV_MORE]);
		buf_str(b, " ");
	}
	buf_str(b, m->text[K_NAV_BACK]);
}

static enum store_rc
render_list(struct step *sp, const struct state *st, struct buf *b)
{
	unsigned char *on = NULL;
	struct list l;
	enum store_rc rc;
	int page, i;

	rc = list_build(sp, st->sc, st->sel, &l);
	if (rc == STORE_OK && st->sc == SC_SUB) {
		on = calloc((size_t)route_rules_count(sp->rules) + 1, 1);
		if (on == NULL)
			abort();
		rc = consult_ussd_subscribed(sp->c, sp->in->phone, on);
	}
	if (rc)
		goto out;
	page = st->page < l.npages ? st->page : l.npages - 1;
	buf_str(b, l.title);
	for (i = l.starts[page]; i < l.starts[page + 1]; i++) {
		buf_printf(b, "\n%d ", i + 1);
		buf_str(b, l.items[i]);
		if (on && on[i])
			buf_str(b, sp->m->text[K_SUB_MARK]);
	}
	render_footer(sp->m, b, page + 1 < l.npages);
out:
	free(on);
	list_free(&l);
	return rc;
}

static enum store_rc
render_view(struct step *sp, const struct state *st, struct buf *b)
{
	char *text = NULL;
	const char *from;
	enum store_rc rc;
	int room = view_room(sp->m), pages;

	rc = view_text(sp, st->sel, &text);
	if (rc)
		return rc;
	pages = view_pages(sp->m, text);
	from = utf8_skip(text, (st->page < pages ? st->page : pages - 1) * room);
	buf_add(b, from, (size_t)(utf8_skip(from, room) - from));
	render_footer(sp->m, b, st->page + 1 < pages);
	free(text);
	return STORE_OK;
}

/* The screen for st, "CON …" or "END …", into b. */
static enum store_rc
render(struct step *sp, const struct state *st, struct buf *b)
{
	const struct ussd_menu *m = sp->m;
	const struct route_category *cat;
	struct vars v;
	enum store_rc rc = STORE_OK;
	int i;

	if (st->sc == SC_END) {
		buf_str(b, "END ");
		buf_str(b, sp->end ? sp->end : m->text[K_NAV_ENDED]);
		return STORE_OK;
	}
	buf_str(b, "CON ");
	render_hint(sp, st, b);
	memset(&v, 0, sizeof(v));
	switch (st->sc) {
	case SC_MAIN:
		buf_str(b, m->text[K_MAIN_TITLE]);
		for (i = 0; i < 5; i++) {
			buf_printf(b, "\n%d ", i + 1);
			buf_str(b, m->text[K_MAIN_ASK + i]);
		}
		break;
	case SC_ASK_TEXT:
		cat = route_rules_category(sp->rules, st->sel);
		v.category = cat->name;
		expand(b, m, K_ASK_PROMPT, &v);
		render_footer(m, b, 0);
		break;
	case SC_RATE:
		rc = load_rateable(sp);
		v.ticket = sp->rate_ticket;
		v.expert = sp->rate_expert ? sp->rate_expert : "";
		expand(b, m, K_RATE_PROMPT, &v);
		render_footer(m, b, 0);
		break;
	case SC_INFO:
		buf_str(b, m->text[st->info]);
		render_footer(m, b, 0);
		break;
	case SC_VIEW:
		rc = render_view(sp, st, b);
		break;
	default:
		rc = render_list(sp, st, b);
		break;
	}
	return rc;
}

/* Never more than a screen, whatever happened: cut with "…" (and say so: it is a bug). */
static char *
screen_fit(char *screen)
{
	struct buf b = { NULL, 0, 0 };

	if (sms_utf8_chars(screen) <= USSD_MAX_SCREEN)
		return screen;
	log_warnx("ussd: a screen of %d characters was cut to %d", sms_utf8_chars(screen),
	    USSD_MAX_SCREEN);
	buf_ellipsized(&b, screen, USSD_MAX_SCREEN);
	free(screen);
	return buf_take(&b);
}

/*
 * Where the question typed on the question screen ends, in the rest of the text from p: at the
 * first "*" that ended an earlier step of the session (the question was refused, the screen
 * shown again, and the farmer typed on; or 00 went back), or nowhere: then everything left is
 * the question, "*" and all. *end is that "*", or NULL.
 */
static enum store_rc
question_end(struct step *sp, const char *p, const char **end)
{
	const char *star;
	char *prefix, *screen = NULL;
	enum store_rc rc = STORE_NOTFOUND;

	*end = NULL;
	if (strncmp(p, "00*", 3) == 0) {
		*end = p + 2;	/* back, even if that step never reached us: no question says "00" */
		return STORE_OK;
	}
	for (star = strchr(p, '*'); star && rc == STORE_NOTFOUND; star = strchr(star + 1, '*')) {
		prefix = strndup(sp->in->text, (size_t)(star - sp->in->text));
		if (prefix == NULL)
			abort();
		rc = store_ussd_get(consult_ussd_store(sp->c), sp->in->session, prefix, &screen);
		free(prefix);
		free(screen);
		screen = NULL;
		if (rc == STORE_OK)
			*end = star;
	}
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

/*
 * Walk the session's inputs from the main menu. Inputs are split at "*", except on the
 * question screen (see question_end).
 */
static enum store_rc
walk(struct step *sp, struct state *st)
{
	const char *p = sp->in->text, *star = NULL;
	char *tok;
	size_t len;
	int more = *p != '\0';
	enum store_rc rc = STORE_OK;

	memset(st, 0, sizeof(*st));
	st->sc = SC_MAIN;
	st->hint = K_COUNT;
	while (rc == STORE_OK && more) {
		if (st->sc == SC_ASK_TEXT)
			rc = question_end(sp, p, &star);
		else
			star = strchr(p, '*');
		if (rc)
			break;
		len = star ? (size_t)(star - p) : strlen(p);
		more = star != NULL;
		tok = malloc(len + 1);
		if (tok == NULL)
			abort();
		memcpy(tok, p, len);
		tok[len] = '\0';
		rc = input(sp, st, tok, !more);
		free(tok);
		if (more)
			p = star + 1;
	}
	return rc;
}

enum store_rc
gw_ussd_step(struct consult *c, const struct ussd_menu *m, const struct ussd_in *in,
    int64_t now, char **reply)
{
	struct store *s = consult_ussd_store(c);
	struct step sp;
	struct state st;
	struct buf b = { NULL, 0, 0 };
	char phone[STORE_PHONE_MAX], *screen = NULL;
	enum store_rc rc;
	int over = 0;

	*reply = NULL;
	memset(&sp, 0, sizeof(sp));
	sp.c = c;
	sp.m = m;
	sp.in = in;
	sp.now = now;
	sp.rules = consult_ussd_rules(c);
	consult_ussd_townships(c, &sp.towns, &sp.ntowns);

	/* A session is one phone's: another number cannot see or continue it. */
	rc = store_ussd_session_phone(s, in->session, phone, sizeof(phone));
	if (rc == STORE_OK && strcmp(phone, in->phone) != 0) {
		log_warnx("ussd: session %.40s sent from a second phone number", in->session);
		buf_str(&b, "END ");
		buf_str(&b, m->text[K_NAV_SESSION]);
		screen = buf_take(&b);
		goto out;
	}
	if (rc == STORE_OK || rc == STORE_NOTFOUND)
		rc = store_ussd_get(s, in->session, in->text, &screen);
	if (rc != STORE_NOTFOUND)
		goto out;	/* the same step again: the same screen, nothing done twice */
	/* Past loop_limit steps this hour: a short END, nothing done, nothing stored. */
	rc = consult_ussd_over_limit(c, in->phone, now, &over);
	if (rc == STORE_OK && over) {
		log_warnx("ussd: a number past its steps for the hour ([consult] loop_limit): "
		    "told to try later");
		buf_str(&b, "END ");
		buf_str(&b, m->text[K_NAV_BUSY]);
		screen = buf_take(&b);
		goto out;
	}
	if (rc)
		goto out;

	rc = walk(&sp, &st);
	if (rc == STORE_OK)
		rc = render(&sp, &st, &b);
	if (rc)
		goto out;
	screen = screen_fit(buf_take(&b));
	rc = store_ussd_put(s, in->session, in->text, in->phone, screen, now);
out:
	if (rc == STORE_OK) {
		*reply = screen;
		screen = NULL;
	}
	free(screen);
	free(b.p);
	free(sp.end);
	free(sp.rate_expert);
	consult_ussd_items_free(sp.recent, sp.nrecent);
	return rc;
}
