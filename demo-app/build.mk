# demo-app: the C demo target for Locust (civetweb + SQLite).
#
# The binary is $(O)/demo-app, so its objects cannot live in $(O)/demo-app/
# (the generic rule's place): they go to $(O)/demo-app-obj/ instead.
DEMO_SRC = demo-app/admin.c demo-app/app.c demo-app/cache.c \
	demo-app/config.c demo-app/db.c demo-app/leak.c demo-app/metrics.c \
	demo-app/pause.c demo-app/pool.c demo-app/respond.c demo-app/rng.c demo-app/route.c \
	demo-app/scenario.c demo-app/server.c
DEMO_PKGS = civetweb sqlite3
DEMO_OBJDIR = $(O)/demo-app-obj
DEMO_OBJ = $(DEMO_SRC:demo-app/%.c=$(DEMO_OBJDIR)/%.o) $(LIB_OBJ)

CFLAGS_demo-app = $(call pkg_cflags,$(DEMO_PKGS))
DEMO_LIBS = $(call pkg_libs,$(DEMO_PKGS)) $(LIB_LIBS) -lpthread -lm

$(DEMO_OBJDIR)/%.o: demo-app/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(CFLAGS_demo-app) $(CFLAGS) -MMD -MP -c $< -o $@

$(O)/demo-app: $(DEMO_OBJDIR)/main.o $(DEMO_OBJ)
	$(CC) $(LDFLAGS_COMMON) $(LDFLAGS) -o $@ $^ $(DEMO_LIBS)

BINS += $(O)/demo-app
