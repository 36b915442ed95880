/*
 * A broadcast to the subscribed farmers: the checks of its township and length, and the
 * transaction that queues it (broadcast.h).
 */
#include "bureau/broadcast.h"

#include "common/sms.h"
#include "routing/classify.h"
#include "common/xmalloc.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum bureau_bc
bureau_broadcast_prepare(const struct config *cfg, const char *township, const char *text,
    struct bureau_broadcast *b, char *err, size_t errlen)
{
	int i;

	assert(text != NULL && *text != '\0');
	memset(b, 0, sizeof(*b));
	if (township) {
		for (i = 0; i < cfg->ntownships; i++) {
			if (strcmp(cfg->townships[i].name, township) == 0)
				break;
		}
		if (i == cfg->ntownships) {
			snprintf(err, errlen, "\"%s\" is not in [townships] of %s", township,
			    cfg->path);
			return BUREAU_BC_TOWNSHIP;
		}
	}
	b->township = township;
	b->body = xasprintf("%s%s", cfg->signature, text);
	b->segments = sms_segments(b->body);
	if (b->segments > cfg->max_segments) {
		snprintf(err, errlen, "the text takes %d SMS segments with the signature; at "
		    "most %d ([consult] max_segments)", b->segments, cfg->max_segments);
		return BUREAU_BC_TOO_LONG;
	}
	return BUREAU_BC_OK;
}

enum bureau_bc
bureau_broadcast(struct store *s, const struct config *cfg, const struct route_rules *rules,
    const char *category, struct bureau_broadcast *b, int64_t now, char *err, size_t errlen)
{
	const struct route_category *cat;

	b->code = NULL;
	if (category) {
		if ((cat = route_rules_find(rules, category)) == NULL) {
			snprintf(err, errlen, "no category \"%s\" in %s", category,
			    cfg->rules_path);
			return BUREAU_BC_CATEGORY;
		}
		b->code = cat->code;
	}
	if (store_begin(s) != STORE_OK ||
	    store_broadcast_create(s, cfg->provider_type, cfg->service_number, b->code,
	    b->township, b->body, b->segments, now, &b->id, &b->queued) != STORE_OK ||
	    store_commit(s) != STORE_OK) {
		snprintf(err, errlen, "%s", store_errmsg(s));
		store_rollback(s);
		return BUREAU_BC_STORE;
	}
	return BUREAU_BC_OK;
}

void
bureau_broadcast_free(struct bureau_broadcast *b)
{
	free(b->body);
	b->body = NULL;
}
