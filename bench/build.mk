# bench: `make bench` figures (never pass/fail on timing).  BENCH_QUICK=1
# runs a short version (~1-2 min).  check-expo-format (a CHECKS step)
# compares lib/expo.c's number formatting with printf on 3M values.
#   bench-exporter  the exporter against a static Locust stand-in, 5..10000 endpoints
#   bench-demo      the demo app under wrk, beside Debian's civetweb
BENCH_TOOLS = $(O)/bench-fmtcheck $(O)/bench-standin $(O)/bench-driver $(O)/bench-inproc
CFLAGS_bench = $(call pkg_cflags,jansson libcurl civetweb) -Iexporter

$(O)/bench-standin: $(O)/bench/standin.o $(O)/bench/payload.o $(O)/lib/buf.o
	$(CC) $(LDFLAGS_COMMON) $(LDFLAGS) -o $@ $^ -lpthread

$(O)/bench-driver: $(O)/bench/driver.o $(O)/lib/buf.o
	$(CC) $(LDFLAGS_COMMON) $(LDFLAGS) -o $@ $^ $(call pkg_libs,libcurl)

$(O)/bench-inproc: $(O)/bench/inproc.o $(O)/bench/payload.o $(O)/exporter/stats.o \
		$(O)/exporter/collector.o $(O)/exporter/reason.o $(LIB_OBJ)
	$(CC) $(LDFLAGS_COMMON) $(LDFLAGS) -o $@ $^ $(EXPORTER_LIBS) $(call pkg_libs,jansson)

$(O)/bench-fmtcheck: $(O)/bench/fmtcheck.o $(O)/lib/expo.o $(O)/lib/buf.o
	$(CC) $(LDFLAGS_COMMON) $(LDFLAGS) -o $@ $^ -lm

# The printf-free number formatting against glibc's printf (pass/fail).
check-expo-format: $(O)/bench-fmtcheck
	$(O)/bench-fmtcheck

bench-tools: $(BENCH_TOOLS)

bench-exporter: $(O)/locust_exporter $(BENCH_TOOLS)
	/usr/bin/python3 bench/exporter.py

bench-demo: $(O)/demo-app
	/usr/bin/python3 bench/demo.py

BENCHES += bench-exporter bench-demo
CHECKS += check-expo-format
.PHONY: bench-tools
