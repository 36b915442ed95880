/*
 * The assignment policy, on top of store_expert_pick's ordering.
 */
#include "experts/assign.h"

#include "routing/classify.h"

#include <string.h>

enum store_rc
expert_assign(struct store *s, const struct store_consult *c, int64_t now,
    enum assign_outcome *outcome, int64_t *who)
{
	enum store_rc rc = STORE_NOTFOUND;
	int64_t id = 0;

	*who = 0;
	if (strcmp(c->category, ROUTE_TRIAGE) != 0) {
		rc = store_expert_pick(s, ROLE_EXPERT, c->category, c->township, c->id, &id);
		if (rc == STORE_OK) {
			*outcome = ASSIGN_EXPERT;
			goto assign;
		}
		if (rc != STORE_NOTFOUND)
			return rc;
	}
	rc = store_expert_pick(s, ROLE_TRIAGE, c->category, c->township, c->id, &id);
	if (rc == STORE_OK) {
		*outcome = ASSIGN_TRIAGE;
		goto assign;
	}
	if (rc != STORE_NOTFOUND)
		return rc;
	*outcome = ASSIGN_QUEUED;
	return STORE_OK;

assign:
	rc = store_consult_assign(s, c->id, id, NULL, now);
	if (rc)
		return rc;
	*who = id;
	return store_event_add(s, c->id, now, *outcome == ASSIGN_EXPERT ? "assigned" : "to_triage",
	    id, NULL);
}
