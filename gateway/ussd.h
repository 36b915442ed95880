/*
 * The USSD menu for feature phones, in Africa's Talking's conventions: each step POSTs
 * sessionId, serviceCode, phoneNumber and text (every input of the session so far, joined by
 * "*"); the reply is "CON <screen>" to go on or "END <screen>" to finish, at most 182
 * characters a screen. The screens' texts are read from the menu file ([ussd] menu).
 */
#ifndef FL_USSD_H
#define FL_USSD_H

#include "common/phone.h"
#include "gateway/webhook.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

#define USSD_MAX_SCREEN 182	/* characters a screen may hold, "CON "/"END " included */
#define USSD_MAX_TEXT 1024	/* bytes of a step's text (every input of the session) */
#define USSD_MAX_QUESTION 182	/* characters of a question typed on the menu */

struct consult;

/*
 * One USSD step, as a provider's parse_ussd (gateway/provider.h) leaves it: every field was
 * present, sessionId and serviceCode printable ASCII, phoneNumber a phone number, text valid
 * UTF-8 of at most USSD_MAX_TEXT bytes without control characters.
 */
struct ussd_in {
	char *session;		/* the provider's sessionId */
	char *service_code;	/* "*384*1234#" */
	char phone[PHONE_MAX];	/* normalized */
	char *text;		/* the inputs so far joined by "*" ("" on the first step) */
};

/* Free what a parse_ussd filled in; u is empty again. */
void gw_ussd_free(struct ussd_in *u);

struct ussd_menu;

/* Read the menu texts. Returns 0 with *out set, or -1 with "file:line: reason" in err. */
int gw_ussd_menu_load(const char *path, struct ussd_menu **out, char *err, size_t errlen);
void gw_ussd_menu_free(struct ussd_menu *m);

/*
 * Answer one step, inside the writer's transaction (what the farmer chose is stored before the
 * screen is shown). *reply is the screen, "CON …" or "END …", at most USSD_MAX_SCREEN
 * characters (caller frees). A step the provider sends again gets the same screen and is acted
 * on once; a session is its first phone number's (another gets an END screen). On an error
 * *reply is NULL and the caller rolls back.
 */
enum store_rc gw_ussd_step(struct consult *c, const struct ussd_menu *m,
    const struct ussd_in *in, int64_t now, char **reply);

#endif
