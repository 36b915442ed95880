/*
 * The assignment policy: who gets a consultation.
 */
#ifndef FL_ASSIGN_H
#define FL_ASSIGN_H

#include "store/store.h"

enum assign_outcome {
	ASSIGN_EXPERT,	/* an on-duty expert of the category has it */
	ASSIGN_TRIAGE,	/* no expert fits: a triage staff member has it */
	ASSIGN_QUEUED,	/* nobody fits: it waits for one */
};

/*
 * Give consultation c (not currently assigned) to the best on-duty expert of its category —
 * paired with the farmer's township first, then the fewest open consultations, then the one
 * assigned longest ago — never to someone who already had it. With no such expert it goes to
 * triage staff by the same order; with none, it stays queued. Records the assignment and its
 * event; *who is the person (0 when it stays queued, which records nothing).
 */
enum store_rc expert_assign(struct store *s, const struct store_consult *c, int64_t now,
    enum assign_outcome *outcome, int64_t *who);

#endif
