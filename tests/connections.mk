# tests/connections.mk: clients that hold connections (issue 11).
#
#   check-exporter-connections  unit (cmocka): --web.allowed-networks to civetweb's
#                               ACL; then, against a real Locust: scrapes answer
#                               within 1 s while 512 connections are held, the
#                               server survives 2000 more and recovers within 1 s;
#                               --web.request-timeout, --web.allowed-networks (~25 s)
#   check-demo-connections      the same property for the demo app (~15 s)
#
# The test raises its own RLIMIT_NOFILE to hold ~2500 sockets.

$(O)/tests/unit/test_netacl.o: CFLAGS += $(call pkg_cflags,cmocka)

$(O)/tests/test_netacl: $(O)/tests/unit/test_netacl.o $(LIB_OBJ)
	$(CC) $(LDFLAGS_COMMON) $(LDFLAGS) -o $@ $^ $(LIB_LIBS) $(call pkg_libs,cmocka) -lpthread -lm

check-exporter-connections: $(O)/locust_exporter $(O)/tests/test_netacl
	$(VALGRIND) $(O)/tests/test_netacl
	cd tests/hardening && /usr/bin/python3 test_connections.py exporter

check-demo-connections: $(O)/demo-app
	cd tests/hardening && /usr/bin/python3 test_connections.py demo

CHECKS += check-exporter-connections check-demo-connections

# The figures behind docs/security.md's tables (never pass/fail; ~4 min,
# BENCH_QUICK=1 ~1 min).
bench-connections: $(O)/locust_exporter $(O)/demo-app $(O)/bench-standin
	/usr/bin/python3 bench/connections.py

BENCHES += bench-connections
