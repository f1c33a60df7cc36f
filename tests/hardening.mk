# tests/hardening.mk: security hardening of the exporter (issue 5, TLS/auth part).
#
#   check-exporter-tls        HTTPS (real scrapes through the test CA), mTLS, basic auth,
#                             the failure counter, the civetweb/OpenSSL 3 compat guard
#   check-exporter-webconfig  unit (cmocka): loader, base64, basic auth; then bad
#                             --web.config.file files: one line, non-zero exit
#   check-exporter-paths      no file served whatever the path; --web.disable-exit
#   check-locust-tls          TLS to Locust: verification on, CA file, skip-verify, mTLS;
#                             --web-login redirect; --web-base-path URIs
#   check-locust-auth         REAL Locust 2.12 --web-auth; the password never leaks
#   check-exporter-hostile    a hostile Locust (huge, deep, wide answers): every scrape
#                             answered, peak RSS under 64 MiB with default flags
#
# Certificates are made by each test with the openssl CLI in a temp dir.

HARDENING_PY = cd tests/hardening && /usr/bin/python3

check-exporter-tls: $(O)/locust_exporter
	$(HARDENING_PY) test_web_tls.py

# cmocka: web config loading, base64, basic-auth checks (VALGRIND="valgrind ..." works).
VALGRIND ?=
$(O)/tests/unit/test_webconfig.o: CFLAGS += -Iexporter $(call pkg_cflags,$(EXPORTER_PKGS) cmocka)

$(O)/tests/test_webconfig: $(O)/tests/unit/test_webconfig.o $(EXPORTER_OBJ) $(LIB_OBJ)
	$(CC) $(LDFLAGS_COMMON) $(LDFLAGS) -o $@ $^ $(EXPORTER_LIBS) $(call pkg_libs,cmocka)

check-exporter-webconfig: $(O)/locust_exporter $(O)/tests/test_webconfig
	$(VALGRIND) $(O)/tests/test_webconfig
	$(HARDENING_PY) test_web_config.py

check-exporter-paths: $(O)/locust_exporter
	$(HARDENING_PY) test_web_paths.py

check-locust-tls: $(O)/locust_exporter
	$(HARDENING_PY) test_locust_tls.py

check-locust-auth: $(O)/locust_exporter
	$(HARDENING_PY) test_locust_auth.py

check-exporter-hostile: $(O)/locust_exporter
	$(HARDENING_PY) test_hostile_locust.py

CHECKS += check-exporter-tls check-exporter-webconfig check-exporter-paths \
	check-locust-tls check-locust-auth check-exporter-hostile
