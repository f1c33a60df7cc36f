# tests/exporter.mk: the exporter's tests (issue 2).
#
#   check-exporter-unit         cmocka: expo writer, config, stats parser, collector
#   check-exporter-faults       fake Locust: every failure reason, flags, endpoints, escaping
#   check-exporter-integration  real Locust (master + 2 workers) -> exporter -> promtool
#
# Unit binaries land in $(O)/tests/test_*; run them under valgrind with
# `make check-exporter-unit VALGRIND="valgrind --error-exitcode=1 --leak-check=full"`.

EXPORTER_UNIT_TESTS = expo config stats collector openmetrics
EXPORTER_UNIT_BINS = $(EXPORTER_UNIT_TESTS:%=$(O)/tests/test_%)
EXPORTER_UNIT_OBJ = $(EXPORTER_UNIT_TESTS:%=$(O)/tests/unit/test_%.o)
VALGRIND ?=

$(EXPORTER_UNIT_OBJ): CFLAGS += -Iexporter $(call pkg_cflags,$(EXPORTER_PKGS) cmocka)

$(EXPORTER_UNIT_BINS): $(O)/tests/test_%: $(O)/tests/unit/test_%.o $(EXPORTER_OBJ) $(LIB_OBJ)
	$(CC) $(LDFLAGS_COMMON) $(LDFLAGS) -o $@ $^ $(EXPORTER_LIBS) $(call pkg_libs,cmocka)

check-exporter-unit: $(EXPORTER_UNIT_BINS)
	@for t in $(EXPORTER_UNIT_BINS); do \
	  echo "--- $$t"; \
	  FIXTURES=tests/fixtures/locust $(VALGRIND) $$t || exit 1; \
	done

check-exporter-faults: $(O)/locust_exporter
	/usr/bin/python3 tests/integration/exporter_faults.py

check-exporter-integration: $(O)/locust_exporter
	/usr/bin/python3 tests/integration/exporter_locust.py

CHECKS += check-exporter-unit check-exporter-faults check-exporter-integration
