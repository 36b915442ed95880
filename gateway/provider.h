/*
 * Outbound providers behind one interface: the sender hands each a message and gets back
 * whether the provider accepted it, should be asked again later, or refused it for good.
 */
#ifndef FL_PROVIDER_H
#define FL_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

struct config;

struct gw_outbound {
	int64_t id;		/* our message id: the provider's idempotency key where it has one */
	const char *from;
	const char *to;
	const char *text;
	int segments;
};

enum gw_send_status { GW_SEND_OK, GW_SEND_RETRY, GW_SEND_FAIL };

struct gw_send_result {
	enum gw_send_status status;
	char provider_id[128];	/* the provider's id for the message, if it gave one */
	char error[256];	/* why, for RETRY and FAIL */
};

struct gw_provider;

struct gw_provider_ops {
	const char *name;
	/* Returns NULL with a reason in err when the configuration does not fit. */
	struct gw_provider *(*open)(const struct config *cfg, char *err, size_t errlen);
	void (*send)(struct gw_provider *p, const struct gw_outbound *m, struct gw_send_result *r);
	void (*close)(struct gw_provider *p);
};

/* The provider named by [provider] type, or NULL. */
const struct gw_provider_ops *gw_provider_find(const char *type);

extern const struct gw_provider_ops gw_provider_console;
extern const struct gw_provider_ops gw_provider_http;

#endif
