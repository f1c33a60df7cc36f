# tests/qa.mk: the QA checks of the exporter (see docs/testing.md):
#   check-fuzz      bounded libFuzzer runs: jansson parse + collect + render, CSV
#   check-sanitize  exporter + unit tests under ASan/UBSan, real-scrape smoke
#   check-valgrind  unit tests, a ~50-scrape exporter run and the fault tests under valgrind
#   check-soak      50 concurrent scrapers against a hung and a healthy Locust
#   fuzz            long fuzz run (FUZZ_SECONDS, default 3600), not in check
#
# Test scripts find binaries through $(O).  check-sanitize builds into its
# own sanitized dir and check-valgrind into a plain one, whatever SANITIZE
# says, so both also work inside `make check SANITIZE=1`.

# ---- promcheck: strict Prometheus text validator (CLI) --------------------
$(O)/tests/promcheck: $(O)/tests/fuzz/promcheck_main.o $(O)/tests/fuzz/promcheck.o
	$(CC) $(LDFLAGS_COMMON) $(LDFLAGS) -o $@ $^

# ---- fuzzing (clang libFuzzer, its own objects and flags) -----------------
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 3600
FUZZ_CHECK_SECONDS ?= 50
FUZZ_CSV_CHECK_SECONDS ?= 15
FUZZ_RSS_MB ?= 2048
FUZZ_DIR = $(O)/fuzz
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -Ilib -Iexporter \
	-fsanitize=fuzzer-no-link $(FUZZ_SAN) $(call pkg_cflags,jansson)
FUZZ_SRC = tests/fuzz/fuzz_scrape.c tests/fuzz/promcheck.c exporter/stats.c \
	exporter/collector.c exporter/reason.c lib/buf.c lib/expo.c lib/procmetrics.c lib/openmetrics.c
FUZZ_OBJ = $(FUZZ_SRC:%.c=$(FUZZ_DIR)/obj/%.o)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_DIR)/fuzz_scrape: $(FUZZ_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(call pkg_libs,jansson) -lm

FUZZ_CSV_OBJ = $(filter-out %/fuzz_scrape.o,$(FUZZ_OBJ)) $(FUZZ_DIR)/obj/tests/fuzz/fuzz_csv.o \
	$(FUZZ_DIR)/obj/exporter/csvsource.o
$(FUZZ_DIR)/fuzz_csv: $(FUZZ_CSV_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(call pkg_libs,jansson) -lm

check-fuzz: $(FUZZ_DIR)/fuzz_scrape $(FUZZ_DIR)/fuzz_csv $(O)/tests/promcheck
	/usr/bin/python3 tests/fuzz/promcheck_cases.py
	FUZZ_RSS_MB=$(FUZZ_RSS_MB) tests/fuzz/run.sh scrape $(FUZZ_CHECK_SECONDS)
	FUZZ_RSS_MB=$(FUZZ_RSS_MB) tests/fuzz/run.sh csv $(FUZZ_CSV_CHECK_SECONDS)

# The long run: every harness, FUZZ_SECONDS each.
fuzz: $(FUZZ_DIR)/fuzz_scrape $(FUZZ_DIR)/fuzz_csv
	FUZZ_RSS_MB=$(FUZZ_RSS_MB) tests/fuzz/run.sh scrape $(FUZZ_SECONDS)
	FUZZ_RSS_MB=$(FUZZ_RSS_MB) tests/fuzz/run.sh csv $(FUZZ_SECONDS)

# ---- sanitizers -----------------------------------------------------------
# The sanitized build dir: build-san for the default build dir, <O>-san for
# a per-engineer O, O itself when already building with SANITIZE=1.
SAN_O = $(if $(filter 1,$(SANITIZE)),$(O),$(if $(filter build,$(O)),build-san,$(O)-san))
# Unit-test check targets re-run under the sanitizers (defined by their
# fragments; empty if none exist yet).
QA_UNIT_CHECKS = $(filter %-unit,$(CHECKS))

check-sanitize:
	$(MAKE) --no-print-directory SANITIZE=1 O=$(SAN_O) $(SAN_O)/locust_exporter $(SAN_O)/tests/promcheck
	$(if $(QA_UNIT_CHECKS),$(MAKE) --no-print-directory SANITIZE=1 O=$(SAN_O) $(QA_UNIT_CHECKS))
	O=$(SAN_O) /usr/bin/python3 tests/soak/smoke.py --scrapes 60

# ---- valgrind -------------------------------------------------------------
# A plain (unsanitized) build: valgrind cannot run ASan binaries.
VG_O = $(if $(filter 1,$(SANITIZE)),$(patsubst %-san,%,$(O)),$(O))
VG_UNIT_BINS = $(patsubst $(O)/%,$(VG_O)/%,$(EXPORTER_UNIT_BINS))
QA_VALGRIND = valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --error-exitcode=1 \
	--suppressions=$(CURDIR)/tests/soak/valgrind.supp

check-valgrind:
	@test -n "$(VG_UNIT_BINS)" || { echo "check-valgrind: no unit test binaries (EXPORTER_UNIT_BINS)"; exit 1; }
	$(MAKE) --no-print-directory SANITIZE= O=$(VG_O) $(VG_O)/locust_exporter $(VG_O)/tests/promcheck $(VG_UNIT_BINS)
	@for t in $(VG_UNIT_BINS); do \
	  echo "--- valgrind $$t"; \
	  FIXTURES=tests/fixtures/locust $(QA_VALGRIND) $$t >$$t.valgrind.log 2>&1 \
	    || { cat $$t.valgrind.log; echo "FAILED under valgrind: $$t"; exit 1; }; \
	  tail -n 3 $$t.valgrind.log; \
	done
	O=$(VG_O) /usr/bin/python3 tests/soak/smoke.py --scrapes 50 --wrapper "$(QA_VALGRIND)"
	@echo "--- the fault tests with every exporter under valgrind"
	@rm -f $(VG_O)/valgrind-faults.*.log
	EXPORTER_WRAPPER="$(QA_VALGRIND) --log-file=$(CURDIR)/$(VG_O)/valgrind-faults.%p.log" \
	  TESTKIT_STOP_WAIT=30 O=$(VG_O) /usr/bin/python3 tests/integration/exporter_faults.py \
	  || { cat $(VG_O)/valgrind-faults.*.log; exit 1; }

# ---- soak -----------------------------------------------------------------
SOAK_LIBS = $(call pkg_libs,libcurl) -lpthread
CFLAGS_tests += $(call pkg_cflags,libcurl)

$(O)/tests/soak_driver: $(O)/tests/soak/soak_driver.o $(O)/lib/buf.o
	$(CC) $(LDFLAGS_COMMON) $(LDFLAGS) -o $@ $^ $(SOAK_LIBS)

check-soak: $(O)/locust_exporter $(O)/tests/soak_driver
	/usr/bin/python3 tests/soak/soak.py

CHECKS += check-fuzz check-sanitize check-valgrind check-soak
.PHONY: fuzz
