/*
 * libFuzzer harness: the configuration files an operator writes, read from a temporary file:
 * farmline.conf (common/config.c config_load over the defaults, through common/inifile.c),
 * then what start-up builds from it (consult_opts_from_config, every provider's open), and the
 * USSD menu texts (gateway/ussd_menu.c gw_ussd_menu_load, placeholders and width limits). A refusal
 * must say where; whatever was read must be freed.
 *
 * Input: the text of a file; both readers get it (seeds of each kind reach the other's
 * refusals).
 * Seeds: fuzz/corpus/config/, config/farmline.conf, config/ussd.conf and tests/unit/test_config.c.
 * Run:   make fuzz FUZZ_TARGETS=config FUZZ_SECONDS=300
 */
#include "fuzz/common.h"

#include "common/config.h"
#include "consult/consult.h"
#include "gateway/provider.h"
#include "gateway/ussd.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void
start_up(const struct config *cfg)
{
	struct consult_opts o;
	char err[512];
	int i;

	(void)consult_opts_from_config(cfg, &o, err, sizeof(err));
	for (i = 0; gw_providers[i]; i++) {
		struct gw_provider *p;
		int unconfigured = 0;

		err[0] = '\0';
		p = gw_providers[i]->open(cfg, &unconfigured, err, sizeof(err));
		if (p)
			gw_providers[i]->close(p);
		else
			FUZZ_CHECK(unconfigured || err[0] != '\0');
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_tmpfile(data, size);
	struct ussd_menu *menu = NULL;
	struct config cfg;
	char err[512];

	config_defaults(&cfg);
	err[0] = '\0';
	if (config_load(&cfg, path, err, sizeof(err)) == 0)
		start_up(&cfg);
	else
		FUZZ_CHECK(strncmp(err, path, strlen(path)) == 0);
	config_free(&cfg);

	err[0] = '\0';
	if (gw_ussd_menu_load(path, &menu, err, sizeof(err)) == 0)
		FUZZ_CHECK(menu != NULL);
	else
		FUZZ_CHECK(menu == NULL && strncmp(err, path, strlen(path)) == 0);
	gw_ussd_menu_free(menu);
	return 0;
}
