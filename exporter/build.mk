# locust_exporter: the exporter program.
EXPORTER_PKGS = civetweb jansson libcurl zlib
EXPORTER_SRC = exporter/config.c exporter/client.c exporter/stats.c exporter/collector.c \
	exporter/scrape.c exporter/server.c exporter/reason.c exporter/csvsource.c exporter/probe.c
EXPORTER_OBJ = $(EXPORTER_SRC:%.c=$(O)/%.o)
LE_VERSION := $(shell cat VERSION 2>/dev/null || echo dev)
LE_REVISION := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
CFLAGS_exporter = $(call pkg_cflags,$(EXPORTER_PKGS)) -DLE_VERSION='"$(LE_VERSION)"' -DLE_REVISION='"$(LE_REVISION)"'
EXPORTER_LIBS = $(call pkg_libs,$(EXPORTER_PKGS)) -lpthread -lm

BINS += $(O)/locust_exporter

$(O)/locust_exporter: $(O)/exporter/main.o $(EXPORTER_OBJ) $(LIB_OBJ)
	$(CC) $(LDFLAGS_COMMON) $(LDFLAGS) -o $@ $^ $(EXPORTER_LIBS)
