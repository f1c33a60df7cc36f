# lib: link flags of the shared objects ($(LIB_OBJ), packages in LIB_PKGS of
# the top Makefile) for every program that links them.  Both programs' link
# lines use EXPORTER_LIBS / DEMO_LIBS; this fragment sorts after theirs.
LIB_LIBS = $(call pkg_libs,$(LIB_PKGS))
EXPORTER_LIBS += $(LIB_LIBS)
DEMO_LIBS += $(LIB_LIBS)
