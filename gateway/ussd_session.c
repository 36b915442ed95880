/*
 * The USSD session: a step answered (gateway/provider_africastalking.c parses it). Each step
 * carries every input of the session joined by "*"; the screen is worked out by walking those
 * inputs from the main menu, and only the last one acts. Nothing is kept between steps but the
 * screens given (ussd_steps): a step sent again gets its screen back, and they tell where a
 * question typed with a "*" in it ends. The menu's texts are ussd_menu.c's, the screens are
 * drawn by ussd_screen.c.
 *
 *   main ─1 提问──── categories (paged) ─n─ type the question ─── END ticket
 *        ─2 我的问题─ last three ─n─ the answer (paged)
 *        ─3 评价──── 1–5 ─── END thanks
 *        ─4 订阅──── categories (paged) ─n─ subscribed / taken back, same list
 *        ─5 登记──── townships (paged) ─n─ villages (paged) ─n─ END registered
 *   0 more, 00 back (a page, then a screen); anything else shows the screen again with a hint.
 */
#include "gateway/ussd_int.h"

#include "common/config.h"
#include "common/log.h"
#include "common/sms.h"
#include "routing/classify.h"
#include "store/store_ussd.h"
#include "common/xmalloc.h"

#include <stdlib.h>
#include <string.h>

#define MIN_QUESTION_CHARS 2

void
gw_ussd_free(struct ussd_in *u)
{
	free(u->session);
	free(u->service_code);
	free(u->text);
	memset(u, 0, sizeof(*u));
}

void
gw_ussd_list_free(struct list *l)
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
	struct buf b = BUF_INIT;
	char *copy = xmalloc(len + 1);

	memcpy(copy, text, len);
	copy[len] = '\0';
	buf_ellipsized(&b, copy, max);
	free(copy);
	l->items = xreallocarray(l->items, (size_t)(l->n + 1) * sizeof(*l->items), 1);
	l->items[l->n++] = buf_take(&b);
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
	name = xstrdup(i >= 0 && i < l.n ? l.items[i] : "");
	gw_ussd_list_free(&l);
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

enum store_rc
gw_ussd_load_rateable(struct step *sp)
{
	enum store_rc rc;

	if (sp->rate_loaded)
		return STORE_OK;
	rc = consult_ussd_rateable(sp->c, sp->in->phone, &sp->rate_ticket, &sp->rate_expert);
	sp->rate_loaded = 1;
	return rc;
}

/* The list screen sc shows (sel: the township for villages). */
enum store_rc
gw_ussd_list_build(struct step *sp, enum screen sc, int sel, struct list *l)
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
		l->title = xstrdup(m->text[sc == SC_SUB ? K_SUB_TITLE : K_ASK_CHOOSE]);
		l->mark = sc == SC_SUB ? m->width[K_SUB_MARK] : 0;
		for (i = 0; i < route_rules_count(sp->rules); i++) {
			const char *name = route_rules_category(sp->rules, i)->name;

			list_add(l, name, strlen(name), ITEM_MAX_CHARS - l->mark);
		}
		break;
	case SC_MINE:
		l->title = xstrdup(m->text[K_MINE_TITLE]);
		rc = load_recent(sp);
		for (i = 0; rc == STORE_OK && i < sp->nrecent; i++) {
			v.ticket = sp->recent[i].ticket;
			v.category = sp->recent[i].category;
			v.status = gw_ussd_status_word(m, sp->recent[i].status);
			v.question = sp->recent[i].question;
			item = gw_ussd_expand_dup(m, K_MINE_ITEM, &v);
			list_add(l, item, strlen(item), ITEM_MAX_CHARS);
			free(item);
		}
		break;
	case SC_TOWN:
		l->title = xstrdup(m->text[K_REG_TOWNSHIP]);
		for (i = 0; i < sp->ntowns; i++)
			list_add(l, sp->towns[i].name, strlen(sp->towns[i].name), ITEM_MAX_CHARS);
		break;
	case SC_VILLAGE:
		v.township = sp->towns[sel].name;
		l->title = gw_ussd_expand_dup(m, K_REG_VILLAGE, &v);
		villages_add(l, sp->towns[sel].villages, ITEM_MAX_CHARS);
		break;
	default:
		l->title = xstrdup("");
		break;
	}
	gw_ussd_list_layout(m, l);
	return rc;
}

static int
is_list(enum screen sc)
{
	return sc == SC_ASK_CAT || sc == SC_MINE || sc == SC_SUB || sc == SC_TOWN ||
	    sc == SC_VILLAGE;
}

/* The long text of 我的问题 → one question: its answer, or where it stands. */
enum store_rc
gw_ussd_view_text(struct step *sp, int sel, char **text)
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
		*text = xstrdup("");
		return STORE_OK;
	}
	it = &sp->recent[sel];
	v.ticket = it->ticket;
	v.category = it->category;
	v.status = gw_ussd_status_word(sp->m, it->status);
	v.question = it->question;
	v.answer = it->answer;
	v.expert = it->expert ? it->expert : "";
	*text = gw_ussd_expand_dup(sp->m, it->answer ? K_MINE_ANSWER : K_MINE_PENDING, &v);
	return STORE_OK;
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
		rc = gw_ussd_list_build(sp, SC_ASK_CAT, 0, &l);
		go(st, SC_ASK_CAT, list_page_of(&l, st->sel), 0);
		gw_ussd_list_free(&l);
		break;
	case SC_VIEW:
		go(st, SC_MINE, 0, 0);
		break;
	case SC_VILLAGE:
		rc = gw_ussd_list_build(sp, SC_TOWN, 0, &l);
		go(st, SC_TOWN, list_page_of(&l, st->sel), 0);
		gw_ussd_list_free(&l);
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
		rc = gw_ussd_load_rateable(sp);
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
		sp->end = gw_ussd_expand_dup(sp->m, K_REG_DONE, &v);
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
		gw_ussd_list_free(&l);
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
	int chars = utf8_chars(question);
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
		sp->end = gw_ussd_expand_dup(sp->m, K_ASK_DONE, &v);
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
		sp->end = gw_ussd_expand_dup(sp->m, ticket == 0 ? K_RATE_NONE : low ? K_RATE_LOW :
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
		rc = gw_ussd_list_build(sp, st->sc, st->sel, &l);
		npages = l.npages;
	} else if (st->sc == SC_VIEW) {
		rc = gw_ussd_view_text(sp, st->sel, &text);
		npages = text ? gw_ussd_view_pages(sp->m, text) : 1;
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
	gw_ussd_list_free(&l);
	free(text);
	return rc;
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
		prefix = xstrndup(sp->in->text, (size_t)(star - sp->in->text));
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
		tok = xmalloc(len + 1);
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
	struct buf b = BUF_INIT;
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
		rc = gw_ussd_render(&sp, &st, &b);
	if (rc)
		goto out;
	screen = gw_ussd_screen_fit(buf_take(&b));
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
