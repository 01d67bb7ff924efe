# Castellan — the two commands a fresh Debian machine needs are `make run` and `make test`.
SWIFT ?= swift
# Swift Testing runs at most this many tests at once (its own variable). Unbounded, a full run
# held up to 1,808 descriptors; past ~1,350, Foundation's Process.run() copies 256 bytes from
# the last record of a full readdir buffer of /proc/self/fd and can read off the end of its
# mapping (swift-corelibs-foundation #5472) — the test process crashed in it now and then. At 24
# the peak was 1,057 and the suite took as long (43 s against 44 s on two cores).
export SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH ?= 24
APT_PACKAGES := mosquitto mosquitto-clients mosquitto-dev libmosquitto-dev libssl-dev libsqlite3-dev libargon2-dev argon2 openssl postgresql gcc python3 chromium

.PHONY: deps build release run test bench bench-junk chaos clean plugin plugin-test plugin-fuzz mosquitto-2.1 plugin-test-2.1 plugin-spin-bench

# Installs only what is missing, so it is a no-op on a prepared machine.
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

# The release binary, at .build/release/castellan (docs/deploy.md installs it).
release: deps
	$(SWIFT) build -c release --product castellan

# The main job: the service and a mosquitto with the plugin, demo devices connected, the live tree; Ctrl-C stops it all.
run: deps plugin
	$(SWIFT) build --product castellan
	$$($(SWIFT) build --show-bin-path)/castellan stack --dir .castellan --plugin .build-plugin/castellan_mosquitto.so

# The chaos smoke scenario (SmokeScenarioTests) runs last and alone: it is a load test, and beside
# the timing-sensitive end-to-end suites on a small machine it would slow them and be slowed by them.
# The 2.1 runs (plugin broker tests, and BrokerEndToEndTests as the representative Swift suite)
# use mosquitto 2.1.2 built from ../shared/vendor, and are skipped, saying so, without it.
test: deps plugin-test plugin-test-2.1
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip SmokeScenarioTests
	CASTELLAN_CHAOS_SMOKE=1 $(SWIFT) test --skip-build --filter SmokeScenarioTests
	@if [ -x $(MOSQUITTO_21) ]; then \
	  echo "BrokerEndToEndTests against $$($(MOSQUITTO_21) -h | head -n 1)"; \
	  CASTELLAN_MOSQUITTO=$(MOSQUITTO_21) $(SWIFT) test --skip-build --filter BrokerEndToEndTests; \
	else echo "skipping the Swift end-to-end run against mosquitto 2.1: no mosquitto 2.1"; fi

# The long chaos scenarios (docs/chaos.md): an intensity storm, a 40 s barrage of worker kills,
# then a ten-minute soak with a SIGKILL. Not part of `make test`, which runs only
# supervision/chaos/smoke.yaml.
chaos: deps plugin
	$(SWIFT) build --product castellan
	$$($(SWIFT) build --show-bin-path)/castellan chaos run --scenario supervision/chaos/storm.yaml
	$$($(SWIFT) build --show-bin-path)/castellan chaos run --scenario supervision/chaos/barrage.yaml
	$$($(SWIFT) build --show-bin-path)/castellan chaos run --scenario supervision/chaos/soak.yaml

# Comparative benchmarks (Benchmarks/README.md): release build, then Benchmarks/bench.py prints one
# table and writes docs/benchmarks.md. Not part of `make test`; erlang is needed here only.
BENCH_APT_PACKAGES := erlang-base
BENCH_ARGS ?=
bench: bench-deps plugin
	$(SWIFT) build -c release --scratch-path .build-release --product castellan
	python3 Benchmarks/bench.py --castellan .build-release/release/castellan --plugin $(PLUGIN_DIR)/castellan_mosquitto.so $(BENCH_ARGS)
	.build-release/release/castellan bench store --backend sqlite --devices 1000000
	python3 Benchmarks/junk.py --castellan .build-release/release/castellan --plugin $(PLUGIN_DIR)/castellan_mosquitto.so $(JUNK_ARGS)

# What junk costs (also the last part of `make bench`) (docs/lockout.md): unknown names and wrong passwords next to a cached connect,
# and a flood of random-name CONNECTs with the production plugin deadline.
JUNK_ARGS ?=
bench-junk: plugin
	$(SWIFT) build -c release --scratch-path .build-release --product castellan
	python3 Benchmarks/junk.py --castellan .build-release/release/castellan --plugin $(PLUGIN_DIR)/castellan_mosquitto.so $(JUNK_ARGS)

.PHONY: bench-deps
bench-deps: deps
	@missing=""; for p in $(BENCH_APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

clean:
	rm -rf .build

# ---- the mosquitto plugin (C, no Swift runtime inside the broker) --------------------------
PLUGIN_DIR := .build-plugin
PLUGIN_SRC := Sources/CastellanMosquitto
PLUGIN_TESTS := Tests/CastellanMosquittoTests
PLUGIN_CORE := $(PLUGIN_SRC)/frame.c $(PLUGIN_SRC)/acl.c $(PLUGIN_SRC)/conn_table.c $(PLUGIN_SRC)/bridge.c $(PLUGIN_SRC)/resync.c
PLUGIN_HEADERS := $(wildcard $(PLUGIN_SRC)/*.h)
PLUGIN_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror
FUZZ_CC ?= /opt/swift/usr/bin/clang
FUZZ_SECONDS ?= 120
# libFuzzer ships with the Swift toolchain's clang; without it plugin-test skips the fuzz step.
HAVE_FUZZ_CC := $(shell command -v $(FUZZ_CC) >/dev/null 2>&1 && echo yes)
PLUGIN_FUZZ_DEPS := $(if $(HAVE_FUZZ_CC),$(PLUGIN_DIR)/fuzz-bridge $(PLUGIN_DIR)/fuzz-corpus/.seeded)

plugin: deps $(PLUGIN_DIR)/castellan_mosquitto.so

$(PLUGIN_DIR)/castellan_mosquitto.so: $(PLUGIN_CORE) $(PLUGIN_SRC)/plugin.c $(PLUGIN_HEADERS)
	@mkdir -p $(PLUGIN_DIR)
	cc -shared -fPIC $(PLUGIN_CFLAGS) -o $@ $(PLUGIN_CORE) $(PLUGIN_SRC)/plugin.c -lcrypto

# The same plugin with ASan/UBSan, loaded into the real broker by plugin-test.
$(PLUGIN_DIR)/castellan_mosquitto_asan.so: $(PLUGIN_CORE) $(PLUGIN_SRC)/plugin.c $(PLUGIN_HEADERS)
	@mkdir -p $(PLUGIN_DIR)
	cc -shared -fPIC $(PLUGIN_CFLAGS) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
	  -o $@ $(PLUGIN_CORE) $(PLUGIN_SRC)/plugin.c -lcrypto

$(PLUGIN_DIR)/plugin-tests: $(PLUGIN_CORE) $(PLUGIN_HEADERS) $(wildcard $(PLUGIN_TESTS)/*.c $(PLUGIN_TESTS)/*.h)
	@mkdir -p $(PLUGIN_DIR)
	cc $(PLUGIN_CFLAGS) -g -fsanitize=address,undefined -fno-sanitize-recover=all -I$(PLUGIN_SRC) \
	  -o $@ $(PLUGIN_CORE) $(PLUGIN_TESTS)/unit_tests.c

$(PLUGIN_DIR)/plugin-bench: $(PLUGIN_CORE) $(PLUGIN_HEADERS) $(PLUGIN_TESTS)/unit_tests.c
	@mkdir -p $(PLUGIN_DIR)
	cc $(PLUGIN_CFLAGS) -I$(PLUGIN_SRC) -o $@ $(PLUGIN_CORE) $(PLUGIN_TESTS)/unit_tests.c

$(PLUGIN_DIR)/acl-cases.txt: Tests/Fixtures/acl-cases.json $(PLUGIN_TESTS)/acl_cases.py
	@mkdir -p $(PLUGIN_DIR)
	python3 $(PLUGIN_TESTS)/acl_cases.py $< > $@

$(PLUGIN_DIR)/fuzz-bridge: $(PLUGIN_CORE) $(PLUGIN_HEADERS) $(PLUGIN_TESTS)/fuzz_bridge.c
	@mkdir -p $(PLUGIN_DIR)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -g -O1 -fuse-ld=lld -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	  -I$(PLUGIN_SRC) -o $@ $(PLUGIN_SRC)/frame.c $(PLUGIN_SRC)/acl.c $(PLUGIN_TESTS)/fuzz_bridge.c

$(PLUGIN_DIR)/fuzz-corpus/.seeded: Tests/Fixtures/bridge-frames.txt Tests/Fixtures/acl-cases.json $(PLUGIN_TESTS)/fuzz_seeds.py
	python3 $(PLUGIN_TESTS)/fuzz_seeds.py $(PLUGIN_DIR)/fuzz-corpus
	@touch $@

# Unit tests (golden frames, the ACL case table, conn table, micro-benchmarks), a short fuzz
# run, then the real plugin inside a real mosquitto against a scripted service.
plugin-test: plugin $(PLUGIN_DIR)/castellan_mosquitto_asan.so $(PLUGIN_DIR)/plugin-tests $(PLUGIN_DIR)/plugin-bench $(PLUGIN_DIR)/acl-cases.txt $(PLUGIN_FUZZ_DEPS)
	@if ldd $(PLUGIN_DIR)/castellan_mosquitto.so | grep -qi swift; then echo "castellan_mosquitto.so links the Swift runtime"; exit 1; fi
	$(PLUGIN_DIR)/plugin-tests Tests/Fixtures/bridge-frames.txt $(PLUGIN_DIR)/acl-cases.txt
	$(PLUGIN_DIR)/plugin-bench --bench
ifeq ($(HAVE_FUZZ_CC),yes)
	@mkdir -p $(PLUGIN_DIR)/fuzz-work
	@$(PLUGIN_DIR)/fuzz-bridge -runs=20000 -seed=1 $(PLUGIN_DIR)/fuzz-work $(PLUGIN_DIR)/fuzz-corpus \
	  > $(PLUGIN_DIR)/fuzz-run.log 2>&1 || { tail -n 40 $(PLUGIN_DIR)/fuzz-run.log; exit 1; }
	@echo "fuzz: $$(tail -n 1 $(PLUGIN_DIR)/fuzz-run.log)"
else
	@echo "skipping the fuzz run: $(FUZZ_CC) (clang with libFuzzer) not found"
endif
	python3 $(PLUGIN_TESTS)/broker_test.py $(abspath $(PLUGIN_DIR)/castellan_mosquitto.so)
	@rm -rf $(PLUGIN_DIR)/asan-reports && mkdir -p $(PLUGIN_DIR)/asan-reports
	CASTELLAN_BROKER_PRELOAD="$$(cc -print-file-name=libasan.so) $$(cc -print-file-name=libubsan.so)" \
	CASTELLAN_ASAN_LOG_DIR=$(abspath $(PLUGIN_DIR)/asan-reports) \
	  python3 $(PLUGIN_TESTS)/broker_test.py $(abspath $(PLUGIN_DIR)/castellan_mosquitto_asan.so)

# How long a blocking call should spin before poll(): round trips to a child standing in for the
# service, per spin budget, for a service answering in WORK_US (docs/plugin.md has the numbers).
SPIN_WORK_US ?= 0 50 150
plugin-spin-bench: $(PLUGIN_CORE) $(PLUGIN_HEADERS) Benchmarks/bridge_spin.c
	@mkdir -p $(PLUGIN_DIR)
	cc $(PLUGIN_CFLAGS) -I$(PLUGIN_SRC) -o $(PLUGIN_DIR)/bridge-spin Benchmarks/bridge_spin.c $(PLUGIN_SRC)/bridge.c $(PLUGIN_SRC)/frame.c
	for w in $(SPIN_WORK_US); do for m in "" pin share; do $(PLUGIN_DIR)/bridge-spin $$w $$m; done; done

# A longer fuzz run (FUZZ_SECONDS), seeded from the golden frames and ACL cases.
plugin-fuzz: $(PLUGIN_DIR)/fuzz-bridge $(PLUGIN_DIR)/fuzz-corpus/.seeded
	@mkdir -p $(PLUGIN_DIR)/fuzz-work
	$(PLUGIN_DIR)/fuzz-bridge -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $(PLUGIN_DIR)/fuzz-work $(PLUGIN_DIR)/fuzz-corpus

# ---- mosquitto 2.1 for the tests (Debian 12 ships 2.0.11) ----------------------------------
# Built from the release tarball when it is there (../shared/vendor, or MOSQUITTO_21_TARBALL)
# into .build-mosquitto21/, once: the folder is the cache. Without the tarball the 2.1 runs
# are skipped, saying so. Tests take the binary from CASTELLAN_MOSQUITTO.
MOSQUITTO_21_TARBALL ?= $(abspath ../shared/vendor/mosquitto-2.1.2.tar.gz)
MOSQUITTO_21_DIR := .build-mosquitto21
MOSQUITTO_21 := $(abspath $(MOSQUITTO_21_DIR))/sbin/mosquitto
MOSQUITTO_21_APT_PACKAGES := cmake libcjson-dev libssl-dev

mosquitto-2.1:
	@if [ -x $(MOSQUITTO_21) ]; then :; \
	elif [ ! -f $(MOSQUITTO_21_TARBALL) ]; then echo "skipping mosquitto 2.1: $(MOSQUITTO_21_TARBALL) not found"; \
	else \
	  missing=""; for p in $(MOSQUITTO_21_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi; \
	  src=$$(mktemp -d) && tar xzf $(MOSQUITTO_21_TARBALL) -C $$src && \
	  cmake -S $$src/mosquitto-* -B $$src/build -DCMAKE_BUILD_TYPE=Release -DWITH_TESTS=OFF -DWITH_DOCS=OFF \
	    -DWITH_CTRL_SHELL=OFF -DWITH_WEBSOCKETS=OFF -DCMAKE_INSTALL_PREFIX=$(abspath $(MOSQUITTO_21_DIR)) > $$src/cmake.log 2>&1 && \
	  cmake --build $$src/build -j2 > $$src/build.log 2>&1 && cmake --build $$src/build --target install > $$src/install.log 2>&1 && \
	  rm -rf $$src && echo "built $$($(MOSQUITTO_21) -h | head -n 1) into $(MOSQUITTO_21_DIR)"; \
	fi

# The real-broker plugin tests again, inside mosquitto 2.1 (ASan build included).
plugin-test-2.1: plugin $(PLUGIN_DIR)/castellan_mosquitto_asan.so mosquitto-2.1
	@if [ ! -x $(MOSQUITTO_21) ]; then echo "skipping the plugin's 2.1 broker tests: no mosquitto 2.1"; else \
	  CASTELLAN_MOSQUITTO=$(MOSQUITTO_21) python3 $(PLUGIN_TESTS)/broker_test.py $(abspath $(PLUGIN_DIR)/castellan_mosquitto.so) && \
	  rm -rf $(PLUGIN_DIR)/asan-reports-2.1 && mkdir -p $(PLUGIN_DIR)/asan-reports-2.1 && \
	  CASTELLAN_MOSQUITTO=$(MOSQUITTO_21) CASTELLAN_BROKER_PRELOAD="$$(cc -print-file-name=libasan.so) $$(cc -print-file-name=libubsan.so)" \
	  CASTELLAN_ASAN_LOG_DIR=$(abspath $(PLUGIN_DIR)/asan-reports-2.1) \
	    python3 $(PLUGIN_TESTS)/broker_test.py $(abspath $(PLUGIN_DIR)/castellan_mosquitto_asan.so); fi
