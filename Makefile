# farmline — build, test and run.
#
#   make              build build/farmline and the tests
#   make run          install missing Debian packages, build, start the gateway on config/farmline.conf
#   make test         run every test (unit and integration), and check config/farmline.conf
#   make bench        run the benchmarks under bench/ (they print figures; they are not tests)
#   make deps         install the Debian packages the build and the tests need
#   make install      install under PREFIX (/usr/local) and /etc/farmline; DESTDIR stages it
#   make uninstall    remove what make install put there, but the settings and the data
#   make deb          build the Debian package into build/deb/ (debian/)
#   make WERROR=1     warnings are errors (CI)
#   make SANITIZE=address,undefined test   build into build-san/ with sanitizers and run the tests

CC      ?= cc
PKG_CONFIG ?= pkg-config
# The version, set in VERSION only: compiled in as FARMLINE_VERSION (farmline --version,
# /metrics), checked against debian/changelog by make deb.
VERSION := $(shell cat VERSION)
PKGS    := libmicrohttpd libcurl sqlite3 libpcre2-8 jansson opencc inih libcrypto
TEST_PKGS := cmocka

ifdef SANITIZE
BUILD   ?= build-san
SANFLAGS := -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT     ?= -O1
else
BUILD   ?= build
SANFLAGS :=
OPT     ?= -O2
endif

WARN    := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Wformat=2 \
           -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN    += -Werror
endif

# Deferred (=) so that `make deps` can run before pkg-config knows the packages.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(PKGS)) -lcsv -lpthread -lm
TEST_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS))
TEST_LIBS   = $(shell $(PKG_CONFIG) --libs $(TEST_PKGS))

# CI runs as root; the gateway refuses that unless told (see `farmline serve`). The tests,
# benchmarks and fault tests tell it so.
export FARMLINE_ALLOW_ROOT := 1

CPPFLAGS += -I. -D_GNU_SOURCE -DFARMLINE_VERSION='"$(VERSION)"'
CFLAGS  += -std=c11 $(OPT) -g $(WARN) $(SANFLAGS) -MMD -MP
LDFLAGS += $(SANFLAGS)

# The modules, lowest first (DESIGN.md: Layout). All but cli/ go into libfarmline.a, which the
# tests, benchmarks and fuzz harnesses link; cli/ is the command line, linked into the binary.
MODULES := common store routing experts consult bureau gateway cli
LIB_SRC := $(foreach m,$(filter-out cli,$(MODULES)),$(wildcard $(m)/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_SRC := $(wildcard cli/*.c)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
LIB     := $(BUILD)/libfarmline.a
BIN     := $(BUILD)/farmline

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
INTEG_SRC := $(wildcard tests/integration/test_*.c)
INTEG_BIN := $(INTEG_SRC:tests/integration/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(wildcard bench/bench_*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
TESTLIB_SRC := $(wildcard tests/lib/*.c)
TESTLIB_OBJ := $(TESTLIB_SRC:%.c=$(BUILD)/obj/%.o)

.PHONY: all test unit integration bench run deps clean test-kannel
.PHONY: dashboard test-dashboard
.PHONY: test-faults
all: $(BIN) $(UNIT_BIN) $(INTEG_BIN) $(BENCH_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

# The characters OpenCC's t2s dictionaries can change, read from the installed dictionaries.
$(BUILD)/gen/t2s_keys.inc: tools/gen-t2s-keys.sh
	@mkdir -p $(@D)
	tools/gen-t2s-keys.sh > $@.tmp
	mv $@.tmp $@

$(BUILD)/obj/routing/normalize.o: $(BUILD)/gen/t2s_keys.inc
$(BUILD)/obj/routing/normalize.o: CPPFLAGS += -I$(BUILD)/gen

# The files that print FARMLINE_VERSION are built again when it changes.
$(BUILD)/obj/cli/main.o $(BUILD)/obj/common/metrics.o: VERSION

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(TEST_CFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(TESTLIB_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(TEST_LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/integration/%.o $(TESTLIB_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(TEST_LIBS)

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Tests run from the top of the tree: they read config/ and tests/corpus/.
# FARMLINE_BIN tells the integration tests which binary to start.
test:
	@tools/deps.sh --if-missing
	@$(MAKE) --no-print-directory unit integration check-config

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

integration: $(BIN) $(INTEG_BIN)
	@set -e; for t in $(INTEG_BIN); do echo "== $$t"; FARMLINE_BIN=$(BIN) $$t; done

# The tests never read config/farmline.conf (a county edits it; they use tests/fixtures/); this
# checks that it, its rules and its USSD menu load, without opening the database.
.PHONY: check-config
check-config: $(BIN)
	@echo "== $(BIN) -c config/farmline.conf check"
	@$(BIN) -c config/farmline.conf check

# Every benchmark (bench/bench_*.c) from the top of the tree, then a table of every figure
# against its goal; the whole output is kept in $(BUILD)/bench/results.txt (bench/run.sh).
# Ingest, memory, outbound and Kannel start the real binary and small servers on loopback.
bench: $(BIN) $(BENCH_BIN)
	@tools/deps.sh --if-missing
	@BUILD=$(BUILD) FARMLINE_BIN=$(BIN) bench/run.sh $(BENCH_BIN)

# The same with short runs (100,000 messages for memory, 5 s of load): a check that they work.
.PHONY: bench-quick
bench-quick: $(BIN) $(BENCH_BIN)
	@BUILD=$(BUILD) FARMLINE_BIN=$(BIN) BENCH_SECONDS=5 BENCH_LATENCY_SECONDS=5 \
	    BENCH_MESSAGES=100000 BENCH_OUTBOX=20000 BENCH_CAP_SECONDS=10 BENCH_KANNEL_SMS=5000 \
	    bench/run.sh $(BENCH_BIN)

# farmline against the real Kannel (Debian's kannel, kannel-extras): bearerbox with a fake SMSC,
# smsbox, fakesmsc playing the phones, all on loopback (tests/kannel/run.sh).
test-kannel: $(BIN)
	@tools/deps.sh --if-missing
	FARMLINE_BIN=$(BIN) tests/kannel/run.sh

# Fault tests (tests/faults/): kill -9 under load, a provider outage, a full disk and a locked
# database, hostile HTTP, full phone numbers in the log. Each prints what it counted; all run
# even when one fails. The disk-full test mounts a small tmpfs when it may (root).
FAULT_SRC := $(wildcard tests/faults/test_*.c)
FAULT_BIN := $(FAULT_SRC:tests/faults/%.c=$(BUILD)/tests/faults/%)
FAULTLIB_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out $(FAULT_SRC),$(wildcard tests/faults/*.c)))

$(FAULT_BIN): $(BUILD)/tests/faults/%: $(BUILD)/obj/tests/faults/%.o $(FAULTLIB_OBJ) $(TESTLIB_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(TEST_LIBS)

test-faults: $(BIN) $(FAULT_BIN)
	@tools/deps.sh --if-missing
	@rc=0; for t in $(FAULT_BIN); do echo "== $$t"; FARMLINE_BIN=$(BIN) $$t || rc=1; done; exit $$rc

-include $(FAULT_SRC:%.c=$(BUILD)/obj/%.d) $(FAULTLIB_OBJ:.o=.d)

# The dashboard's chart library (Chart.js, pinned in bureau/web/package-lock.json) into
# bureau/web/node_modules, which farmline serves under /assets/ (no CDN). npm ci runs when
# node_modules is missing or older than the lock file; npm's own stamp inside it tells which.
dashboard:
	@command -v npm >/dev/null || { echo "dashboard: npm is missing (it comes with Node.js)"; exit 1; }
	@if [ ! -f bureau/web/node_modules/.package-lock.json ] || \
	    [ bureau/web/package-lock.json -nt bureau/web/node_modules/.package-lock.json ]; then \
		echo "cd bureau/web && npm ci"; \
		(cd bureau/web && npm ci --no-audit --no-fund) && \
		touch bureau/web/node_modules/.package-lock.json; \
	fi

# The dashboard end to end in headless Chromium (Debian's chromium, driven by playwright-core):
# a seeded database, the charts' drawn numbers checked, docs/dashboard.png (tests/dashboard/run.sh).
test-dashboard: $(BIN) dashboard
	@tools/deps.sh --if-missing
	FARMLINE_BIN=$(BIN) tests/dashboard/run.sh

deps:
	tools/deps.sh

# A local trial may be started as root (a developer's machine, a container); a county's
# gateway runs as its own user (README: the systemd unit).
run:
	@tools/deps.sh --if-missing
	@$(MAKE) --no-print-directory $(BIN)
	@$(MAKE) --no-print-directory dashboard || \
	    echo "run: the dashboard's charts are missing until make dashboard succeeds"
	@mkdir -p data
	$(BIN) -c config/farmline.conf serve $$([ "$$(id -u)" = 0 ] && echo --allow-root)

clean:
	rm -rf build build-san

# Installing (README: Installing). The binary, man pages, dashboard and systemd unit go under
# PREFIX; the settings under /etc/farmline whatever PREFIX is, with their paths rewritten to
# the installed files (tools/installed-conf.sh); the database lives in /var/lib/farmline,
# which the unit's StateDirectory (or the Debian package) creates. A settings file that is
# already there is never overwritten: the new one is put beside it as NAME.dist. The unit goes
# where systemd looks for it: /lib/systemd/system for PREFIX=/usr (Debian's place), else
# PREFIX/lib/systemd/system. DESTDIR is put in front of every path, for staging and packaging.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
DOCDIR     ?= $(DATADIR)/doc/farmline
WEBDIR     ?= $(DATADIR)/farmline/web
SYSCONFDIR ?= /etc
CONFDIR    ?= $(SYSCONFDIR)/farmline
STATEDIR   ?= /var/lib/farmline
ifeq ($(PREFIX),/usr)
UNITDIR    ?= /lib/systemd/system
else
UNITDIR    ?= $(PREFIX)/lib/systemd/system
endif
INSTALL    ?= install
CHARTJS    := bureau/web/node_modules/chart.js

.PHONY: install uninstall deb

# Not `all`: the tests and benchmarks are not installed. The dashboard's chart library comes
# from make dashboard (npm ci) when it is missing.
install: $(BIN) $(CHARTJS)/dist/chart.umd.min.js
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(WEBDIR)/node_modules/chart.js/dist $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(CONFDIR)
	$(INSTALL) -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/farmline
	$(INSTALL) -m 0644 docs/farmline.1 $(DESTDIR)$(MANDIR)/man1/farmline.1
	$(INSTALL) -m 0644 docs/farmline.conf.5 $(DESTDIR)$(MANDIR)/man5/farmline.conf.5
	$(INSTALL) -m 0644 bureau/web/index.html bureau/web/app.js bureau/web/style.css \
	    $(DESTDIR)$(WEBDIR)/
	$(INSTALL) -m 0644 $(CHARTJS)/dist/chart.umd.min.js $(DESTDIR)$(WEBDIR)/node_modules/chart.js/dist/
	$(INSTALL) -m 0644 config/experts.example.csv $(DESTDIR)$(DOCDIR)/examples/
	$(INSTALL) -m 0644 LICENSE $(DESTDIR)$(DOCDIR)/LICENSE
	$(INSTALL) -m 0644 $(CHARTJS)/LICENSE.md $(DESTDIR)$(DOCDIR)/LICENSE.chart.js.md
	sed -e 's|^ExecStart=/usr/bin/farmline -c /etc/farmline/|ExecStart=$(BINDIR)/farmline -c $(CONFDIR)/|' \
	    tools/farmline.service > $(BUILD)/farmline.service
	$(INSTALL) -m 0644 $(BUILD)/farmline.service $(DESTDIR)$(UNITDIR)/farmline.service
	tools/installed-conf.sh $(STATEDIR) $(CONFDIR) $(WEBDIR) < config/farmline.conf \
	    > $(BUILD)/farmline.conf
	@for f in $(BUILD)/farmline.conf config/categories.conf config/ussd.conf; do \
		to=$(DESTDIR)$(CONFDIR)/$${f##*/}; \
		if [ -e $$to ] && ! cmp -s $$f $$to; then \
			echo "$$to is kept; the new one is $$to.dist"; to=$$to.dist; \
		fi; \
		echo "$(INSTALL) -m 0644 $$f $$to"; $(INSTALL) -m 0644 $$f $$to; \
	done

$(CHARTJS)/dist/chart.umd.min.js:
	@$(MAKE) --no-print-directory dashboard

# The Debian package (debian/), built with dpkg-buildpackage on a copy of this tree so that
# neither its clean step nor its output (written beside the tree it builds) touches this one:
# build/deb/ ends up holding farmline_$(VERSION)_<arch>.deb, its debug symbols, .buildinfo
# and .changes. The copy takes the tree as it is, uncommitted changes too, but not build
# output or .git. debian/changelog must be at VERSION.
DEB_DIR := $(BUILD)/deb
deb: $(CHARTJS)/dist/chart.umd.min.js
	@command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null || \
	    { echo "deb: dpkg-buildpackage and debhelper are missing (tools/deps.sh)"; exit 1; }
	@v=$$(dpkg-parsechangelog -S Version); [ "$$v" = "$(VERSION)" ] || \
	    { echo "deb: debian/changelog is at $$v but VERSION at $(VERSION): add an entry"; exit 1; }
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/src/farmline-$(VERSION)
	tar -cf - --exclude=./build --exclude='./build-*' --exclude=./.git --exclude=./data \
	    --exclude=./tests/dashboard/node_modules . | tar -xf - -C $(DEB_DIR)/src/farmline-$(VERSION)
	cd $(DEB_DIR)/src/farmline-$(VERSION) && dpkg-buildpackage -us -uc -b
	mv $(DEB_DIR)/src/*.deb $(DEB_DIR)/src/*.buildinfo $(DEB_DIR)/src/*.changes $(DEB_DIR)/
	rm -rf $(DEB_DIR)/src
	@ls -l $(DEB_DIR)

# The settings in $(CONFDIR) and the data in $(STATEDIR) stay: they are the county's.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/farmline $(DESTDIR)$(MANDIR)/man1/farmline.1 \
	    $(DESTDIR)$(MANDIR)/man5/farmline.conf.5 $(DESTDIR)$(UNITDIR)/farmline.service
	rm -rf $(DESTDIR)$(DATADIR)/farmline $(DESTDIR)$(DOCDIR)
	@echo "uninstall: $(DESTDIR)$(CONFDIR) and $(DESTDIR)$(STATEDIR) are left as they are"

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TESTLIB_OBJ:.o=.d) \
	$(BENCH_SRC:bench/%.c=$(BUILD)/obj/bench/%.d) \
	$(UNIT_SRC:tests/unit/%.c=$(BUILD)/obj/tests/unit/%.d) \
	$(INTEG_SRC:tests/integration/%.c=$(BUILD)/obj/tests/integration/%.d)

# Fuzzing and sanitizers (fuzz/): a libFuzzer harness for every parser of outside input, built
# with clang into build-fuzz/ (farmline's sources compiled again there: build/ is gcc's) with
# AddressSanitizer (LeakSanitizer on) and UBSan, any report fatal.
#   make fuzz                      build, then run each harness FUZZ_SECONDS (default 60) on a
#                                  copy of its seed corpus fuzz/corpus/<target>/ (the tree stays
#                                  clean); fails if any crashes, leaks or breaks a check, and
#                                  keeps the input in build-fuzz/crashes/
#   make fuzz FUZZ_TARGETS="consult ussd" FUZZ_SECONDS=600   some of them, longer (FUZZ_FLAGS:
#                                  more libFuzzer flags, e.g. -max_len=8192)
#   make fuzz-build                build only; a crash replays with build-fuzz/fuzz_<target> FILE
#   make fuzz-merge                run as make fuzz, then add the inputs that found new
#                                  coverage to fuzz/corpus/<target>/ (changes the tree)
#   make fuzz-clean                remove build-fuzz/
#   make valgrind                  every unit test under valgrind: no errors, no definite leaks
FUZZ_CC      ?= clang
FUZZ_BUILD   := build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   ?=
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -O1 -g $(WARN) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP
FUZZ_SRC     := $(wildcard fuzz/fuzz_*.c)
FUZZ_ALL     := $(FUZZ_SRC:fuzz/fuzz_%.c=%)
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_BIN     := $(FUZZ_ALL:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_HELP_OBJ := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(filter-out $(FUZZ_SRC),$(wildcard fuzz/*.c)))
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_LIB     := $(FUZZ_BUILD)/libfarmline.a
# Per run: -close_fd_mask=2 keeps farmline's own log lines out (libFuzzer's and the
# sanitizers' reports still show, and so do the harnesses' failed checks).
FUZZ_RUN     = -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -close_fd_mask=2 \
               -print_final_stats=1

.PHONY: fuzz fuzz-build fuzz-binaries fuzz-merge fuzz-clean valgrind

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(PKG_CFLAGS) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_BUILD)/gen/t2s_keys.inc: tools/gen-t2s-keys.sh
	@mkdir -p $(@D)
	tools/gen-t2s-keys.sh > $@.tmp
	mv $@.tmp $@

$(FUZZ_BUILD)/obj/routing/normalize.o: $(FUZZ_BUILD)/gen/t2s_keys.inc
$(FUZZ_BUILD)/obj/routing/normalize.o: CPPFLAGS += -I$(FUZZ_BUILD)/gen

$(FUZZ_LIB): $(FUZZ_LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

# The harnesses' shared parts (fuzz/common.c, fuzz/world.c) as a library too: each takes what
# it uses.
$(FUZZ_BUILD)/libfuzzhelp.a: $(FUZZ_HELP_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/fuzz/fuzz_%.o $(FUZZ_BUILD)/libfuzzhelp.a $(FUZZ_LIB)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(PKG_LIBS)

fuzz-build:
	@tools/deps.sh --if-missing
	@command -v $(FUZZ_CC) >/dev/null || { echo "fuzz: $(FUZZ_CC) is missing (tools/deps.sh)"; exit 1; }
	@$(MAKE) --no-print-directory fuzz-binaries

fuzz-binaries: $(FUZZ_BIN)

# Each harness runs in turn; its log is build-fuzz/logs/<target>.log, and the line printed is
# libFuzzer's last status (executions, cov: coverage edges, ft: features, corp: corpus) and
# the executions per second.
fuzz: fuzz-build
	@mkdir -p $(FUZZ_BUILD)/crashes $(FUZZ_BUILD)/logs; failed=""; \
	for t in $(FUZZ_TARGETS); do \
		bin=$(FUZZ_BUILD)/fuzz_$$t; log=$(FUZZ_BUILD)/logs/$$t.log; \
		[ -x $$bin ] || { echo "fuzz: no harness fuzz/fuzz_$$t.c"; exit 1; }; \
		work=$$(mktemp -d "$${TMPDIR:-/tmp}/farmline-fuzz-$$t.XXXXXX"); \
		[ -d fuzz/corpus/$$t ] && cp -R fuzz/corpus/$$t/. $$work/; \
		dict=""; for d in fuzz/$$t.dict fuzz/$${t%%_*}.dict; do \
			[ -f $$d ] && { dict=-dict=$$d; break; }; done; \
		if $$bin $(FUZZ_RUN) -artifact_prefix=$(FUZZ_BUILD)/crashes/$$t- $$dict $(FUZZ_FLAGS) \
		    $$work > $$log 2>&1; then \
			printf '%-28s %s, %s exec/s\n' "fuzz_$$t" \
			    "$$(grep -E '^#[0-9]+.*cov:' $$log | tail -n 1 | sed 's/ *lim:.*//')" \
			    "$$(sed -n 's/^stat::average_exec_per_sec: *//p' $$log)"; \
		else \
			echo "fuzz_$$t FAILED (whole log: $$log):"; tail -n 60 $$log; \
			failed="$$failed $$t"; \
		fi; \
		if [ -n "$(FUZZ_MERGE)" ]; then \
			mkdir -p fuzz/corpus/$$t; \
			$$bin -merge=1 -close_fd_mask=2 fuzz/corpus/$$t $$work >> $$log 2>&1; \
		fi; \
		rm -rf $$work; \
	done; \
	if [ -n "$$failed" ]; then \
		echo "fuzz: failed:$$failed; inputs in $(FUZZ_BUILD)/crashes/ (replay: $(FUZZ_BUILD)/fuzz_<target> FILE)"; \
		exit 1; \
	fi

fuzz-merge:
	@$(MAKE) --no-print-directory fuzz FUZZ_MERGE=1

fuzz-clean:
	rm -rf $(FUZZ_BUILD)

# Not with SANITIZE: valgrind and AddressSanitizer do not run together. fuzz/valgrind.supp
# says what is suppressed and why (PCRE2's JIT code only).
valgrind: $(UNIT_BIN)
	@command -v valgrind >/dev/null || { echo "valgrind: not installed (tools/deps.sh)"; exit 1; }
	@[ -z "$(SANITIZE)" ] || { echo "valgrind: build without SANITIZE"; exit 1; }
	@failed=""; for t in $(UNIT_BIN); do echo "== valgrind $$t"; \
		valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
		    --show-leak-kinds=definite --num-callers=30 --suppressions=fuzz/valgrind.supp \
		    $$t || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "valgrind: errors or definite leaks in:$$failed"; exit 1; fi

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_HELP_OBJ:.o=.d) $(FUZZ_SRC:%.c=$(FUZZ_BUILD)/obj/%.d)
