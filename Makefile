# arbiusd - build, test and run.  See README.md.
#
#   make            build build/arbiusd
#   make run        install missing Debian packages, build, serve on defaults
#   make demo       the same on a local chain with a month of pictures (no
#                   wallet, no RPC key); Ctrl-C stops everything it started
#   make check      install test dependencies, build, run every test (plain,
#                   then again under ASan+UBSan)
#   make test       unit tests only
#   make SANITIZE=address check   the same under ASan+UBSan (build-address/)
#   make SANITIZE=thread check    the same under TSan (build-thread/)
#   make fuzz       libFuzzer targets (clang), FUZZ_SECONDS each
#   make soak       reliability soak (kills, reorgs, faults, wrk); soak-quick
#   make bench      every benchmark, written to docs/BENCHMARKS.md
#   make clean

PKGS      := libmicrohttpd libcurl sqlite3 jansson libsecp256k1 libcrypto inih zlib \
             libsystemd
SANITIZE  ?=
BUILD     ?= build$(if $(SANITIZE),-$(SANITIZE))
CC        ?= gcc
PREFIX    ?= /usr/local
# Where templates/ and static/ are found when the configured relative
# defaults do not exist in the working directory (the source tree here;
# make install builds with the installed location).
DATADIR   ?= $(CURDIR)
FUZZ_SECONDS ?= 60

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

WARN   := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
          -Wpointer-arith -Wcast-qual -Wwrite-strings -Wvla -Wformat=2 -fno-common
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong
OPT    := -O2 -g
ifeq ($(SANITIZE),address)
  SAN    := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
  HARDEN := -fstack-protector-strong
  OPT    := -O1 -g
else ifeq ($(SANITIZE),thread)
  SAN    := -fsanitize=thread -fno-omit-frame-pointer
  HARDEN :=
  OPT    := -O1 -g
endif

CPPFLAGS += -Iinclude -I$(BUILD)/gen -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
            -DARBIUSD_VERSION='"$(VERSION)"' -DARBIUSD_DATADIR='"$(DATADIR)"'
CFLAGS   += -std=c11 $(OPT) -pthread $(WARN) $(HARDEN) $(SAN) $(PKG_CFLAGS)
LDFLAGS  += -pthread $(SAN)
LDLIBS   += $(PKG_LIBS) -lm

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1.0)

SRC       := $(sort $(wildcard src/*/*.c) $(filter-out src/main.c,$(wildcard src/*.c)))
OBJ       := $(SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/migrations.o $(BUILD)/gen/openapi.o
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC  := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_NAMES:= $(FUZZ_SRC:fuzz/fuzz_%.c=%)
REPLAY_BIN:= $(FUZZ_NAMES:%=$(BUILD)/fuzz/replay_%)
MIGRATIONS:= $(sort $(wildcard migrations/*.sql))

.PHONY: all run demo check test integ fuzz fuzz-replay deps deps-test lint clean install uninstall tsan bench soak \
        soak-quick bench-backfill bench-http bench-scale bench-replicas bench-keepup bench-ponder
.DEFAULT_GOAL := all

all: $(BUILD)/arbiusd $(BUILD)/tests/notify_listen

$(BUILD)/arbiusd: $(BUILD)/src/main.o $(BUILD)/libarbiusd.a
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libarbiusd.a: $(OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/%.o: %.c $(BUILD)/gen/migrations.h $(BUILD)/gen/openapi.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# Migrations are compiled into the binary: tools/embed turns files into a
# table of {name, bytes, length}.
$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 $(WARN) -o $@ $<

$(BUILD)/gen/migrations.c $(BUILD)/gen/migrations.h: $(BUILD)/tools/embed $(MIGRATIONS)
	@mkdir -p $(BUILD)/gen
	$(BUILD)/tools/embed migrations $(BUILD)/gen/migrations $(MIGRATIONS)

$(BUILD)/gen/migrations.o: $(BUILD)/gen/migrations.c
	@$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The OpenAPI document served at /api/v1/openapi.json, embedded the same way.
$(BUILD)/gen/openapi.c $(BUILD)/gen/openapi.h: $(BUILD)/tools/embed docs/openapi.json
	@mkdir -p $(BUILD)/gen
	$(BUILD)/tools/embed openapi $(BUILD)/gen/openapi docs/openapi.json

$(BUILD)/gen/openapi.o: $(BUILD)/gen/openapi.c
	@$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# Unit tests: one Check binary per tests/unit/test_<module>.c.
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libarbiusd.a tests/unit/unit.h
	@mkdir -p $(dir $@)
	@echo "  TEST    $<"
	@$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) -Wno-missing-prototypes -o $@ $< \
	    $(BUILD)/libarbiusd.a $(LDFLAGS) $(LDLIBS) $(CHECK_LIBS)

# Fuzz corpora replayed with an ordinary build (no clang needed).
$(BUILD)/fuzz/replay_%: fuzz/fuzz_%.c fuzz/replay.c $(BUILD)/libarbiusd.a
	@mkdir -p $(dir $@)
	@echo "  REPLAY  $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-missing-prototypes -o $@ fuzz/replay.c $< \
	    $(BUILD)/libarbiusd.a $(LDFLAGS) $(LDLIBS)

test: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do \
	    CK_DEFAULT_TIMEOUT=120 ARBIUSD_TEST_DATA=tests/data $$t || fail=1; \
	done; exit $$fail

fuzz-replay: $(REPLAY_BIN)
	@fail=0; for n in $(FUZZ_NAMES); do \
	    $(BUILD)/fuzz/replay_$$n fuzz/corpus/$$n || fail=1; \
	done; exit $$fail

# The NOTIFY_SOCKET listener of tests/integ/ops.test.mjs.
$(BUILD)/tests/notify_listen: tests/notify/notify_listen.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS)

# Test files run INTEG_JOBS at a time (each starts its own devnet, daemons
# and ports; most of a file's time is waiting on the chain and timers), so
# that `make check`, both builds, stays within 20 minutes on two cores.
INTEG_JOBS ?= 2
integ: $(BUILD)/arbiusd $(BUILD)/tests/notify_listen
	cd tests && ARBIUSD_BIN=$(CURDIR)/$(BUILD)/arbiusd node --test --test-concurrency=$(INTEG_JOBS) devnet/ integ/

deps:
	@tools/deps.sh runtime

deps-test:
	@tools/deps.sh test

# The one test command: everything on the normal build, then everything
# again under ASan+UBSan (which has caught real bugs the plain run passed).
check: deps-test
	$(MAKE) lint
	$(MAKE) all test fuzz-replay
	$(MAKE) integ
ifeq ($(SANITIZE),)
	$(MAKE) SANITIZE=address all test fuzz-replay integ
endif

run: deps
	$(MAKE) all
	$(BUILD)/arbiusd serve

# make demo: tests/demo/demo.mjs starts the devnet with a month of image
# tasks (the `full` scenario, then a few a day: prompts, bulk automine,
# claims, contestations), the IPFS gateway stub with a PNG for every
# solution, and `arbiusd serve` on a config of its own; comments, upvotes
# and reactions from throwaway wallets; a new task every 20 s.  Prints the
# URL (DEMO_PORT, or a free port if taken).  Ctrl-C stops everything.
DEMO_PORT ?= 8080
demo: deps-test
	$(MAKE) all
	cd tests && node demo/demo.mjs --bin $(CURDIR)/$(BUILD)/arbiusd --port $(DEMO_PORT)

tsan:
	$(MAKE) SANITIZE=thread check

# Benchmarks print figures; they are not timed tests.  `make bench` runs
# backfill, HTTP and scale once (bench/report.mjs) and writes
# docs/BENCHMARKS.md: every figure next to its reference from the same run,
# with the machine and workload sizes.  BENCH_EVENTS scales the devnet
# workload (default 100,000 events).
BENCH_EVENTS ?= 100000
BENCH_CONNECTIONS ?= 64
bench: deps-test
	$(MAKE) all $(BUILD)/bench/hello $(BUILD)/bench/scale
	cd tests && node ../bench/report.mjs --bin $(CURDIR)/$(BUILD)/arbiusd \
	    --hello $(CURDIR)/$(BUILD)/bench/hello --builder $(CURDIR)/$(BUILD)/bench/scale \
	    --events $(BENCH_EVENTS) --seconds $(BENCH_SECONDS) --rounds $(BENCH_ROUNDS) \
	    --connections $(BENCH_CONNECTIONS) --sizes $(BENCH_SCALE) \
	    $(if $(BENCH_SCALE_CACHE),--scale-cache $(BENCH_SCALE_CACHE)) \
	    $(if $(BENCH_ONLY),--only $(BENCH_ONLY)) \
	    --keepup-seconds $(KEEPUP_SECONDS) --out $(CURDIR)/docs/BENCHMARKS.md

bench-backfill: $(BUILD)/arbiusd
	cd tests && ARBIUSD_BIN=$(CURDIR)/$(BUILD)/arbiusd node ../bench/backfill.mjs --events $(BENCH_EVENTS)

# bench/ponder: Ponder 1.0 (bench/ponder is its own npm project, installed
# with npm ci on first use) indexing the devnet `bulk` scenario of
# PONDER_EVENTS events; the reference of backfill's "3x faster than Ponder".
PONDER_EVENTS ?= 20000
bench-ponder:
	cd tests && node ../bench/ponder.mjs --scenario bulk --events $(PONDER_EVENTS)

# bench/keepup: `arbiusd serve` on its defaults against a devnet mining
# 4 blocks/s with 4 tasks a minute for KEEPUP_SECONDS: freshness (block to
# SSE event, block to /api/v1/stats) and RPC requests per poll and per day.
# KEEPUP_POLL=N overrides [chain] poll_interval to compare.
KEEPUP_SECONDS ?= 60
KEEPUP_POLL ?=
bench-keepup: $(BUILD)/arbiusd
	cd tests && ARBIUSD_BIN=$(CURDIR)/$(BUILD)/arbiusd node ../bench/keepup.mjs --seconds $(KEEPUP_SECONDS) \
	    $(if $(KEEPUP_POLL),--poll-interval $(KEEPUP_POLL))

# bench/http: every page and JSON route, wrk at 64 connections, in
# BENCH_ROUNDS rounds interleaved with a bare libmicrohttpd hello-world
# (bench/hello.c), BENCH_SECONDS per run.  bench/scale: the dashboard, an
# image page and /api/v1/stats served, and the first request after a head
# move, on synthetic indexes of BENCH_SCALE tasks each; BENCH_SCALE_CACHE=DIR
# keeps the databases between runs (10M tasks: ~30 GB, most of an hour to
# build).  BENCH_ONLY=http,scale regenerates only those sections.
BENCH_SECONDS ?= 5
BENCH_ROUNDS  ?= 3
BENCH_SCALE   ?= 10000,1000000,10000000
BENCH_SCALE_CACHE ?=
BENCH_ONLY    ?=
$(BUILD)/bench/hello: bench/hello.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) $(LDLIBS)

$(BUILD)/bench/scale: bench/scale.c $(BUILD)/libarbiusd.a
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/libarbiusd.a $(LDFLAGS) $(LDLIBS)

bench-http: $(BUILD)/arbiusd $(BUILD)/bench/hello
	cd tests && ARBIUSD_BIN=$(CURDIR)/$(BUILD)/arbiusd node ../bench/http.mjs \
	    --duration $(BENCH_SECONDS) --rounds $(BENCH_ROUNDS) --hello $(CURDIR)/$(BUILD)/bench/hello

# bench/replicas: requests/s through HAProxy with one and two read-only
# replicas (Litestream copies swapped every 2 s) as ratios to a replica
# served directly, and the replicas' lag; writes its section of
# docs/BENCHMARKS.md.
BENCH_REPLICAS_SECONDS ?= 5
BENCH_REPLICAS_ROUNDS ?= 3
bench-replicas: deps-test
	$(MAKE) all
	cd tests && ARBIUSD_BIN=$(CURDIR)/$(BUILD)/arbiusd node ../bench/replicas.mjs \
	    --duration $(BENCH_REPLICAS_SECONDS) --rounds $(BENCH_REPLICAS_ROUNDS) \
	    --write $(CURDIR)/docs/BENCHMARKS.md

bench-scale: $(BUILD)/arbiusd $(BUILD)/bench/scale $(BUILD)/bench/hello
	cd tests && ARBIUSD_BIN=$(CURDIR)/$(BUILD)/arbiusd node ../bench/scale.mjs \
	    --sizes $(BENCH_SCALE) --builder $(CURDIR)/$(BUILD)/bench/scale --hello $(CURDIR)/$(BUILD)/bench/hello \
	    $(if $(BENCH_SCALE_CACHE),--cache-dir $(BENCH_SCALE_CACHE))

# Reliability soak, tests/soak/soak.mjs: SOAK_KILLS SIGKILLs, SOAK_REORGS
# random reorgs, the fault-proxy matrix under live sync, wrk at
# SOAK_WRK_CONNECTIONS for SOAK_WRK_SECONDS; prints a table, exits non-zero
# on any failure.  SOAK_SEED reproduces a run.  soak-quick: a few minutes.
SOAK_KILLS ?= 50
SOAK_REORGS ?= 100
SOAK_WRK_SECONDS ?= 600
SOAK_WRK_CONNECTIONS ?= 256
# The soak runs a copy of the binary, so that a rebuild meanwhile cannot
# pull it from under a long run.
soak: deps-test
	$(MAKE) all
	cp $(BUILD)/arbiusd $(BUILD)/arbiusd-soak
	cd tests && SOAK_KILLS=$(SOAK_KILLS) SOAK_REORGS=$(SOAK_REORGS) \
	    SOAK_WRK_SECONDS=$(SOAK_WRK_SECONDS) SOAK_WRK_CONNECTIONS=$(SOAK_WRK_CONNECTIONS) \
	    ARBIUSD_BIN=$(CURDIR)/$(BUILD)/arbiusd-soak node soak/soak.mjs

soak-quick:
	$(MAKE) soak SOAK_KILLS=10 SOAK_REORGS=10 SOAK_WRK_SECONDS=60 SOAK_FAULT_SECONDS=4

fuzz:
	@tools/deps.sh fuzz
	$(MAKE) -f fuzz/Makefile FUZZ_SECONDS=$(FUZZ_SECONDS)

# make install: binary, templates, static files, unit, example config.
# The binary is rebuilt with DATADIR pointing at the installed data so
# `arbiusd serve` finds templates/ and static/ from any directory.
# DESTDIR stages the tree (packaging); as root without DESTDIR it also
# creates the arbiusd system user.
BINDIR     ?= $(PREFIX)/bin
SHAREDIR   ?= $(PREFIX)/share/arbiusd
DOCDIR     ?= $(PREFIX)/share/doc/arbiusd
SYSCONFDIR ?= /etc
UNITDIR    ?= /etc/systemd/system
install:
	$(MAKE) BUILD=build-install DATADIR=$(SHAREDIR) build-install/arbiusd
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR)/templates \
	    $(DESTDIR)$(SHAREDIR)/static $(DESTDIR)$(DOCDIR) $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/arbiusd
	install -m 0755 build-install/arbiusd $(DESTDIR)$(BINDIR)/arbiusd
	install -m 0644 templates/*.html $(DESTDIR)$(SHAREDIR)/templates/
	cp -R static/. $(DESTDIR)$(SHAREDIR)/static/
	install -m 0644 README.md config.example.ini docs/openapi.json $(DESTDIR)$(DOCDIR)/
	sed 's|/usr/local/bin/arbiusd|$(BINDIR)/arbiusd|; s|/usr/local/share/doc/arbiusd|$(DOCDIR)|' \
	    contrib/arbiusd.service > $(DESTDIR)$(UNITDIR)/arbiusd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/arbiusd.service
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/arbiusd/arbiusd.ini ]; then \
	    echo "  keeping $(DESTDIR)$(SYSCONFDIR)/arbiusd/arbiusd.ini"; \
	    install -m 0644 contrib/arbiusd.ini $(DESTDIR)$(SYSCONFDIR)/arbiusd/arbiusd.ini.example; \
	else install -m 0644 contrib/arbiusd.ini $(DESTDIR)$(SYSCONFDIR)/arbiusd/arbiusd.ini; fi
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" -eq 0 ] && ! getent passwd arbiusd >/dev/null; then \
	    useradd --system --user-group --home-dir /var/lib/arbiusd \
	        --shell /usr/sbin/nologin arbiusd && echo "  created system user arbiusd"; fi
	@if [ -z "$(DESTDIR)" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then \
	    systemctl daemon-reload; fi
	@echo "installed; start with: systemctl enable --now arbiusd"

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/arbiusd $(DESTDIR)$(UNITDIR)/arbiusd.service
	rm -rf $(DESTDIR)$(SHAREDIR) $(DESTDIR)$(DOCDIR)

# Banned functions, and the house format on every changed C line
# (tools/lint.sh; LINT_BASE=<commit> to choose what counts as changed).
lint:
	@tools/lint.sh

clean:
	rm -rf build build-address build-thread build-fuzz build-install

-include $(OBJ:.o=.d) $(BUILD)/src/main.d
