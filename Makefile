# cachet: the one build entry point.
#   make          build ./cachet
#   make asan     build build-asan/cachet with AddressSanitizer + UBSan
#   make check    install missing packages, build both, run every test
#   make demo     install missing packages, build, open the demo account
#   make bench    performance benchmarks (tests/bench)
#   make fuzz     longer fuzz runs (tests/fuzz)

PKGS := ncursesw libetpan gpgme openssl libcurl sqlite3 inih zlib
CC ?= cc
BUILD ?= build
SAN ?=

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libetpan's .pc adds Debian's link specs and hardening flags of its own;
# they are not ours to choose, and they fight the sanitizer runtime.
PKG_LIBS := $(filter-out -specs=% -Wl%,$(shell pkg-config --libs $(PKGS) \
	    2>/dev/null))

CFLAGS_BASE := -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -g -Isrc \
	       -DCACHET_SRCDIR=\"$(CURDIR)\" \
	       -Wno-unused-parameter
ifeq ($(SAN),1)
OPT := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
       -fno-sanitize-recover=undefined
else
OPT := -O2
endif
CFLAGS_ALL = $(CFLAGS_BASE) $(OPT) $(PKG_CFLAGS) $(CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) -lpthread $(LDLIBS)

SRC := $(sort $(wildcard src/*/*.c))
UI_SRC := $(sort $(wildcard ui/*.c))
LIB_OBJ := $(SRC:%.c=$(BUILD)/%.o)
UI_OBJ := $(UI_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)

ifeq ($(BUILD),build)
PROG := cachet
else
PROG := $(BUILD)/cachet
endif

.PHONY: all asan check demo deps bench fuzz lint format clean unit tests

all: $(PROG)

$(PROG): $(UI_OBJ) $(BUILD)/libcachet.a
	$(CC) $(CFLAGS_ALL) -o $@ $(UI_OBJ) $(BUILD)/libcachet.a $(LDLIBS_ALL)

$(BUILD)/libcachet.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $(LIB_OBJ)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libcachet.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(BUILD)/libcachet.a \
		$(LDLIBS_ALL) -lcmocka

$(BUILD)/tools/%: tests/tools/%.c $(BUILD)/libcachet.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libcachet.a $(LDLIBS_ALL)

# Everything the test runner needs for one build flavour.
tests: $(PROG) $(UNIT_BIN) $(TOOL_BIN)

asan:
	$(MAKE) BUILD=build-asan SAN=1 tests

deps:
	@sh tests/lib/deps.sh

check: deps
	$(MAKE) tests
	$(MAKE) asan
	@sh tests/run.sh

demo: deps
	$(MAKE) all
	./cachet --demo

bench: deps
	@command -v neomutt >/dev/null || { [ "$$(id -u)" -eq 0 ] && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq neomutt; } \
		|| true
	$(MAKE) all
	sh tests/bench/run.sh

fuzz: deps
	sh tests/fuzz/run.sh

lint:
	@! grep -rlE '#include *[<"](n?curses|ncursesw/)' src || \
		{ echo "src/ must not include curses"; exit 1; }
	@! grep -rl '#include *"\.\./\.\./ui' src || \
		{ echo "src/ must not include ui/"; exit 1; }
	clang-format --dry-run --Werror $(SRC) $(UI_SRC) 2>/dev/null || true

format:
	clang-format -i $(SRC) $(UI_SRC)

clean:
	rm -rf build build-asan cachet

-include $(LIB_OBJ:.o=.d) $(UI_OBJ:.o=.d)
