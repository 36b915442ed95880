/*
 * A small county for the harnesses that go past the parsers into what farmline does with a
 * message (fuzz_ussd, fuzz_consult): a temporary database with the shipped rules, USSD menu
 * and a few townships, an expert for every category, triage staff, an information
 * commissioner, and a farmer with an answered question and an open one. Each input is handled
 * in a transaction that is rolled back, so every input meets the same county.
 */
#ifndef FL_FUZZ_WORLD_H
#define FL_FUZZ_WORLD_H

#include "consult/consult.h"
#include "gateway/ussd.h"
#include "routing/classify.h"
#include "routing/normalize.h"
#include "store/store.h"

#include <stdint.h>

#define WORLD_FARMER "+8613800000001"	/* has an answered question and an open one */
#define WORLD_TRIAGE "+8613900000090"
#define WORLD_COMMISSIONER "+8613900000091"

struct fuzz_world {
	struct store *s;
	struct route_rules *rules;
	struct route_norm *norm;
	struct consult *c;
	struct ussd_menu *menu;
	struct consult_opts o;
	char expert[24];	/* the poultry expert, who answered the farmer */
	int64_t now;		/* the moment every input arrives at */
};

/* Build it once (from the top of the tree: it reads config/); removed at exit. */
struct fuzz_world *fuzz_world(void);

/*
 * Check every SMS the input queued (rolled back with it): valid UTF-8 to a phone number, its
 * segment count right and within max_segments. Call inside the input's transaction.
 */
void fuzz_world_check_outbox(struct fuzz_world *w);

#endif
