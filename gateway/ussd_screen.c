/*
 * The USSD screens drawn: the main menu, the lists cut into pages, a long answer read page by
 * page, the prompts, a hint above a screen shown again, "0 更多 00 返回" below; and the last
 * guard that no screen is longer than USSD_MAX_SCREEN characters.
 */
#include "gateway/ussd_int.h"

#include "common/log.h"
#include "common/sms.h"
#include "routing/classify.h"
#include "common/xmalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


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
void
gw_ussd_list_layout(const struct ussd_menu *m, struct list *l)
{
	int room = USSD_MAX_SCREEN - PREFIX_CHARS - m->hint_line - utf8_chars(l->title) - 1 -
	    m->footer, used = 0, i;

	l->starts = xcalloc((size_t)l->n + 2, sizeof(*l->starts));
	l->npages = 1;
	for (i = 0; i < l->n; i++) {
		int cost = 1 + digits(i + 1) + 1 + utf8_chars(l->items[i]) + l->mark;

		if (used > 0 && used + cost > room) {
			l->starts[l->npages++] = i;
			used = 0;
		}
		used += cost;
	}
	l->starts[l->npages] = l->n;
}

const char *
gw_ussd_status_word(const struct ussd_menu *m, enum consult_status st)
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

/* Characters of a long text one page holds. */
static int
view_room(const struct ussd_menu *m)
{
	return USSD_MAX_SCREEN - PREFIX_CHARS - m->hint_line - 1 - m->footer;
}

int
gw_ussd_view_pages(const struct ussd_menu *m, const char *text)
{
	int chars = utf8_chars(text), room = view_room(m);

	return chars == 0 ? 1 : (chars + room - 1) / room;
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
	gw_ussd_expand(b, sp->m, st->hint, &v);
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

	rc = gw_ussd_list_build(sp, st->sc, st->sel, &l);
	if (rc == STORE_OK && st->sc == SC_SUB) {
		on = xcalloc((size_t)route_rules_count(sp->rules) + 1, 1);
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
	gw_ussd_list_free(&l);
	return rc;
}

static enum store_rc
render_view(struct step *sp, const struct state *st, struct buf *b)
{
	char *text = NULL;
	const char *from;
	enum store_rc rc;
	int room = view_room(sp->m), pages;

	rc = gw_ussd_view_text(sp, st->sel, &text);
	if (rc)
		return rc;
	pages = gw_ussd_view_pages(sp->m, text);
	from = utf8_skip(text, (st->page < pages ? st->page : pages - 1) * room);
	buf_add(b, from, (size_t)(utf8_skip(from, room) - from));
	render_footer(sp->m, b, st->page + 1 < pages);
	free(text);
	return STORE_OK;
}

/* The screen for st, "CON …" or "END …", into b. */
enum store_rc
gw_ussd_render(struct step *sp, const struct state *st, struct buf *b)
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
		gw_ussd_expand(b, m, K_ASK_PROMPT, &v);
		render_footer(m, b, 0);
		break;
	case SC_RATE:
		rc = gw_ussd_load_rateable(sp);
		v.ticket = sp->rate_ticket;
		v.expert = sp->rate_expert ? sp->rate_expert : "";
		gw_ussd_expand(b, m, K_RATE_PROMPT, &v);
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
char *
gw_ussd_screen_fit(char *screen)
{
	struct buf b = BUF_INIT;

	if (utf8_chars(screen) <= USSD_MAX_SCREEN)
		return screen;
	log_warnx("ussd: a screen of %d characters was cut to %d", utf8_chars(screen),
	    USSD_MAX_SCREEN);
	buf_ellipsized(&b, screen, USSD_MAX_SCREEN);
	free(screen);
	return buf_take(&b);
}
