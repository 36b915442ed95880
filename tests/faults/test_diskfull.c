/*
 * When SQLite cannot commit. First the disk fills up: the database lives on a small tmpfs
 * mounted for the test (as root; elsewhere RLIMIT_FSIZE set on the running gateway with
 * prlimit stands in for it), and a file of the test's fills it to the last byte. Then another
 * process holds the database's write lock (BEGIN EXCLUSIVE) longer than [store] busy_timeout.
 * Each time: webhooks answer 503, never 200 for what was not stored (every 200's message is in
 * the database afterwards), /healthz says so, and once the space or the lock is back the same
 * gateway process takes messages again without a restart; what was refused is taken when sent
 * again; every outbound SMS ends up 'sent', and a clean restart sends nothing a second time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/faults/faultlib.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMPFS_SIZE "16m"	/* SQLite's WAL alone grows to 4 MB (1000 pages) */
#define BUSY_MS 500		/* [store] busy_timeout */
#define FULL_MS 2000		/* how long the disk stays full at least */
#define LOCK_MS 3000		/* how long the other process holds the lock */
#define RECOVER_MS 10000	/* the longest the gateway may take to take messages again */
#define EXPERT "+8613900000001"
#define RETRY_FARMER "+8613600000001"

struct fixture {
	struct fprov fp;
	struct world *w;
	char data[1024];	/* the database's folder: the mount point */
	char filler[1100];
	int mounted;
};

/* What happened to the requests of one fault. */
struct tally {
	const char *name;
	int posted, ok, unavailable, other;
	int during_posted, during_ok, during_503;	/* while the fault lasted */
	char (*refused)[32];	/* ids answered 503, sent again afterwards */
	int nrefused;
	char (*taken)[32];	/* ids answered 200 */
	int ntaken;
	long health_during, health_after;
	int64_t recovered_ms;	/* from the fault's end to the first 200 */
	int after_ok, resent_ok;
	int stuck_sending;	/* outbound rows left 'sending' after the recovery */
};

static int farmer_seq;

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL || fp_start(&fx->fp, 0) != 0)
		return -1;
	fx->w = fl_world_new("diskfull", fx->fp.port, 0,
	    "[store]\nbusy_timeout = 500ms\n"
	    "[provider]\ntimeout = 2s\n"
	    "[sender]\nretry_base = 100ms\nretry_max = 500ms\npoll_interval = 50ms\nmax_age = 1h\n"
	    "[consult]\nloop_limit = 1000\n");
	snprintf(fx->data, sizeof(fx->data), "%s/data", fx->w->dir);
	snprintf(fx->filler, sizeof(fx->filler), "%s/filler", fx->data);
	fl_watchdog(120, fx->w);
	/* RLIMIT_FSIZE, if it comes to that, must not kill the gateway with SIGXFSZ: the ignored
	 * signal is inherited through fork and exec, and write() then fails with EFBIG. */
	signal(SIGXFSZ, SIG_IGN);
	if (getenv("FAULT_NO_MOUNT") == NULL && mount("tmpfs", fx->data, "tmpfs",
	    MS_NOSUID | MS_NODEV, "size=" TMPFS_SIZE ",mode=0700") == 0) {
		fx->mounted = 1;
		fl_watchdog_umount(fx->data);
		printf("diskfull: the database on a %s tmpfs\n", TMPFS_SIZE);
	} else {
		printf("diskfull: no tmpfs (%s): RLIMIT_FSIZE on the gateway stands in for a full"
		    " disk\n", getenv("FAULT_NO_MOUNT") ? "FAULT_NO_MOUNT is set" :
		    strerror(errno));
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->w->gw.pid > 0)
		h_gateway_kill(fx->w);
	if (fx->mounted && umount2(fx->data, MNT_DETACH) != 0)
		perror("umount");
	fl_watchdog_umount(NULL);
	fl_world_free(fx->w);
	fp_free(&fx->fp);
	free(fx);
	return 0;
}

/* A farmer's question with provider id id; the status. */
static long
post(struct world *w, const char *id)
{
	char form[256];

	snprintf(form, sizeof(form), "from=%%2B86138%08d&text=鸡苗拉稀不吃食怎么办+%s&id=%s",
	    ++farmer_seq, id, id);
	return fl_post_form(NULL, w->gw.port, form, NULL);
}

static long
health(struct world *w)
{
	return fl_request(NULL, w->gw.port, "GET", "/healthz", NULL, NULL, NULL, 0, NULL, NULL,
	    NULL);
}

static void
note(struct tally *t, const char *id, long status)
{
	t->posted++;
	if (status == 200) {
		t->ok++;
		t->taken = realloc(t->taken, (size_t)(t->ntaken + 1) * sizeof(*t->taken));
		snprintf(t->taken[t->ntaken++], 32, "%s", id);
	} else if (status == 503) {
		t->unavailable++;
		t->refused = realloc(t->refused, (size_t)(t->nrefused + 1) * sizeof(*t->refused));
		snprintf(t->refused[t->nrefused++], 32, "%s", id);
	} else {
		t->other++;
		printf("  %s: %s answered %ld\n", t->name, id, status);
	}
}

/* After the fault: the first 200, then more; what was refused, sent again; the outbox. */
static void
recover(struct fixture *fx, struct tally *t, int64_t fault_ended)
{
	struct world *w = fx->w;
	int64_t until = h_now_ms() + RECOVER_MS;
	char id[32];
	long status = 0;
	int i;

	t->during_posted = t->posted;
	t->during_ok = t->ok;
	t->during_503 = t->unavailable;
	for (i = 0; status != 200 && h_now_ms() < until; i++) {
		snprintf(id, sizeof(id), "%s-after-%d", t->name, i);
		status = post(w, id);
		note(t, id, status);
		if (status != 200)
			h_sleep_ms(50);
	}
	t->recovered_ms = h_now_ms() - fault_ended;
	for (i = 0; i < 20; i++) {
		snprintf(id, sizeof(id), "%s-later-%d", t->name, i);
		status = post(w, id);
		t->after_ok += status == 200;
		if (status == 200) {
			t->taken = realloc(t->taken, (size_t)(t->ntaken + 1) * sizeof(*t->taken));
			snprintf(t->taken[t->ntaken++], 32, "%s", id);
		}
	}
	t->health_after = health(w);
	/* A provider sends again what was answered 503. */
	for (i = 0; i < t->nrefused; i++)
		t->resent_ok += post(w, t->refused[i]) == 200;
	/* The outbox drains: nothing left 'sending' or 'queued'. */
	until = h_now_ms() + 8000;
	while (fl_q(w->db, "SELECT count(*) FROM messages WHERE direction = 'out' AND"
	    " status <> 'sent'") > 0 && h_now_ms() < until)
		h_sleep_ms(50);
	t->stuck_sending = (int)fl_q(w->db, "SELECT count(*) FROM messages WHERE direction ="
	    " 'out' AND status = 'sending'");
}

/* Every id answered 200 (and every one refused, now sent again) is stored exactly once. */
static int
check_stored(struct world *w, struct tally *t)
{
	int i, bad = 0;

	for (i = 0; i < t->ntaken; i++) {
		if (fl_q(w->db, "SELECT count(*) FROM messages WHERE direction = 'in' AND"
		    " provider_id = %Q", t->taken[i]) != 1) {
			printf("  %s: %s was answered 200 but is not stored once\n", t->name,
			    t->taken[i]);
			bad++;
		}
	}
	for (i = 0; i < t->nrefused; i++) {
		if (fl_q(w->db, "SELECT count(*) FROM messages WHERE direction = 'in' AND"
		    " provider_id = %Q", t->refused[i]) != 1) {
			printf("  %s: %s, refused and sent again, is not stored once\n", t->name,
			    t->refused[i]);
			bad++;
		}
	}
	return bad;
}

static void
report(const struct tally *t, int not_stored)
{
	printf("%s: %d requests while the fault lasted: %d answered 503, %d answered 200; /healthz"
	    " answered %ld during it, %ld after\n", t->name, t->during_posted, t->during_503,
	    t->during_ok, t->health_during, t->health_after);
	printf("%s: the same process took messages again %lld ms after the fault ended; then %d of"
	    " 20 answered 200; %d of %d refused taken when sent again; %d answered 200 but not"
	    " stored; %d outbound rows left 'sending' (so far)\n", t->name,
	    (long long)t->recovered_ms,
	    t->after_ok, t->resent_ok, t->nrefused, not_stored, t->stuck_sending);
}

/* Fill the tmpfs to the last byte. Returns the bytes written. */
static long long
fill(const char *path)
{
	static char block[65536];
	long long total = 0;
	size_t sizes[] = { sizeof(block), 4096, 1 }, k;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n;

	assert_true(fd >= 0);
	for (k = 0; k < 3; k++) {
		while ((n = write(fd, block, sizes[k])) > 0)
			total += n;
		assert_int_equal(errno, ENOSPC);
	}
	close(fd);
	return total;
}

/* User and system CPU time of a process so far, in seconds. */
static double
cpu_seconds(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long utime = 0, stime = 0;
	FILE *fp;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fp = fopen(path, "r");
	if (fp == NULL)
		return 0;
	p = fgets(buf, sizeof(buf), fp) ? strrchr(buf, ')') : NULL;
	fclose(fp);
	/* after the command's ")": state is field 3, utime 14, stime 15 */
	for (field = 2; p && *p && field < 14; p++) {
		if (*p == ' ')
			field++;
	}
	if (p == NULL || sscanf(p, "%lu %lu", &utime, &stime) != 2)
		return 0;
	return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static off_t
size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : 0;
}

/* Without a tmpfs: no file of the gateway may grow past its size now. */
static void
limit_files(struct fixture *fx, int on)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	char wal[1100];

	if (on) {
		snprintf(wal, sizeof(wal), "%s-wal", fx->w->db);
		rl.rlim_cur = (rlim_t)(size_of(wal) > size_of(fx->w->db) ? size_of(wal) :
		    size_of(fx->w->db));
	}
	assert_int_equal(prlimit(fx->w->gw.pid, RLIMIT_FSIZE, &rl, NULL), 0);
}

static void
set_delay(struct fixture *fx, int ms)
{
	pthread_mutex_lock(&fx->fp.lock);
	fx->fp.delay_ms = ms;
	pthread_mutex_unlock(&fx->fp.lock);
}

/* Questions whose SMS are still with the provider when the fault comes: their outcome must be
 * recorded once the database takes writes again. */
static void
in_flight(struct fixture *fx, const char *tag)
{
	char id[32];
	int i;

	set_delay(fx, 300);
	for (i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "%s-inflight-%d", tag, i);
		assert_int_equal(post(fx->w, id), 200);
	}
	h_sleep_ms(50);
}

/* On: the provider fails every SMS to one farmer, whose acknowledgements are then due again
 * and again while the fault lasts. Off: it takes them. */
static void
retrying(struct fixture *fx, int on)
{
	char id[32];
	int i;

	pthread_mutex_lock(&fx->fp.lock);
	snprintf(fx->fp.fail_to, sizeof(fx->fp.fail_to), "%s", on ? RETRY_FARMER : "");
	pthread_mutex_unlock(&fx->fp.lock);
	for (i = 0; on && i < 3; i++) {
		char form[256];

		snprintf(id, sizeof(id), "retrying-%d", i);
		snprintf(form, sizeof(form), "from=%%2B%s&text=鸭子不下蛋+%s&id=%s", RETRY_FARMER + 1,
		    id, id);
		assert_int_equal(fl_post_form(NULL, fx->w->gw.port, form, NULL), 200);
	}
	if (on)
		h_sleep_ms(300);
}

static void
test_full_disk_and_locked_database_answer_503_and_recover(void **state)
{
	struct fixture *fx = *state;
	struct world *w = fx->w;
	struct tally full = { .name = "diskfull" }, locked = { .name = "locked" };
	struct fp_hit *hits;
	sqlite3 *other = NULL;
	pid_t pid;
	int64_t t0 = h_now_ms(), ended, until, began, full_ms = 0;
	double full_cpu;
	int spin = 0;
	long long filled = 0, *ids;
	int i, j, n, nids, consecutive = 0, dups = 0, never = 0, full_bad, locked_bad;
	char id[32], *out;
	long status;

	assert_int_equal(h_run_cli(w, &out, "expert", "add", "--phone", EXPERT, "--name", "王专家",
	    "--categories", "poultry", NULL), 0);
	free(out);
	h_gateway_restart(w);
	pid = w->gw.pid;
	for (i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "before-%d", i);
		assert_int_equal(post(w, id), 200);
	}
	assert_int_equal(h_db_wait(w, "SELECT count(*) FROM messages WHERE direction = 'out' AND"
	    " status <> 'sent'", 0), 0);

	/* The disk fills up while outbound SMS are in flight (the provider answers slowly) and
	 * others wait for their next try (the provider fails one farmer's). Requests go on
	 * until the gateway refuses them steadily, FULL_MS at least. */
	retrying(fx, 1);
	in_flight(fx, "full");
	began = h_now_ms();
	full_cpu = cpu_seconds(pid);
	if (fx->mounted)
		filled = fill(fx->filler);
	else
		limit_files(fx, 1);
	full.health_during = -1;
	/* Until refused five times in a row, and for FULL_MS at least. */
	until = h_now_ms() + FULL_MS;
	for (i = 0; i < 400 && (consecutive < 5 || h_now_ms() < until); i++) {
		snprintf(id, sizeof(id), "full-%d", i);
		status = post(w, id);
		note(&full, id, status);
		consecutive = status == 503 ? consecutive + 1 : 0;
		if (status == 503 && full.health_during == -1)
			full.health_during = health(w);
		if (consecutive >= 5)
			h_sleep_ms(100);
	}
	if (fx->mounted)
		printf("diskfull: filled the tmpfs with %lld bytes\n", filled);
	if (fx->mounted)
		assert_int_equal(unlink(fx->filler), 0);
	else
		limit_files(fx, 0);
	ended = h_now_ms();
	full_ms = ended - began;
	full_cpu = cpu_seconds(pid) - full_cpu;
	set_delay(fx, 0);
	retrying(fx, 0);
	recover(fx, &full, ended);
	full_bad = check_stored(w, &full);
	report(&full, full_bad);

	/* Another process holds the write lock longer than busy_timeout, while outbound SMS are
	 * in flight (the provider answers slowly) and farmers go on asking. */
	in_flight(fx, "locked");
	assert_int_equal(sqlite3_open(w->db, &other), SQLITE_OK);
	sqlite3_busy_timeout(other, 5000);
	assert_int_equal(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	began = h_now_ms();
	until = began + LOCK_MS;
	locked.health_during = -1;
	for (i = 0; h_now_ms() < until; i++) {
		snprintf(id, sizeof(id), "locked-%d", i);
		status = post(w, id);
		note(&locked, id, status);
		if (status == 503 && locked.health_during == -1)
			locked.health_during = health(w);
	}
	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	ended = h_now_ms();
	set_delay(fx, 0);
	recover(fx, &locked, ended);

	/* The same process all along. */
	assert_int_equal(w->gw.pid, pid);
	assert_int_equal(kill(pid, 0), 0);
	locked_bad = check_stored(w, &locked);
	report(&locked, locked_bad);

	/* A clean restart: nothing the provider took may go a second time. */
	assert_int_equal(h_gateway_stop(w), 0);
	h_gateway_restart(w);
	h_sleep_ms(1500);
	assert_int_equal(h_gateway_stop(w), 0);
	nids = fl_qlist(w->db, &ids, "SELECT id FROM messages WHERE direction = 'out'");
	n = fp_snapshot(&fx->fp, &hits);
	for (i = 0; i < nids; i++) {
		int accepted = 0;

		for (j = 0; j < n; j++)
			accepted += hits[j].id == ids[i] && hits[j].status == 200;
		dups += accepted > 1;
		never += accepted == 0;
	}
	printf("diskfull: %d outbound SMS, %d never accepted by the provider, %d accepted twice"
	    " (after a clean restart); %.1f s in all\n", nids, never, dups,
	    (double)(h_now_ms() - t0) / 1000.0);
	{
		char *log = h_gateway_log(w), *at = log, *eol;
		int lines = 0;

		while ((at = strstr(at, "cannot record the outcome")) != NULL) {
			if (lines++ == 0) {
				eol = strchr(at, '\n');
				printf("diskfull: the log: %.*s\n",
				    eol ? (int)(eol - at) : 200, at);
			}
			at++;
		}
		printf("diskfull: %d log lines 'cannot record the outcome of message'\n", lines);
		if (getenv("FAULT_SHOW_LOG"))
			fputs(log, stdout);
		for (spin = 0, at = log; (at = strstr(at, "cannot mark message")) != NULL; at++)
			spin++;
		printf("diskfull: %d log lines 'cannot mark message … sending' in %.1f s of full"
		    " disk; the gateway used %.1f s of CPU then\n", spin, (double)full_ms / 1000.0,
		    full_cpu);
		assert_int_equal(fl_grep_numbers(log, "diskfull"), 0);
		free(log);
	}
	free(hits);
	free(ids);

	/* Never 200 for what was not stored; 503 while it cannot commit; recovery by itself. */
	assert_int_equal(full_bad, 0);
	assert_int_equal(locked_bad, 0);
	assert_true(full.unavailable > 0);
	assert_true(locked.unavailable > 0);
	assert_int_equal(full.other + locked.other, 0);
	assert_int_equal(full.after_ok, 20);
	assert_int_equal(locked.after_ok, 20);
	assert_int_equal(full.resent_ok, full.nrefused);
	assert_int_equal(locked.resent_ok, locked.nrefused);
	assert_true(full.recovered_ms < RECOVER_MS);
	assert_true(locked.recovered_ms < RECOVER_MS);
	assert_int_equal(full.health_after, 200);
	assert_int_equal(locked.health_after, 200);
	/* The outbox: every message sent and recorded, none twice. */
	assert_int_equal(never, 0);
	assert_int_equal(full.stuck_sending, 0);
	assert_int_equal(locked.stuck_sending, 0);
	assert_int_equal(dups, 0);
	/* While it cannot write, the sender waits between tries like anything else: a poll
	 * interval (50 ms) for each due message would be 20 a second; 100 is plenty. */
	assert_true(spin <= (int)(full_ms / 10) + 100);
	/* /healthz tells a provider or a monitor that messages cannot be taken. */
	assert_int_equal(full.health_during, 503);
	assert_int_equal(locked.health_during, 503);
	free(full.taken);
	free(full.refused);
	free(locked.taken);
	free(locked.refused);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_full_disk_and_locked_database_answer_503_and_recover, setup, teardown),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("faults: disk full, database locked", tests, NULL,
	    NULL);
}
