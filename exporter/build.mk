# locust_exporter: the exporter program.
EXPORTER_PKGS = civetweb libcurl jansson
EXPORTER_SRC = exporter/config.c exporter/httpopts.c exporter/client.c exporter/stats.c exporter/collector.c \
	exporter/scrape.c exporter/server.c exporter/reason.c exporter/csvsource.c exporter/probe.c exporter/push.c
# The exporter's own endpoint: --web.config.file (YAML), basic auth, TLS.
EXPORTER_PKGS += yaml-0.1 libcrypt openssl
EXPORTER_SRC += exporter/webconfig.c exporter/basicauth.c exporter/tlsserver.c

# HTTPS on civetweb 1.15 + OpenSSL 3 (docs/security.md, exporter/sslcompat/):
# two tiny objects named libssl.so and libcrypto.so, shipped next to the
# binary and linked into it (rpath $ORIGIN), answer civetweb's dlopen().
SSLCOMPAT = $(O)/libssl.so $(O)/libcrypto.so
SSLCOMPAT_LDFLAGS = -Wl,--push-state,--no-as-needed $(SSLCOMPAT) -Wl,--pop-state -Wl,-rpath,'$$ORIGIN'
SSLCOMPAT_CFLAGS = -std=c11 -O2 -g -Wall -Wextra -Werror -fPIC -shared

$(O)/libssl.so: exporter/sslcompat/libssl.c
	@mkdir -p $(dir $@)
	$(CC) $(SSLCOMPAT_CFLAGS) $(call pkg_cflags,libssl) -Wl,-soname,libssl.so -o $@ $< \
		-Wl,--no-as-needed $(call pkg_libs,libssl)

$(O)/libcrypto.so: exporter/sslcompat/libcrypto.c
	@mkdir -p $(dir $@)
	$(CC) $(SSLCOMPAT_CFLAGS) -Wl,-soname,libcrypto.so -o $@ $< \
		-Wl,--no-as-needed $(call pkg_libs,libcrypto)

EXPORTER_OBJ = $(EXPORTER_SRC:%.c=$(O)/%.o)
LE_VERSION := $(shell cat VERSION 2>/dev/null || echo dev)
LE_REVISION := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
CFLAGS_exporter = $(call pkg_cflags,$(EXPORTER_PKGS)) -DLE_VERSION='"$(LE_VERSION)"' -DLE_REVISION='"$(LE_REVISION)"'
EXPORTER_LIBS = $(call pkg_libs,$(EXPORTER_PKGS)) $(LIB_LIBS) -lpthread -lm

BINS += $(O)/locust_exporter

$(O)/locust_exporter: $(O)/exporter/main.o $(EXPORTER_OBJ) $(LIB_OBJ) | $(SSLCOMPAT)
	$(CC) $(LDFLAGS_COMMON) $(LDFLAGS) -o $@ $^ $(EXPORTER_LIBS) $(SSLCOMPAT_LDFLAGS)

