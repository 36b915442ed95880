/*
 * The consultation side of the USSD menu: reads for its screens and the actions its choices
 * take. The screens themselves are gateway/ussd_screen.c's; this file decides nothing about how
 * they look.
 */
#include "consult/ussd.h"

#include "consult/consult_int.h"
#include "common/sms.h"
#include "routing/classify.h"
#include "store/store_ussd.h"
#include "common/xmalloc.h"

#include <stdlib.h>
#include <string.h>

#define SUBSCRIPTIONS_MAX (ROUTE_MAX_CATEGORIES * 200)	/* codes are one INI line at most */

struct store *
consult_ussd_store(struct consult *c)
{
	return c->s;
}

const struct route_rules *
consult_ussd_rules(const struct consult *c)
{
	return c->rules;
}

void
consult_ussd_townships(const struct consult *c, const struct config_township **t, int *n)
{
	*t = c->o.townships;
	*n = c->o.ntownships;
}

/* The farmer with phone; STORE_NOTFOUND for a number that never used the service. */
static enum store_rc
farmer_find(struct consult *c, const char *phone, struct store_farmer *f)
{
	memset(f, 0, sizeof(*f));
	return store_farmer_find(c->s, phone, f);
}

static enum store_rc
farmer_ensure(struct consult *c, const char *phone, int64_t now, struct store_farmer *f)
{
	memset(f, 0, sizeof(*f));
	c->now = now;
	return store_farmer_ensure(c->s, phone, now, f);
}

enum store_rc
consult_ussd_recent(struct consult *c, const char *phone, struct consult_ussd_item *items,
    int max, int *n)
{
	struct store_farmer f;
	struct store_consult con;
	int64_t ids[CONSULT_USSD_RECENT];
	enum store_rc rc;
	int found = 0, i;

	*n = 0;
	if (max > CONSULT_USSD_RECENT)
		max = CONSULT_USSD_RECENT;
	rc = farmer_find(c, phone, &f);
	if (rc == STORE_NOTFOUND)
		return STORE_OK;
	if (rc == STORE_OK)
		rc = store_consult_recent(c->s, f.id, ids, max, &found);
	for (i = 0; rc == STORE_OK && i < found; i++) {
		struct consult_ussd_item *it = &items[i];

		memset(it, 0, sizeof(*it));
		memset(&con, 0, sizeof(con));
		rc = store_consult_get(c->s, ids[i], &con);
		if (rc)
			break;
		it->ticket = con.id;
		it->status = con.status;
		it->category = xstrdup(route_rules_name(c->rules, con.category));
		it->question = xstrdup(con.question);
		store_consult_free(&con);
		*n = i + 1;
		rc = store_consult_last_answer(c->s, it->ticket, &it->answer, &it->expert);
		if (rc == STORE_NOTFOUND)
			rc = STORE_OK;
	}
	store_farmer_free(&f);
	return rc;
}

void
consult_ussd_items_free(struct consult_ussd_item *items, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(items[i].category);
		free(items[i].question);
		free(items[i].answer);
		free(items[i].expert);
		memset(&items[i], 0, sizeof(items[i]));
	}
}

enum store_rc
consult_ussd_rateable(struct consult *c, const char *phone, int64_t *ticket, char **expert)
{
	struct store_farmer f;
	char *text = NULL, *who = NULL;
	int64_t cid = 0;
	enum store_rc rc;

	*ticket = 0;
	*expert = NULL;
	rc = farmer_find(c, phone, &f);
	if (rc == STORE_NOTFOUND)
		return STORE_OK;
	if (rc == STORE_OK)
		rc = store_consult_last_answered(c->s, f.id, &cid);
	if (rc == STORE_NOTFOUND) {
		rc = STORE_OK;
		goto out;
	}
	if (rc == STORE_OK)
		rc = store_consult_last_answer(c->s, cid, &text, &who);
	if (rc == STORE_NOTFOUND)
		rc = STORE_OK;
	if (rc == STORE_OK) {
		*ticket = cid;
		*expert = who;
		who = NULL;
	}
out:
	free(text);
	free(who);
	store_farmer_free(&f);
	return rc;
}

/* Whether code is one of the comma list's items. */
static int
in_list(const char *list, const char *code)
{
	size_t n = strlen(code);
	const char *p = list;

	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len == n && memcmp(p, code, n) == 0)
			return 1;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return 0;
}

/* The farmer's subscriptions as a comma list (caller frees), "" for none. */
static enum store_rc
subscriptions(struct consult *c, int64_t farmer_id, char **list)
{
	enum store_rc rc;

	*list = xcalloc(1, SUBSCRIPTIONS_MAX);
	rc = store_subscriptions(c->s, farmer_id, *list, SUBSCRIPTIONS_MAX);
	if (rc) {
		free(*list);
		*list = NULL;
	}
	return rc;
}

enum store_rc
consult_ussd_subscribed(struct consult *c, const char *phone, unsigned char *on)
{
	struct store_farmer f;
	char *list = NULL;
	enum store_rc rc;
	int i, n = route_rules_count(c->rules);

	memset(on, 0, (size_t)n);
	rc = farmer_find(c, phone, &f);
	if (rc == STORE_NOTFOUND)
		return STORE_OK;
	if (rc == STORE_OK)
		rc = subscriptions(c, f.id, &list);
	for (i = 0; rc == STORE_OK && i < n; i++)
		on[i] = (unsigned char)in_list(list, route_rules_category(c->rules, i)->code);
	free(list);
	store_farmer_free(&f);
	return rc;
}

enum store_rc
consult_ussd_over_limit(struct consult *c, const char *phone, int64_t now, int *over)
{
	enum store_rc rc;
	int n = 0;

	rc = store_ussd_steps_since(c->s, phone, now - 3600000, &n);
	*over = rc == STORE_OK && n >= c->o.loop_limit;
	return rc;
}

enum store_rc
consult_ussd_ask(struct consult *c, const char *phone, const char *service_code,
    const char *category, const char *question, int64_t now, int64_t *ticket)
{
	struct store_farmer f;
	struct consult_result res;
	int64_t mid = 0;
	enum store_rc rc;

	*ticket = 0;
	memset(&res, 0, sizeof(res));
	rc = farmer_ensure(c, phone, now, &f);
	if (rc == STORE_OK)
		rc = store_msg_in_add(c->s, "ussd", NULL, phone, service_code, question,
		    sms_segments(question), now, &mid);
	if (rc == STORE_OK)
		rc = consult_new_question(c, &f, question, "ussd", category, 0, NULL, &res);
	if (rc == STORE_OK)
		rc = store_msg_in_finish(c->s, mid, res.ticket, "question");
	if (rc == STORE_OK)
		*ticket = res.ticket;
	store_farmer_free(&f);
	return rc;
}

enum store_rc
consult_ussd_rate(struct consult *c, const char *phone, int rating, int64_t now,
    int64_t *ticket, int *low)
{
	struct store_farmer f;
	enum store_rc rc;

	*ticket = 0;
	*low = 0;
	rc = farmer_ensure(c, phone, now, &f);
	if (rc == STORE_OK)
		rc = consult_rate_last(c, &f, rating, ticket);
	if (rc == STORE_OK)
		*low = *ticket && rating <= c->o.low_rating;
	store_farmer_free(&f);
	return rc;
}

enum store_rc
consult_ussd_toggle(struct consult *c, const char *phone, const char *category, int64_t now,
    int *subscribed)
{
	struct store_farmer f;
	char *list = NULL;
	enum store_rc rc;

	*subscribed = 0;
	rc = farmer_ensure(c, phone, now, &f);
	if (rc == STORE_OK)
		rc = subscriptions(c, f.id, &list);
	if (rc == STORE_OK && in_list(list, category)) {
		rc = store_ussd_unsubscribe(c->s, f.id, category);
	} else if (rc == STORE_OK) {
		rc = store_subscribe(c->s, f.id, category, now);
		if (rc == STORE_OK)
			rc = store_farmer_set_opted_out(c->s, f.id, 0);
		*subscribed = rc == STORE_OK;
	}
	free(list);
	store_farmer_free(&f);
	return rc;
}

enum store_rc
consult_ussd_register(struct consult *c, const char *phone, const char *township,
    const char *village, int64_t now)
{
	struct store_farmer f;
	enum store_rc rc;

	rc = farmer_ensure(c, phone, now, &f);
	if (rc == STORE_OK)
		rc = store_farmer_set_place(c->s, f.id, township, village);
	if (rc == STORE_OK)
		log_info("consult: a farmer registered %s%s by USSD", township,
		    village ? village : "");
	store_farmer_free(&f);
	return rc;
}
