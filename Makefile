# Thin front end over CMake/ctest. On a fresh Debian 12 machine:
#   make demo    install dependencies, build, and run the crash demo
#   make check   install dependencies, build, and run every test suite
#   make check-programs   real programs (Kyoto Cabinet, gawk PMA, Boost.Interprocess) with their own tests and crash tests
# A repeated `make`/`make check` does not re-run the installer or CMake's configure step: each
# ran once and left a stamp in $(BUILD), redone only when the installer changed (or $(BUILD) is
# new). CMake itself re-runs configure when a CMakeLists.txt changed. `make deps` forces the
# installer.
BUILD ?= build
JOBS  ?= $(shell nproc)
LLVM_VERSIONS ?= 15 16
DEPS_STAMP := $(BUILD)/.stamp-deps
CONFIG_STAMP := $(BUILD)/.stamp-configured

.PHONY: all deps configure build demo check check-llvm-versions check-programs crash-soak fuzz bench bench-full install clean
all: build

deps:
	@./scripts/install-deps.sh
	@mkdir -p $(BUILD) && touch $(DEPS_STAMP)

$(DEPS_STAMP): scripts/install-deps.sh
	@./scripts/install-deps.sh
	@mkdir -p $(BUILD) && touch $@

# After a fresh install of the dependencies (a new LLVM, lit) configure again: CMake caches
# what it found.
$(CONFIG_STAMP): $(DEPS_STAMP)
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@touch $@

configure: $(CONFIG_STAMP)

build: $(CONFIG_STAMP)
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@./examples/demo.sh $(BUILD)

check: build
	@cd $(BUILD) && ctest --output-on-failure --timeout 1800

# Opt-in: the pass plugin built against each of LLVM_VERSIONS (installed through the project's
# installer) and the lit suite run with that version's tools.
check-llvm-versions:
	@./PassPlugin/check-llvm-versions.sh $(abspath $(BUILD)) $(LLVM_VERSIONS)

FUZZ_SECONDS ?= 1200
fuzz:
	@bash Tests/fuzz/run.sh $(abspath $(BUILD))/fuzz-long $(FUZZ_SECONDS)

# Real programs from Debian sources with their own test suites and crash tests (long; opt-in):
# make check-programs [PROGRAMS="kyotocabinet gawk boost"]   (see Tests/programs/run.sh)
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
