# meetup — build, run and test. `make run` and `make test` are the README's Quick start.
SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SWIFT_BUILD_FLAGS ?=
ARGS ?=

.PHONY: run test build deps bench demo clean

# Installs only what is missing: the system libraries through apt, PyNaCl (interop tests) through pip.
deps:
	@if ! pkg-config --exists libsodium 2>/dev/null || [ ! -f /usr/include/sqlite3.h ]; then \
		echo "make: installing libsodium-dev libsqlite3-dev pkg-config"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libsodium-dev libsqlite3-dev pkg-config; \
	fi
	@command -v curl >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq curl; }
	@python3 -c 'import nacl' 2>/dev/null || { echo "make: installing PyNaCl"; python3 -m pip install --quiet --disable-pip-version-check pynacl; }

build: deps
	swift build $(SWIFT_BUILD_FLAGS)

# Starts meetupd in the foreground with its embedded defaults (home: $$MEETUP_HOME, else XDG state dir).
run: build
	"$$(swift build $(SWIFT_BUILD_FLAGS) --show-bin-path)/meetupd" $(ARGS)

test: deps
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	swift test --skip-build --disable-xctest $(SWIFT_BUILD_FLAGS)

# Scheduler cost at 1,000 and 100,000 plans (or BENCH_PLANS="..."); prints ratios, asserts nothing.
BENCH_PLANS ?= 1000 100000
bench: deps
	swift build --product meetup-bench $(SWIFT_BUILD_FLAGS)
	"$$(swift build $(SWIFT_BUILD_FLAGS) --show-bin-path)/meetup-bench" $(BENCH_PLANS)

# Three nodes on loopback: a plan with a 5 s interval is missed and each contact sees the alert.
demo: build
	bash scripts/demo.sh

clean:
	rm -rf .build
