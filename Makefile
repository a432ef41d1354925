# Common verbs over CMake presets. Every target first installs missing Debian packages
# (scripts/install-deps.sh, silent when all are present), then builds incrementally.
# The developer tasks themselves (format, lint, bench) live in twin.toml and run with twin.

PRESET ?= release
JOBS ?= $(shell nproc)
TWIN := build/$(PRESET)/twin
PREFIX ?= /usr/local

.PHONY: all deps build run install test test-release test-asan bench soak fuzz format lint clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET) -j $(JOBS)

# The main job on the embedded defaults: the `demo` task of twin.toml.
run: build
	@$(TWIN) task demo

# Installs twin under $(PREFIX) (default /usr/local; DESTDIR for staging): bin/twin,
# libexec/twin/twin-full, share/twin/web (the dashboard), share/doc/twin.
install: build
	@DESTDIR="$(DESTDIR)" cmake --install build/$(PRESET) --prefix "$(PREFIX)"

# Unit and end-to-end tests; CI (CI=true) also runs them under ASan+UBSan.
test: test-release
ifeq ($(CI),true)
test: test-asan
endif

test-release: build
	@scripts/test-env.sh ctest --preset release -j $(JOBS)

test-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	@scripts/test-env.sh ctest --preset asan -j $(JOBS)

bench: build
	@$(TWIN) task bench

# The server under 200 idle and 8 slow connections while 8 MLflow clients log metrics
# (bench/soak; SOAK_SECONDS=20 by default): their p50/p99, errors and the server's peak memory.
soak: build
	@BENCH_ONLY=soak scripts/bench.sh build/$(PRESET)

# Every parser twin owns under libFuzzer (fuzz/, clang-19 with ASan+UBSan) for FUZZ_SECONDS each
# (default 60): executions, coverage and findings per target (scripts/fuzz.sh).
fuzz: deps
	@scripts/install-deps.sh fuzz
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)
	@scripts/fuzz.sh

format: build
	@$(TWIN) task format

lint: build
	@scripts/install-deps.sh lint
	@$(TWIN) task lint

clean:
	rm -rf build
