# farmline — build, test and run.
#
#   make              build build/farmline and the tests
#   make run          install missing Debian packages, build, start the gateway on config/farmline.conf
#   make test         run every test (unit and integration)
#   make bench        run the benchmarks under bench/ (they print figures; they are not tests)
#   make deps         install the Debian packages the build and the tests need
#   make WERROR=1     warnings are errors (CI)
#   make SANITIZE=address,undefined test   build into build-san/ with sanitizers and run the tests

CC      ?= cc
PKG_CONFIG ?= pkg-config
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

CPPFLAGS += -I. -D_GNU_SOURCE
CFLAGS  += -std=c11 $(OPT) -g $(WARN) $(SANFLAGS) -MMD -MP
LDFLAGS += $(SANFLAGS)

MODULES := common gateway routing experts consult store bureau
LIB_SRC := $(filter-out gateway/main.c,$(foreach m,$(MODULES),$(wildcard $(m)/*.c)))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
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

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(TEST_CFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(BUILD)/obj/gateway/main.o $(LIB)
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
	@$(MAKE) --no-print-directory unit integration

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

integration: $(BIN) $(INTEG_BIN)
	@set -e; for t in $(INTEG_BIN); do echo "== $$t"; FARMLINE_BIN=$(BIN) $$t; done

bench: $(BENCH_BIN)
	@set -e; for b in $(BENCH_BIN); do echo "== $$b"; $$b; done

# farmline against the real Kannel (Debian's kannel, kannel-extras): bearerbox with a fake SMSC,
# smsbox, fakesmsc playing the phones, all on loopback (tests/kannel/run.sh).
test-kannel: $(BIN)
	@tools/deps.sh --if-missing
	FARMLINE_BIN=$(BIN) tests/kannel/run.sh

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
	@mkdir -p data
	$(BIN) -c config/farmline.conf serve $$([ "$$(id -u)" = 0 ] && echo --allow-root)

clean:
	rm -rf build build-san

-include $(LIB_OBJ:.o=.d) $(BUILD)/obj/gateway/main.d $(TESTLIB_OBJ:.o=.d) \
	$(BENCH_SRC:bench/%.c=$(BUILD)/obj/bench/%.d) \
	$(UNIT_SRC:tests/unit/%.c=$(BUILD)/obj/tests/unit/%.d) \
	$(INTEG_SRC:tests/integration/%.c=$(BUILD)/obj/tests/integration/%.d)
