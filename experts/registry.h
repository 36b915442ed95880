/*
 * The expert registry as the bureau sees it: registering experts, triage staff and information
 * commissioners one by one or from a CSV file, with every field checked.
 */
#ifndef FL_REGISTRY_H
#define FL_REGISTRY_H

#include "common/config.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

struct route_rules;

struct expert_input {
	const char *phone;
	const char *name;
	const char *categories;	/* codes or Chinese names, separated by , ; 、 | or spaces */
	const char *townships;	/* separated the same way; may be NULL */
	const char *role;	/* expert (default), triage, commissioner; may be NULL */
};

/*
 * What a registration is checked against: the categories of the rules and, when the config
 * has a [townships] section (ntownships > 0), its townships.
 */
struct expert_known {
	const struct route_rules *rules;
	const struct config_township *townships;	/* may be NULL: any township */
	int ntownships;
};

/*
 * Check and normalize in into out (phone in E.164, categories as codes, townships among the
 * known ones). Returns 0, or -1 with a reason in err. The caller frees out with
 * store_expert_free either way.
 */
int expert_prepare(const struct expert_known *known, const struct expert_input *in,
    struct store_expert *out, char *err, size_t errlen);

enum expert_reg { EXPERT_ADDED, EXPERT_UPDATED, EXPERT_EXISTS, EXPERT_INVALID, EXPERT_STORE };

/*
 * Register one person in its own transaction. With update set, a registered phone has its
 * name, role, categories and townships replaced; without, it is EXPERT_EXISTS.
 */
enum expert_reg expert_register(struct store *s, const struct expert_known *known,
    const struct expert_input *in, int update, int64_t now, char *err, size_t errlen);

/*
 * Remove the registered person with phone (any form phone_normalize() takes), in its own
 * transaction: they keep their history, are off duty, get no new questions, and their phone
 * is no longer staff (what they send afterwards is a farmer's). *out is filled with them as they
 * were (caller frees with store_expert_free). Returns 0, or -1 with a reason in err.
 */
int expert_remove(struct store *s, const char *phone, int64_t now, struct store_expert *out,
    char *err, size_t errlen);

/* The columns of the bureau's list of people (`farmline expert list`): the heading. */
#define EXPERT_ROW_COLS 7
extern const char *const expert_row_head[EXPERT_ROW_COLS];

/* One person as a row of that list; the cells borrow from the person and from the row. */
struct expert_row {
	const char *cells[EXPERT_ROW_COLS];
	char categories[512];	/* the categories' names in rules, joined by "、" */
	char open[16];		/* open_count */
};

/*
 * Fill row with e: phone, name, role, the categories by their names in rules ("-": none),
 * townships ("-": any), status (removed, on duty, off duty) and open questions. The cells
 * are valid while e and row are.
 */
void expert_row(const struct route_rules *rules, const struct store_expert *e,
    struct expert_row *row);

/*
 * Import a CSV file (UTF-8, optional BOM, a header row naming the columns phone, name,
 * categories, townships, role). All rows or none: the first bad row stops the import with
 * "file: row N: reason". Registered phones are updated.
 */
int expert_import_csv(struct store *s, const struct expert_known *known, const char *path,
    int64_t now, int *added, int *updated, char *err, size_t errlen);

#endif
