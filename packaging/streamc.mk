# streamc.mk - build .stream programs with plain Make.
#
#   STREAMC ?= streamc          # the compiler (default: found on PATH)
#   include /usr/local/share/streamc/streamc.mk
#   all: wordcount              # built from wordcount.stream
#
# Pattern rules: `NAME` from `NAME.stream` (an executable) and `NAME.c`
# from `NAME.stream` (the generated C, for reading). Each build writes a
# depfile (NAME.d, NAME.c.d) naming the .stream file, the runtime header
# and library it used: an edit to any of them rebuilds, nothing else does.
# STREAMC_FLAGS passes options (e.g. --cflags "-O3 -march=native").

STREAMC ?= streamc
STREAMC_FLAGS ?=

%: %.stream
	$(STREAMC) $(STREAMC_FLAGS) -MD -MF $@.d -o $@ $<

%.c: %.stream
	$(STREAMC) $(STREAMC_FLAGS) -S -MD -MF $@.d -o $@ $<

-include $(wildcard *.d)
