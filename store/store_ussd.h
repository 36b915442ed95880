/*
 * Store functions only the USSD menu needs: the screens given for a session's steps, who a
 * session belongs to, and taking a category subscription back (SMS 订阅 only adds; the menu's
 * 订阅 screen toggles).
 */
#ifndef FL_STORE_USSD_H
#define FL_STORE_USSD_H

#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

/* The screen given before for this session and input (caller frees), or NOTFOUND. */
enum store_rc store_ussd_get(struct store *s, const char *session, const char *input,
    char **reply);
/* Keep the screen given for this step, from phone at now (a step stored again replaces it). */
enum store_rc store_ussd_put(struct store *s, const char *session, const char *input,
    const char *phone, const char *reply, int64_t now);

/*
 * The phone number the session's earlier steps came from, into phone (len bytes, always
 * terminated). STORE_NOTFOUND when the session has no step stored yet.
 */
enum store_rc store_ussd_session_phone(struct store *s, const char *session, char *phone,
    size_t len);

/* Drop the farmer's subscription to category (STORE_OK also when there was none). */
enum store_rc store_ussd_unsubscribe(struct store *s, int64_t farmer_id, const char *category);

/* How many steps phone sent since (UTC ms): its share of [consult] loop_limit. */
enum store_rc store_ussd_steps_since(struct store *s, const char *phone, int64_t since, int *n);

/*
 * Delete at most max steps stored before `before` (they hold screens with experts' answers,
 * kept only [ussd] keep); *deleted says how many went.
 */
enum store_rc store_ussd_prune(struct store *s, int64_t before, int max, int *deleted);

#endif
