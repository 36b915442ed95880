/*
 * The console provider: prints each outbound SMS on standard output and calls it sent.
 * The default for a local run, so that a new user sees what farmers and experts would get.
 */
#include "common/xmalloc.h"
#include "gateway/provider.h"

#include "common/phone.h"

#include <stdio.h>
#include <stdlib.h>

struct gw_provider {
	FILE *out;
};

static struct gw_provider *
console_open(const struct config *cfg, int *unconfigured, char *err, size_t errlen)
{
	struct gw_provider *p = xcalloc(1, sizeof(*p));

	(void)cfg;
	(void)err;
	(void)errlen;
	*unconfigured = 0;
	p->out = stdout;
	return p;
}

static void
console_send(struct gw_provider *p, const struct gw_outbound *m, struct gw_send_result *r)
{
	char masked[32];

	phone_mask(m->to, masked, sizeof(masked));
	fprintf(p->out, "SMS #%lld → %s (%d segment%s)\n  %s\n", (long long)m->id, masked,
	    m->segments, m->segments == 1 ? "" : "s", m->text);
	fflush(p->out);
	r->status = GW_SEND_OK;
	snprintf(r->provider_id, sizeof(r->provider_id), "console-%lld", (long long)m->id);
}

static void
console_close(struct gw_provider *p)
{
	free(p);
}

const struct gw_provider_ops gw_provider_console = {
	.name = "console",
	.open = console_open,
	.close = console_close,
	.send = console_send,
};
