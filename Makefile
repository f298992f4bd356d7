# Thin front end over CMake/ctest. On a fresh Debian 12 machine:
#   make demo    install dependencies, build, and run the crash demo
#   make check   install dependencies, build, and run every test suite
#   make check-programs   real programs (Kyoto Cabinet, gawk PMA) with their own tests and crash tests
BUILD ?= build
JOBS  ?= $(shell nproc)

.PHONY: all deps configure build demo check check-programs crash-soak bench bench-full install clean
all: build

deps:
	@./scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@./examples/demo.sh $(BUILD)

check: build
	@cd $(BUILD) && ctest --output-on-failure --timeout 1800

# Real programs from Debian sources with their own test suites and crash tests (long; opt-in):
# make check-programs [PROGRAMS="kyotocabinet gawk"]   (see Tests/programs/run.sh)
check-programs: build
	@bash Tests/programs/run.sh $(BUILD) $(PROGRAMS)

crash-soak: build
	@bash Tests/crash/soak.sh $(BUILD)

bench: build
	@./bench/run.sh --quick

bench-full: build
	@./bench/run.sh --full

install: build
	@test -n "$(PREFIX)" || { echo "usage: make install PREFIX=/path"; exit 2; }
	@cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) .build
