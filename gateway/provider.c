/*
 * The table of outbound providers.
 */
#include "gateway/provider.h"

#include <string.h>

static const struct gw_provider_ops *const providers[] = {
	&gw_provider_console,
	&gw_provider_http,
};

const struct gw_provider_ops *
gw_provider_find(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(providers) / sizeof(providers[0]); i++) {
		if (strcmp(providers[i]->name, type) == 0)
			return providers[i];
	}
	return NULL;
}
