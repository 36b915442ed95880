/*
 * `farmline broadcast`: one SMS, the signature in front, to every farmer who has not
 * unsubscribed, or to those of one category or one township; queued in one transaction.
 * In two steps, so that the text can be refused before the database is opened.
 */
#ifndef FL_BROADCAST_H
#define FL_BROADCAST_H

#include "common/config.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

struct route_rules;

enum bureau_bc {
	BUREAU_BC_OK = 0,
	BUREAU_BC_TOWNSHIP,	/* the township is not in [townships] */
	BUREAU_BC_TOO_LONG,	/* more segments than [consult] max_segments */
	BUREAU_BC_CATEGORY,	/* no such category in the rules */
	BUREAU_BC_STORE,	/* the database refused; nothing was queued */
};

struct bureau_broadcast {
	const char *township;	/* NULL: every township (borrowed from the caller) */
	char *body;		/* the signature and the text (owned: bureau_broadcast_free) */
	int segments;		/* SMS segments of body */
	const char *code;	/* the category's code once sent, NULL: every category */
	int64_t id;		/* the broadcast's number once sent */
	int64_t queued;		/* the SMS queued */
};

/*
 * Check a broadcast of text (UTF-8, not empty: the caller's duty) to township (NULL: all)
 * against cfg, and fill *b: BUREAU_BC_OK, or BUREAU_BC_TOWNSHIP or BUREAU_BC_TOO_LONG with
 * the reason in err. The caller frees *b with bureau_broadcast_free either way.
 */
enum bureau_bc bureau_broadcast_prepare(const struct config *cfg, const char *township,
    const char *text, struct bureau_broadcast *b, char *err, size_t errlen);

/*
 * Queue b, prepared, to the farmers of category (a code or a name of the rules; NULL: all)
 * in its own transaction, setting b->code, b->id and b->queued: BUREAU_BC_OK, or
 * BUREAU_BC_CATEGORY or BUREAU_BC_STORE with the reason in err.
 */
enum bureau_bc bureau_broadcast(struct store *s, const struct config *cfg,
    const struct route_rules *rules, const char *category, struct bureau_broadcast *b,
    int64_t now, char *err, size_t errlen);

void bureau_broadcast_free(struct bureau_broadcast *b);

#endif
