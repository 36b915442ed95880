/*
 * Registering experts and staff: validation, single adds and CSV imports (libcsv).
 */
#include "experts/registry.h"

#include "common/phone.h"
#include "common/sms.h"
#include "routing/classify.h"
#include "common/xmalloc.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT_MAX_BYTES (16 << 20)

/* Split a list on , ; 、 | ， ； and blanks; calls cb for each non-empty item. */
static int
split_list(const char *list, int (*cb)(void *arg, const char *item), void *arg)
{
	static const char *const seps[] = { ",", ";", "|", " ", "\t", "、", "，", "；", "　" };
	char item[256];
	size_t len = 0, i;
	const char *p = list;

	for (;;) {
		size_t seplen = 0;

		if (*p != '\0') {
			for (i = 0; i < sizeof(seps) / sizeof(seps[0]); i++) {
				size_t l = strlen(seps[i]);

				if (strncmp(p, seps[i], l) == 0) {
					seplen = l;
					break;
				}
			}
		}
		if (*p == '\0' || seplen) {
			item[len] = '\0';
			if (len && cb(arg, item) != 0)
				return -1;
			len = 0;
			if (*p == '\0')
				return 0;
			p += seplen;
			continue;
		}
		if (len + 1 >= sizeof(item))
			return -1;
		item[len++] = *p++;
	}
}

struct list_build {
	const struct expert_known *known;
	char out[1024];
	char *err;
	size_t errlen;
};

static int
append_item(struct list_build *b, const char *item)
{
	size_t used = strlen(b->out);

	if (used + strlen(item) + 2 > sizeof(b->out)) {
		snprintf(b->err, b->errlen, "list too long");
		return -1;
	}
	if (used)
		strcat(b->out, ",");
	strcat(b->out, item);
	return 0;
}

static int
add_category(void *arg, const char *item)
{
	struct list_build *b = arg;
	const struct route_rules *rules = b->known->rules;
	const struct route_category *c = route_rules_find(rules, item);
	char known[512] = "";
	int i;

	if (c == NULL) {
		for (i = 0; i < route_rules_count(rules); i++) {
			const struct route_category *k = route_rules_category(rules, i);

			if (strlen(known) + strlen(k->code) + 2 < sizeof(known)) {
				if (i)
					strcat(known, ",");
				strcat(known, k->code);
			}
		}
		snprintf(b->err, b->errlen, "unknown category \"%s\" (known: %s)", item, known);
		return -1;
	}
	return append_item(b, c->code);
}

/* A township of [townships], when the config lists them; any name when it does not. */
static int
add_township(void *arg, const char *item)
{
	struct list_build *b = arg;
	const struct expert_known *k = b->known;
	size_t used = 0;
	int i;

	for (i = 0; i < k->ntownships; i++) {
		if (strcmp(k->townships[i].name, item) == 0)
			break;
	}
	if (k->ntownships > 0 && i == k->ntownships) {
		used = (size_t)snprintf(b->err, b->errlen, "unknown township \"%s\" (the [townships] "
		    "of the config: ", item);
		for (i = 0; i < k->ntownships && used < b->errlen; i++)
			used += (size_t)snprintf(b->err + used, b->errlen - used, "%s%s", i ? "、" : "",
			    k->townships[i].name);
		if (used < b->errlen)
			snprintf(b->err + used, b->errlen - used, ")");
		return -1;
	}
	return append_item(b, item);
}

int
expert_prepare(const struct expert_known *known, const struct expert_input *in,
    struct store_expert *out, char *err, size_t errlen)
{
	struct list_build b;
	int role = ROLE_EXPERT;

	memset(out, 0, sizeof(*out));
	out->on_duty = 1;
	if (in->phone == NULL || phone_normalize(in->phone, out->phone, sizeof(out->phone)) != 0) {
		snprintf(err, errlen, "\"%s\" is not a phone number", in->phone ? in->phone : "");
		return -1;
	}
	if (in->name == NULL || *in->name == '\0' || strlen(in->name) > 64 ||
	    !utf8_valid(in->name, strlen(in->name))) {
		snprintf(err, errlen, "a name (at most 64 bytes of UTF-8) is required");
		return -1;
	}
	out->name = xstrdup(in->name);
	if (in->role && *in->role) {
		role = store_role_parse(in->role);
		if (role < 0) {
			snprintf(err, errlen, "unknown role \"%s\" (expert, triage, commissioner)",
			    in->role);
			return -1;
		}
	}
	out->role = (enum store_role)role;

	memset(&b, 0, sizeof(b));
	b.known = known;
	b.err = err;
	b.errlen = errlen;
	err[0] = '\0';
	if (in->categories && split_list(in->categories, add_category, &b) != 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "a category in the list is too long");
		return -1;
	}
	if (b.out[0] == '\0' && out->role == ROLE_EXPERT) {
		snprintf(err, errlen, "an expert needs at least one category");
		return -1;
	}
	out->categories = b.out[0] ? xstrdup(b.out) : NULL;
	err[0] = '\0';

	b.out[0] = '\0';
	if (in->townships && (!utf8_valid(in->townships, strlen(in->townships)) ||
	    split_list(in->townships, add_township, &b) != 0)) {
		if (err[0] == '\0')
			snprintf(err, errlen, "a township in the list is too long or not UTF-8");
		return -1;
	}
	out->townships = b.out[0] ? xstrdup(b.out) : NULL;
	return 0;
}

/* Add or update one prepared person inside the caller's transaction. */
static enum expert_reg
register_prepared(struct store *s, const struct store_expert *e, int update, int64_t now,
    char *err, size_t errlen)
{
	enum store_rc rc;

	rc = store_expert_add(s, e, now, NULL);
	if (rc == STORE_DUP) {
		if (!update) {
			int removed = 0;

			store_expert_removed(s, e->phone, &removed);
			snprintf(err, errlen, removed ? "%s was registered and removed" :
			    "%s is already registered", e->phone);
			return EXPERT_EXISTS;
		}
		rc = store_expert_update(s, e);
		if (rc == STORE_OK)
			return EXPERT_UPDATED;
	}
	if (rc) {
		snprintf(err, errlen, "store: %s", store_errmsg(s));
		return EXPERT_STORE;
	}
	return EXPERT_ADDED;
}

enum expert_reg
expert_register(struct store *s, const struct expert_known *known,
    const struct expert_input *in, int update, int64_t now, char *err, size_t errlen)
{
	struct store_expert e;
	enum expert_reg res;

	if (expert_prepare(known, in, &e, err, errlen) != 0) {
		store_expert_free(&e);
		return EXPERT_INVALID;
	}
	if (store_begin(s)) {
		snprintf(err, errlen, "store: %s", store_errmsg(s));
		store_expert_free(&e);
		return EXPERT_STORE;
	}
	res = register_prepared(s, &e, update, now, err, errlen);
	if (res == EXPERT_ADDED || res == EXPERT_UPDATED) {
		if (store_commit(s)) {
			snprintf(err, errlen, "store: %s", store_errmsg(s));
			res = EXPERT_STORE;
		}
	}
	if (res != EXPERT_ADDED && res != EXPERT_UPDATED)
		store_rollback(s);
	store_expert_free(&e);
	return res;
}

int
expert_remove(struct store *s, const char *phone, int64_t now, struct store_expert *out,
    char *err, size_t errlen)
{
	char e164[STORE_PHONE_MAX];
	enum store_rc rc;
	int removed = 0;

	memset(out, 0, sizeof(*out));
	if (phone == NULL || phone_normalize(phone, e164, sizeof(e164)) != 0) {
		snprintf(err, errlen, "\"%s\" is not a phone number", phone ? phone : "");
		return -1;
	}
	if (store_begin(s)) {
		snprintf(err, errlen, "store: %s", store_errmsg(s));
		return -1;
	}
	rc = store_expert_remove(s, e164, now, out);
	if (rc == STORE_OK)
		rc = store_commit(s);
	if (rc == STORE_OK)
		return 0;
	if (rc == STORE_NOTFOUND && store_expert_removed(s, e164, &removed) == STORE_OK)
		snprintf(err, errlen, removed ? "%s was already removed" :
		    "no one is registered with %s", e164);
	else
		snprintf(err, errlen, "store: %s", store_errmsg(s));
	store_rollback(s);
	return -1;
}

/* CSV import: libcsv hands fields and row ends to these callbacks. */

#define CSV_COLS 5
#define CSV_MAX_FIELDS 16
enum { COL_PHONE, COL_NAME, COL_CATEGORIES, COL_TOWNSHIPS, COL_ROLE };
static const char *const col_names[CSV_COLS] = { "phone", "name", "categories", "townships",
    "role" };

struct csv_import {
	struct store *s;
	const struct expert_known *known;
	const char *path;
	int64_t now;
	int row;			/* 1 is the header */
	int map[CSV_MAX_FIELDS];	/* field position → column, -1 ignored */
	int ncols;			/* fields in the header */
	int nfields;			/* fields seen in this row */
	char *fields[CSV_COLS];
	int added, updated;
	int failed;
	char *err;
	size_t errlen;
};

static void
csv_fail(struct csv_import *im, const char *reason)
{
	if (!im->failed)
		snprintf(im->err, im->errlen, "%s: row %d: %s", im->path, im->row, reason);
	im->failed = 1;
}

static void
csv_field(void *data, size_t len, void *arg)
{
	struct csv_import *im = arg;
	const char *text = data ? data : "";
	int pos = im->nfields++, i;

	if (im->failed)
		return;
	if (im->row == 1 && pos == 0 && len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;	/* the byte-order mark spreadsheet programs write */
		len -= 3;
	}
	if (pos >= CSV_MAX_FIELDS) {
		csv_fail(im, "too many columns");
		return;
	}
	if (!utf8_valid(text, len)) {
		csv_fail(im, "not UTF-8 text (save the file as CSV UTF-8)");
		return;
	}
	if (im->row == 1) {
		im->map[pos] = -1;
		for (i = 0; i < CSV_COLS; i++) {
			if (strlen(col_names[i]) == len && strncmp(col_names[i], text, len) == 0)
				im->map[pos] = i;
		}
		if (im->map[pos] < 0)
			csv_fail(im, "unknown column (use phone,name,categories,townships,role)");
		im->ncols = pos + 1;
		return;
	}
	if (pos >= im->ncols) {
		csv_fail(im, "more fields than the header has columns");
		return;
	}
	i = im->map[pos];
	free(im->fields[i]);
	im->fields[i] = xstrndup(text, len);
}

static void
csv_row(int c, void *arg)
{
	struct csv_import *im = arg;
	struct expert_input in;
	struct store_expert e;
	char why[512];
	int i;

	(void)c;
	if (!im->failed && im->row == 1) {
		int have[CSV_COLS] = { 0 };

		for (i = 0; i < im->ncols; i++)
			have[im->map[i]] = 1;
		if (!have[COL_PHONE] || !have[COL_NAME])
			csv_fail(im, "the header needs at least the columns phone and name");
	} else if (!im->failed && im->nfields > 0) {
		in.phone = im->fields[COL_PHONE];
		in.name = im->fields[COL_NAME];
		in.categories = im->fields[COL_CATEGORIES];
		in.townships = im->fields[COL_TOWNSHIPS];
		in.role = im->fields[COL_ROLE];
		if (expert_prepare(im->known, &in, &e, why, sizeof(why)) != 0) {
			csv_fail(im, why);
		} else {
			switch (register_prepared(im->s, &e, 1, im->now, why, sizeof(why))) {
			case EXPERT_ADDED:
				im->added++;
				break;
			case EXPERT_UPDATED:
				im->updated++;
				break;
			default:
				csv_fail(im, why);
			}
		}
		store_expert_free(&e);
	}
	for (i = 0; i < CSV_COLS; i++) {
		free(im->fields[i]);
		im->fields[i] = NULL;
	}
	im->nfields = 0;
	im->row++;
}

int
expert_import_csv(struct store *s, const struct expert_known *known, const char *path,
    int64_t now, int *added, int *updated, char *err, size_t errlen)
{
	struct csv_import im;
	struct csv_parser p;
	char buf[8192];
	size_t n, total = 0;
	FILE *fp = NULL;
	int rc = -1, began = 0, i;

	memset(&im, 0, sizeof(im));
	im.s = s;
	im.known = known;
	im.path = path;
	im.now = now;
	im.row = 1;
	im.err = err;
	im.errlen = errlen;

	if (csv_init(&p, CSV_STRICT | CSV_APPEND_NULL | CSV_STRICT_FINI) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	fp = fopen(path, "rb");
	if (fp == NULL) {
		snprintf(err, errlen, "%s: cannot open", path);
		goto out;
	}
	if (store_begin(s)) {
		snprintf(err, errlen, "store: %s", store_errmsg(s));
		goto out;
	}
	began = 1;
	while (!im.failed && (n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		total += n;
		if (total > IMPORT_MAX_BYTES) {
			snprintf(err, errlen, "%s: larger than %d bytes", path, IMPORT_MAX_BYTES);
			goto out;
		}
		if (csv_parse(&p, buf, n, csv_field, csv_row, &im) != n) {
			csv_fail(&im, csv_strerror(csv_error(&p)));
			goto out;
		}
	}
	if (!im.failed && csv_fini(&p, csv_field, csv_row, &im) != 0)
		csv_fail(&im, csv_strerror(csv_error(&p)));
	if (im.failed)
		goto out;
	if (im.row == 1) {
		snprintf(err, errlen, "%s: empty file", path);
		goto out;
	}
	if (store_commit(s)) {
		snprintf(err, errlen, "store: %s", store_errmsg(s));
		goto out;
	}
	began = 0;
	*added = im.added;
	*updated = im.updated;
	rc = 0;
out:
	if (began)
		store_rollback(s);
	for (i = 0; i < CSV_COLS; i++)
		free(im.fields[i]);
	csv_free(&p);
	if (fp)
		fclose(fp);
	return rc;
}

const char *const expert_row_head[EXPERT_ROW_COLS] = { "手机号", "姓名", "角色", "类别",
    "包联乡镇", "状态", "待答" };

void
expert_row(const struct route_rules *rules, const struct store_expert *e,
    struct expert_row *row)
{
	char *cats = row->categories;

	route_codes_names(rules, e->categories, cats, sizeof(row->categories));
	snprintf(row->open, sizeof(row->open), "%d", e->open_count);
	row->cells[0] = e->phone;
	row->cells[1] = e->name;
	row->cells[2] = e->role == ROLE_EXPERT ? "专家" : e->role == ROLE_TRIAGE ? "分诊员" :
	    "信息员";
	row->cells[3] = cats[0] ? cats : "-";
	row->cells[4] = e->townships ? e->townships : "-";
	row->cells[5] = e->removed_at ? "已停用" : e->on_duty ? "在岗" : "暂停";
	row->cells[6] = row->open;
}
