# locust_exporter: top-level build.
#
# Shared flags and the entry targets live here; each component adds its own
# rules in a fragment beside its code (exporter/build.mk, demo-app/build.mk,
# tests/*.mk, ...).  Fragments append to BINS (programs to build) and CHECKS
# (make targets that `make check` runs, each one a pass/fail step).
#
#   make            build everything into $(O)/
#   make check      every test a clean machine can run (SANITIZE=1: ASan+UBSan)
#   make demo       the native stack on 127.0.0.1 (DURATION=60 for headless)
#   make bench      benchmarks: figures, never pass/fail on timing
#   make deps       install the Debian packages (root) or print the command

export PKG_CONFIG_PATH := $(CURDIR)/pkgconfig$(if $(PKG_CONFIG_PATH),:$(PKG_CONFIG_PATH))

CC ?= cc
O ?= build
OPT ?= -O2
CFLAGS_COMMON = -std=c11 -D_GNU_SOURCE $(OPT) -g -Wall -Wextra -Werror -Ilib
LDFLAGS_COMMON =
ifeq ($(SANITIZE),1)
O = build-san
CFLAGS_COMMON += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS_COMMON += -fsanitize=address,undefined
endif
export O

PKG_CONFIG = PKG_CONFIG_PATH="$(PKG_CONFIG_PATH)" pkg-config
pkg_cflags = $(shell $(PKG_CONFIG) --cflags $(1))
pkg_libs = $(shell $(PKG_CONFIG) --libs $(1))

LIB_SRC = lib/buf.c lib/expo.c lib/log.c lib/procmetrics.c lib/httpd.c lib/histogram.c lib/openmetrics.c lib/listensock.c lib/threadstack.c lib/netacl.c
LIB_OBJ = $(LIB_SRC:%.c=$(O)/%.o)
LIB_PKGS = civetweb libdeflate

BINS :=
CHECKS :=
BENCHES :=

all: build-all

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(CFLAGS_$(firstword $(subst /, ,$<))) $(CFLAGS) -MMD -MP -c $< -o $@

CFLAGS_lib = $(call pkg_cflags,$(LIB_PKGS))
LIB_LIBS = $(call pkg_libs,$(LIB_PKGS))   # every program linking $(LIB_OBJ) adds these

include $(sort $(wildcard */build.mk)) $(sort $(wildcard tests/*.mk prometheus/*.mk grafana/*.mk))

build-all: $(BINS)

# Each CHECKS target runs in turn; one summary line at the end.
check: build-all
	@pass=0; fail=0; failed=; \
	for t in $(CHECKS); do \
	  echo "=== check: $$t"; \
	  if $(MAKE) --no-print-directory $$t; then pass=$$((pass+1)); \
	  else fail=$$((fail+1)); failed="$$failed $$t"; echo "--- FAILED: $$t"; fi; \
	done; \
	echo "checks: $$pass passed, $$fail failed"; \
	if [ $$fail -ne 0 ]; then echo "failed checks:$$failed"; exit 1; fi

bench: build-all $(BENCHES)

deps:
	@pkgs="$$(grep -v '^#' deps/debian.txt | tr '\n' ' ')"; \
	if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$pkgs; \
	else echo "run as root: apt-get update && apt-get install -y $$pkgs"; fi

clean:
	rm -rf build build-san

.PHONY: all build-all check bench deps clean $(CHECKS) $(BENCHES)

-include $(shell find $(O) -type f -name '*.d' 2>/dev/null)
