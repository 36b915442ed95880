/*
 * The store: schema and migrations, inbound dedup, the outbox's life, experts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/log.h"
#include "store/store.h"
#include "tests/lib/testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct fixture {
	char *dir;
	char *path;
	struct store *s;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512];

	f->dir = tu_mkdtemp("store");
	if (asprintf(&f->path, "%s/test.db", f->dir) < 0)
		return -1;
	if (store_open(f->path, 1000, &f->s, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->s);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	return 0;
}

static void
test_new_database_is_wal_owner_only_and_migrated_once(void **state)
{
	struct fixture *f = *state;
	struct store *again;
	struct stat st;
	char err[512];

	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(store_schema_version(f->s), 5);	/* branch robust: migration 5 */
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM sqlite_master WHERE name = "
	    "'consultations'"), 1);
	{
		sqlite3 *db;
		sqlite3_stmt *q;

		sqlite3_open(f->path, &db);
		sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL);
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
		sqlite3_finalize(q);
		sqlite3_close(db);
	}
	assert_int_equal(store_open(f->path, 1000, &again, err, sizeof(err)), 0);
	assert_int_equal(store_schema_version(again), 5);
	/* The write-ahead log and its index are the owner's only too. */
	{
		char *wal = NULL, *shm = NULL;

		assert_true(asprintf(&wal, "%s-wal", f->path) > 0);
		assert_true(asprintf(&shm, "%s-shm", f->path) > 0);
		assert_int_equal(stat(wal, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		assert_int_equal(stat(shm, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		free(wal);
		free(shm);
	}
	store_close(again);
}

static void
test_repeated_provider_id_is_recognized(void **state)
{
	struct fixture *f = *state;
	int64_t a, b, c, d;

	assert_int_equal(store_msg_in_add(f->s, "http", "m-1", "+8613800000001", NULL, "问题", 1,
	    1000, &a), STORE_OK);
	assert_int_equal(store_msg_in_add(f->s, "http", "m-1", "+8613800000001", NULL, "问题", 1,
	    2000, &b), STORE_DUP);
	assert_int_equal(a, b);
	/* The same id from another provider is another message. */
	assert_int_equal(store_msg_in_add(f->s, "kannel", "m-1", "+8613800000001", NULL, "问题", 1,
	    2000, &c), STORE_OK);
	assert_int_not_equal(a, c);
	/* Without an id there is nothing to deduplicate on. */
	assert_int_equal(store_msg_in_add(f->s, "http", NULL, "+8613800000001", NULL, "问题", 1,
	    2000, &c), STORE_OK);
	assert_int_equal(store_msg_in_add(f->s, "http", NULL, "+8613800000001", NULL, "问题", 1,
	    2000, &d), STORE_OK);
	assert_int_not_equal(c, d);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM messages"), 4);
}

static void
test_outbox_message_lives_queued_sending_retry_sent(void **state)
{
	struct fixture *f = *state;
	struct store_msg rows[4];
	int64_t id, at;
	int n, recovered;

	assert_int_equal(store_outbox_add(f->s, "http", 0, "ack", "10690000", "+8613800000001",
	    "你好", 1, 1000, 0, &id), STORE_OK);
	assert_int_equal(store_outbox_due(f->s, 999, rows, 4, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_outbox_due(f->s, 1000, rows, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, id);
	assert_string_equal(rows[0].body, "你好");
	store_msg_free(&rows[0]);

	assert_int_equal(store_outbox_sending(f->s, id, "http", 1001), STORE_OK);
	/* Taken once: a second sender finds nothing to take. */
	assert_int_equal(store_outbox_sending(f->s, id, "http", 1001), STORE_NOTFOUND);
	assert_int_equal(store_outbox_due(f->s, 5000, rows, 4, &n), STORE_OK);
	assert_int_equal(n, 0);

	/* A crash while sending: the message goes back to the queue. */
	assert_int_equal(store_outbox_recover(f->s, &recovered), STORE_OK);
	assert_int_equal(recovered, 1);
	assert_int_equal(store_outbox_sending(f->s, id, "http", 1002), STORE_OK);
	assert_int_equal(store_outbox_retry(f->s, id, 9000, "HTTP 503"), STORE_OK);
	assert_int_equal(store_outbox_next_due(f->s, &at), STORE_OK);
	assert_int_equal(at, 9000);
	assert_int_equal(store_outbox_due(f->s, 8999, rows, 4, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_outbox_due(f->s, 9000, rows, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].attempts, 2);
	store_msg_free(&rows[0]);
	assert_int_equal(store_outbox_sending(f->s, id, "http", 9000), STORE_OK);
	assert_int_equal(store_outbox_sent(f->s, id, "prov-7", 9001), STORE_OK);
	assert_int_equal(store_outbox_next_due(f->s, &at), STORE_NOTFOUND);
	assert_int_equal(tu_query_int(f->path, "SELECT attempts FROM messages WHERE status = 'sent' "
	    "AND provider_id = 'prov-7'"), 3);
}

static void
test_outbound_provider_ids_need_not_be_unique(void **state)
{
	struct fixture *f = *state;
	int64_t a, b;

	store_outbox_add(f->s, "http", 0, "ack", "1", "+8613800000001", "x", 1, 1, 0, &a);
	store_outbox_add(f->s, "http", 0, "ack", "1", "+8613800000001", "y", 1, 1, 0, &b);
	assert_int_equal(store_outbox_sending(f->s, a, "http", 2), STORE_OK);
	assert_int_equal(store_outbox_sending(f->s, b, "http", 2), STORE_OK);
	assert_int_equal(store_outbox_sent(f->s, a, "ok", 3), STORE_OK);
	assert_int_equal(store_outbox_sent(f->s, b, "ok", 3), STORE_OK);
}

static void
test_experts_are_registered_once_with_their_categories(void **state)
{
	struct fixture *f = *state;
	struct store_expert e, got;
	int64_t id;

	memset(&e, 0, sizeof(e));
	snprintf(e.phone, sizeof(e.phone), "+8613900000002");
	e.name = "王专家";
	e.role = ROLE_EXPERT;
	e.on_duty = 1;
	e.categories = "poultry,livestock,poultry";
	e.townships = "舜山镇";
	assert_int_equal(store_expert_add(f->s, &e, 1, &id), STORE_OK);
	assert_int_equal(store_expert_add(f->s, &e, 1, &id), STORE_DUP);
	memset(&got, 0, sizeof(got));
	assert_int_equal(store_expert_find(f->s, "+8613900000002", &got), STORE_OK);
	assert_string_equal(got.name, "王专家");
	assert_string_equal(got.categories, "livestock,poultry");
	assert_string_equal(got.townships, "舜山镇");
	assert_int_equal(got.role, ROLE_EXPERT);
	store_expert_free(&got);

	e.name = "王建国";
	e.categories = "aqua";
	e.townships = NULL;
	assert_int_equal(store_expert_update(f->s, &e), STORE_OK);
	assert_int_equal(store_expert_get(f->s, id, &got), STORE_OK);
	assert_string_equal(got.name, "王建国");
	assert_string_equal(got.categories, "aqua");
	assert_null(got.townships);
	store_expert_free(&got);
	assert_int_equal(store_expert_find(f->s, "+8613900000009", &got), STORE_NOTFOUND);
}

static void
test_a_failed_savepoint_keeps_the_rest_of_the_transaction(void **state)
{
	struct fixture *f = *state;
	int64_t a, b;

	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(store_savepoint(f->s), STORE_OK);
	assert_int_equal(store_msg_in_add(f->s, "http", "x", "+1", NULL, "a", 1, 1, &a), STORE_OK);
	assert_int_equal(store_release(f->s), STORE_OK);
	assert_int_equal(store_savepoint(f->s), STORE_OK);
	assert_int_equal(store_msg_in_add(f->s, "http", "y", "+1", NULL, "b", 1, 1, &b), STORE_OK);
	assert_int_equal(store_rollback_savepoint(f->s), STORE_OK);
	assert_int_equal(store_commit(f->s), STORE_OK);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM messages WHERE provider_id = 'x'"),
	    1);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM messages WHERE provider_id = 'y'"),
	    0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_database_is_wal_owner_only_and_migrated_once,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeated_provider_id_is_recognized, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_outbox_message_lives_queued_sending_retry_sent,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbound_provider_ids_need_not_be_unique, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_experts_are_registered_once_with_their_categories,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_failed_savepoint_keeps_the_rest_of_the_transaction,
		    setup, teardown),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
