/*
 * What the USSD menu (gateway/ussd_session.c) reads and does on the consultation side: a
 * farmer's recent questions and answers, what they may rate, their subscriptions; asking a
 * question with a category chosen from the menu, rating, subscribing, registering a township.
 * Every function runs inside the caller's transaction.
 */
#ifndef FL_CONSULT_USSD_H
#define FL_CONSULT_USSD_H

#include "consult/consult.h"

#include <stdint.h>

#define CONSULT_USSD_RECENT 3	/* questions listed under 我的问题 */

struct route_rules;
struct config_township;

/* The store, the rules in use (their categories are the menu's), the townships: borrowed. */
struct store *consult_ussd_store(struct consult *c);
const struct route_rules *consult_ussd_rules(const struct consult *c);
void consult_ussd_townships(const struct consult *c, const struct config_township **t, int *n);

/*
 * Whether phone has already taken [consult] loop_limit USSD steps in the hour before now (an
 * auto-dialler, a loop, or someone making the gateway text experts): *over is then 1, and
 * the step gets a short "try later" screen instead of the menu.
 */
enum store_rc consult_ussd_over_limit(struct consult *c, const char *phone, int64_t now,
    int *over);

/* One of a farmer's questions as the menu shows it. */
struct consult_ussd_item {
	int64_t ticket;
	enum consult_status status;
	char *category;		/* the category's name */
	char *question;
	char *answer;		/* the latest answer, or NULL */
	char *expert;		/* who gave it, or NULL */
};

/*
 * The newest questions of the farmer with this phone, newest first, at most max; *n is 0 for a
 * number that never asked. Strings are the caller's: free with consult_ussd_items_free (also
 * after a failure, which leaves *n at what was filled).
 */
enum store_rc consult_ussd_recent(struct consult *c, const char *phone,
    struct consult_ussd_item *items, int max, int *n);
void consult_ussd_items_free(struct consult_ussd_item *items, int n);

/*
 * The question a rating would be for (the farmer's last answered one), *ticket 0 when there is
 * none; *expert is the name of who answered it, or NULL (caller frees).
 */
enum store_rc consult_ussd_rateable(struct consult *c, const char *phone, int64_t *ticket,
    char **expert);

/* on[i] is set when the farmer subscribes to the rules' category i (route_rules_count entries). */
enum store_rc consult_ussd_subscribed(struct consult *c, const char *phone, unsigned char *on);

/*
 * A question asked by USSD at now, in the category (a code) the farmer chose: recorded as an
 * inbound message of provider "ussd" and a consultation of channel "ussd", given to an expert
 * who is told by SMS as for any question. No acknowledgement SMS: the screen shows *ticket.
 */
enum store_rc consult_ussd_ask(struct consult *c, const char *phone, const char *service_code,
    const char *category, const char *question, int64_t now, int64_t *ticket);

/*
 * Rate the farmer's last answer. *ticket is 0 when there is nothing to rate; *low is set when
 * the rating alerts triage staff.
 */
enum store_rc consult_ussd_rate(struct consult *c, const char *phone, int rating, int64_t now,
    int64_t *ticket, int *low);

/*
 * Subscribe the farmer to category (a code) or, when subscribed, take it back; *subscribed
 * tells which. Subscribing also undoes 退订, as the SMS 订阅 does.
 */
enum store_rc consult_ussd_toggle(struct consult *c, const char *phone, const char *category,
    int64_t now, int *subscribed);

/* Register where the farmer lives; village may be NULL. */
enum store_rc consult_ussd_register(struct consult *c, const char *phone, const char *township,
    const char *village, int64_t now);

#endif
