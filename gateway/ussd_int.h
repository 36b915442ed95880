/*
 * What the three parts of the USSD menu share: ussd_menu.c (the menu file and its texts),
 * ussd_session.c (walking a step's inputs through the screens, and what they do) and
 * ussd_screen.c (drawing a screen and fitting it into USSD_MAX_SCREEN characters).
 * gateway/ussd.h is the interface the rest of farmline uses; nothing else includes this file.
 */
#ifndef FL_USSD_INT_H
#define FL_USSD_INT_H

#include "common/log.h"
#include "consult/ussd.h"
#include "common/buf.h"
#include "gateway/ussd.h"

#include <stddef.h>
#include <stdint.h>

#define PREFIX_CHARS 4		/* "CON " or "END " */
#define ITEM_MAX_CHARS 30	/* of one numbered choice */

/* The texts of the menu file (ussd_menu.c has the table of their sections, names and limits). */
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

struct ussd_menu {
	char *text[K_COUNT];
	int width[K_COUNT];	/* characters, {…} at their longest */
	int line[K_COUNT];
	int hint_line;		/* characters the longest hint takes, with its new line */
	int footer;		/* characters of "0 更多 00 返回" */
};

/*
 * ussd_screen.c: the growing string every screen and text is built in (running out of memory
 * aborts, as everywhere in the gateway), and the UTF-8 step texts are cut at.
 */
/* A text of the menu with its {…} filled in, each cut to its longest. */
struct vars {
	int64_t ticket;
	const char *category, *status, *question, *answer, *expert, *township, *village;
	int rating;
};

/* The screens a walk moves between. */
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

/* ussd_menu.c: the text k of the menu with v filled in, added to b; or as the caller's string. */
void gw_ussd_expand(struct buf *b, const struct ussd_menu *m, enum key k, const struct vars *v);
char *gw_ussd_expand_dup(const struct ussd_menu *m, enum key k, const struct vars *v);

/*
 * ussd_session.c: the list screen sc shows (sel: the township for villages), laid out in
 * pages; free with gw_ussd_list_free, also after a failure.
 */
enum store_rc gw_ussd_list_build(struct step *sp, enum screen sc, int sel, struct list *l);
void gw_ussd_list_free(struct list *l);
/* The long text of 我的问题 → question sel (caller frees; NULL after a failure). */
enum store_rc gw_ussd_view_text(struct step *sp, int sel, char **text);
/* What the farmer may rate, into sp->rate_ticket and sp->rate_expert, read once a step. */
enum store_rc gw_ussd_load_rateable(struct step *sp);

/* ussd_screen.c: the screen for st, "CON …" or "END …", into b. */
enum store_rc gw_ussd_render(struct step *sp, const struct state *st, struct buf *b);
/* screen itself, or (when longer than a screen: a bug, logged) a cut copy; it takes screen. */
char *gw_ussd_screen_fit(char *screen);
/* The menu's word for a question's status (borrowed from m). */
const char *gw_ussd_status_word(const struct ussd_menu *m, enum consult_status st);
/* Cut l into pages that fit a screen with a hint above and "0 更多 00 返回" below. */
void gw_ussd_list_layout(const struct ussd_menu *m, struct list *l);
/* How many pages the long text takes. */
int gw_ussd_view_pages(const struct ussd_menu *m, const char *text);

#endif
