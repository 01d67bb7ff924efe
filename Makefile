# Castellan — the two commands a fresh Debian machine needs are `make run` and `make test`.
SWIFT ?= swift
APT_PACKAGES := mosquitto mosquitto-clients mosquitto-dev libmosquitto-dev libssl-dev libsqlite3-dev openssl postgresql

.PHONY: deps build run test bench clean

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

# The main job. At this stage: the supervision demo tree, events live until Ctrl-C.
run: deps
	$(SWIFT) build --product castellan
	$$($(SWIFT) build --show-bin-path)/castellan demo --spec supervision/demo.yaml

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: deps
	$(SWIFT) build -c release --product castellan
	$$($(SWIFT) build -c release --show-bin-path)/castellan bench supervision
	$$($(SWIFT) build -c release --show-bin-path)/castellan bench auth
	$$($(SWIFT) build -c release --show-bin-path)/castellan bench store --backend sqlite --devices 1000000

clean:
	rm -rf .build
