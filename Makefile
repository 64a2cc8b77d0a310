# streamc - one plain GNU Makefile. Objects and generated sources go to build/.
#   make            build build/streamc, build/libstreamrt.a and build/kafka-mock
#   make check      install test dependencies if missing, build, run every test
#   make check SANITIZE=address,undefined
#                   the same with everything instrumented: streamc, the runtime,
#                   the unit tests and every program the tests compile
#   make demo       install dependencies if missing, compile a sample, run it on bundled input
#   make bench      run the benchmarks (bench/), write bench/RESULTS.md; not part of check
#   make soak       the overload test for SOAK_SECONDS (default 600); not part of check
#   make fuzz       build build/fuzz/fuzz_frontend (clang, libFuzzer) and fuzz the front end
#                   for FUZZ_TIME seconds (default 600); see docs/fuzzing.md
#   make install    PREFIX=/usr/local (default), DESTDIR for staging; make uninstall
#   make V=1        show the commands

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wno-unused-parameter
CPPFLAGS_ALL := -Igrammar -Icompiler -Iruntime -Ibuild -D_GNU_SOURCE
LDLIBS  := -lrdkafka -lhiredis -lpthread -lm
B       := build

# SANITIZE=address,undefined instruments everything, and the streamc built
# gives the programs it compiles the same flags (its runtime needs them).
ifdef SANITIZE
  RUNTIME_FLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
  CFLAGS += $(RUNTIME_FLAGS)
  LDFLAGS += -fsanitize=$(SANITIZE)
endif

# Objects depend on the flags they were built with: turning SANITIZE on or
# off (or changing CFLAGS) rebuilds them.
FLAGS_STAMP := $(B)/build-flags
BUILD_FLAGS := $(CC) $(CFLAGS) $(LDFLAGS)
$(shell mkdir -p $(B) && echo '$(BUILD_FLAGS)' | cmp -s - $(FLAGS_STAMP) || echo '$(BUILD_FLAGS)' > $(FLAGS_STAMP))

ifeq ($(V),1)
  Q :=
else
  Q := @
endif

GRAMMAR_SRC  := $(wildcard grammar/*.c)
COMPILER_SRC := $(filter-out compiler/main.c,$(wildcard compiler/*.c))
RUNTIME_SRC  := $(wildcard runtime/*.c)
UNIT_SRC     := $(wildcard tests/unit/*.c)

FRONT_OBJ    := $(B)/parser.o $(B)/lexer.o $(GRAMMAR_SRC:%.c=$(B)/%.o) $(COMPILER_SRC:%.c=$(B)/%.o)
RUNTIME_OBJ  := $(RUNTIME_SRC:%.c=$(B)/%.o)
UNIT_OBJ     := $(UNIT_SRC:%.c=$(B)/%.o)

all: $(B)/streamc $(B)/libstreamrt.a $(B)/kafka-mock

$(B)/parser.c $(B)/parser.h: grammar/parser.y
	@mkdir -p $(B)
	@echo "  BISON   $<"
	$(Q)bison -Wall -Werror --defines=$(B)/parser.h -o $(B)/parser.c $<

$(B)/lexer.c $(B)/lexer.h: grammar/lexer.l $(B)/parser.h
	@mkdir -p $(B)
	@echo "  FLEX    $<"
	$(Q)flex --header-file=$(B)/lexer.h -o $(B)/lexer.c $<

# Generated sources compile without the extra warnings flex/bison trip over.
$(B)/parser.o: $(B)/parser.c $(B)/lexer.h $(FLAGS_STAMP)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS) -MMD -c -o $@ $<
$(B)/lexer.o: $(B)/lexer.c $(B)/parser.h $(FLAGS_STAMP)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS) -Wno-unused-function -MMD -c -o $@ $<

$(B)/%.o: %.c $(FLAGS_STAMP) | $(B)/parser.h $(B)/lexer.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -MMD -c -o $@ $<

$(B)/compiler/main.o: CPPFLAGS_ALL += -DSTREAMC_RUNTIME_FLAGS='"$(RUNTIME_FLAGS)"'

$(B)/streamc: $(FRONT_OBJ) $(B)/compiler/main.o
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/libstreamrt.a: $(RUNTIME_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

# The monitoring page, embedded in the runtime as a C string (awk: no xxd
# needed). ui_render.o looks in $(B) first, so another build directory
# (B=build/asan) never takes build/'s copy.
$(B)/ui_page.h: runtime/ui_page.html
	@mkdir -p $(B)
	@echo "  GEN     $@"
	$(Q)LC_ALL=C awk 'BEGIN { print "/* Generated from runtime/ui_page.html -- DO NOT EDIT */"; \
	    print "static const char ui_page[] =" } \
	  { s = ""; for (i = 1; i <= length($$0); i++) { c = substr($$0, i, 1); \
	      if (c == "\\" || c == "\"" || c == "?") s = s "\\"; s = s c } \
	    print "    \"" s "\\n\"" } \
	  END { print "    \"\";" }' $< > $@.tmp && mv $@.tmp $@
$(B)/runtime/ui_render.o: $(B)/ui_page.h
$(B)/runtime/ui_render.o: CPPFLAGS_ALL := -I$(B) $(CPPFLAGS_ALL)

# Developer tool: a Kafka mock cluster on loopback for tests, demo, benchmarks.
$(B)/kafka-mock: $(B)/tools/kafka_mock.o
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/unit_tests: $(UNIT_OBJ) $(FRONT_OBJ) $(B)/libstreamrt.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJ) $(FRONT_OBJ) $(B)/libstreamrt.a -lcunit $(LDLIBS)

# ---- fuzz: the front end and checker under libFuzzer + ASan + UBSan, built
# with clang into $(B)/fuzz/ (never mixed with the gcc objects). Findings go
# to $(B)/fuzz/findings/; keep each one in tests/fuzz/regressions/.
CC_FUZZ    ?= clang
FUZZ_TIME  ?= 600
FZ         := $(B)/fuzz
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_OBJ   := $(FZ)/parser.o $(FZ)/lexer.o $(GRAMMAR_SRC:%.c=$(FZ)/%.o) $(COMPILER_SRC:%.c=$(FZ)/%.o)
FUZZ_ARGS  := -max_len=4096 -timeout=10 -dict=tests/fuzz/stream.dict -artifact_prefix=$(FZ)/findings/
# FUZZ_SEED, FUZZ_RUNS and a fresh FUZZ_CORPUS make a run repeatable
# (tests/fuzz/run.sh, in CI); the default corpus grows from run to run
FUZZ_ARGS  += $(if $(FUZZ_SEED),-seed=$(FUZZ_SEED)) $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS))

$(FZ)/parser.o $(FZ)/lexer.o: $(FZ)/%.o: $(B)/%.c $(B)/parser.h $(B)/lexer.h
	@mkdir -p $(dir $@)
	@echo "  CCFUZZ  $<"
	$(Q)$(CC_FUZZ) $(CPPFLAGS_ALL) $(FUZZ_CFLAGS) -Wno-unused-function -MMD -c -o $@ $<
$(FZ)/%.o: %.c | $(B)/parser.h $(B)/lexer.h
	@mkdir -p $(dir $@)
	@echo "  CCFUZZ  $<"
	$(Q)$(CC_FUZZ) $(CPPFLAGS_ALL) $(FUZZ_CFLAGS) $(WARN) -MMD -c -o $@ $<
$(FZ)/fuzz_frontend: $(FZ)/tests/fuzz/fuzz_frontend.o $(FUZZ_OBJ)
	@echo "  LINK    $@"
	$(Q)$(CC_FUZZ) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ -lm

FUZZ_CORPUS ?= $(FZ)/corpus
fuzz: $(FZ)/fuzz_frontend
	@mkdir -p $(FUZZ_CORPUS) $(FZ)/findings
	$(Q)for f in samples/*.stream $$(find tests -name '*.stream') tests/fuzz/regressions/*; do \
	    [ -f "$$f" ] && cp "$$f" $(FUZZ_CORPUS)/seed-$$(echo "$$f" | tr / _); done; true
	$(FZ)/fuzz_frontend $(FUZZ_ARGS) -max_total_time=$(FUZZ_TIME) -print_final_stats=1 $(FUZZ_CORPUS)

# ---- install: bin/streamc, lib/libstreamrt.a, include/streamc/streamrt.h,
# lib/pkgconfig/streamc-runtime.pc, share/streamc/streamc.mk,
# share/man/man1/streamc.1, lib/cmake/Streamc/ (find_package). The installed
# streamc finds its runtime relative to itself, so the tree can be moved.
PREFIX  ?= /usr/local
DESTDIR ?=
VERSION := $(shell sed -n 's/^\#define SR_VERSION "\(.*\)"/\1/p' runtime/streamrt.h)
INSTALLED := bin/streamc lib/libstreamrt.a include/streamc/streamrt.h \
             lib/pkgconfig/streamc-runtime.pc share/streamc/streamc.mk share/man/man1/streamc.1 \
             lib/cmake/Streamc/StreamcConfig.cmake lib/cmake/Streamc/StreamcConfigVersion.cmake

install: $(B)/streamc $(B)/libstreamrt.a
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	    $(DESTDIR)$(PREFIX)/include/streamc $(DESTDIR)$(PREFIX)/share/streamc \
	    $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/lib/cmake/Streamc
	install -m 755 $(B)/streamc $(DESTDIR)$(PREFIX)/bin/streamc
	install -m 644 $(B)/libstreamrt.a $(DESTDIR)$(PREFIX)/lib/libstreamrt.a
	install -m 644 runtime/streamrt.h $(DESTDIR)$(PREFIX)/include/streamc/streamrt.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@RUNTIME_FLAGS@|$(if $(RUNTIME_FLAGS), $(RUNTIME_FLAGS))|' packaging/streamc-runtime.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/streamc-runtime.pc
	install -m 644 packaging/streamc.mk $(DESTDIR)$(PREFIX)/share/streamc/streamc.mk
	install -m 644 packaging/streamc.1 $(DESTDIR)$(PREFIX)/share/man/man1/streamc.1
	sed -e 's|@RUNTIME_FLAGS@|$(RUNTIME_FLAGS)|' packaging/StreamcConfig.cmake \
	    > $(DESTDIR)$(PREFIX)/lib/cmake/Streamc/StreamcConfig.cmake
	install -m 644 packaging/StreamcConfigVersion.cmake $(DESTDIR)$(PREFIX)/lib/cmake/Streamc

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/,$(INSTALLED))
	-rmdir $(DESTDIR)$(PREFIX)/include/streamc $(DESTDIR)$(PREFIX)/share/streamc \
	    $(DESTDIR)$(PREFIX)/lib/cmake/Streamc 2>/dev/null

deps:
	@bash tests/install-deps.sh

# `check` and `demo` install what is missing first, then build.
check: deps
	@$(MAKE) --no-print-directory all $(B)/unit_tests
	@SANITIZE='$(SANITIZE)' RUNTIME_FLAGS='$(RUNTIME_FLAGS)' bash tests/check.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@bash samples/demo.sh

# A long run of the overload test (tests/reliability/overload.sh): a socket
# source fed faster than the program can go, memory sampled every second.
SOAK_SECONDS ?= 600
soak: deps
	@$(MAKE) --no-print-directory all
	@OVERLOAD_SECONDS=$(SOAK_SECONDS) bash tests/reliability/overload.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@bash bench/run.sh

clean:
	rm -rf $(B)

.PHONY: all check deps demo bench clean install uninstall fuzz soak
-include $(shell find $(B) -name '*.d' 2>/dev/null)
