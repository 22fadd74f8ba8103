# meetup — build, run and test. `make run` and `make test` are the README's Quick start.
SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SWIFT_BUILD_FLAGS ?=
ARGS ?=

.PHONY: run test build deps test-deps check-release torture fuzz bench profile-wave demo clean install install-files man check-unit land-mask

# Installs only what is missing. `deps` is what building and running need (libsodium, SQLite, pkg-config,
# through apt); `test-deps` adds the test tools, so that a self-hoster never gets a browser: curl, PyNaCl
# (interop tests), Chromium, its driver and selenium (the check-in page's browser test), systemd and
# man-db (the unit's checks).
deps:
	@if ! pkg-config --exists libsodium 2>/dev/null || [ ! -f /usr/include/sqlite3.h ]; then \
		echo "make: installing libsodium-dev libsqlite3-dev pkg-config"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libsodium-dev libsqlite3-dev pkg-config; \
	fi

test-deps: deps
	@command -v curl >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq curl; }
	@python3 -c 'import nacl' 2>/dev/null || { echo "make: installing PyNaCl"; python3 -m pip install --quiet --disable-pip-version-check pynacl; }
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { echo "make: installing chromium and chromium-driver (the check-in page's browser test)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core; }
	@python3 -c 'import selenium' 2>/dev/null || { echo "make: installing selenium (drives Debian's chromium; downloads no browser)"; python3 -m pip install --quiet --disable-pip-version-check selenium; }
	@command -v systemd-analyze >/dev/null && command -v man >/dev/null || { echo "make: installing systemd and man-db (systemd-analyze verify of the unit)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends systemd man-db; }

build: deps
	swift build $(SWIFT_BUILD_FLAGS)

# Starts meetupd in the foreground with its embedded defaults (home: $$MEETUP_HOME, else XDG state dir).
run: build
	"$$(swift build $(SWIFT_BUILD_FLAGS) --show-bin-path)/meetupd" $(ARGS)

# Two runs: the integration tests wait for real processes with blocking calls, which hold Swift's
# cooperative threads (one per core); run beside them, the unit tests' live listeners could starve.
test: test-deps
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	swift test --skip-build --disable-xctest $(SWIFT_BUILD_FLAGS) --skip IntegrationTests
	swift test --skip-build --disable-xctest $(SWIFT_BUILD_FLAGS) --filter IntegrationTests

# In release: the scheduler's cost at 1,000 and 100,000 plans (or BENCH_PLANS="..."), what PIN checks
# cost (the duress PIN against the real one; status and a due alert with 20 checks in flight), then the
# alert wave: BENCH_N plans due at the same instant on a real node, committed and received by a real
# contact (scripts/bench_wave.py), arming by 8 clients on kept-alive connections, a guardian absorbing
# heartbeats (scripts/bench_heartbeat.py), and a real meetupd's memory and restart with
# BENCH_RESTART_PLANS plans armed (scripts/bench_restart.py), and a mailbox host holding BENCH_MAILBOX_OWNERS
# owners' long polls at once (scripts/bench_mailbox.py). Prints figures and
# ratios measured in the same run; asserts nothing.
BENCH_PLANS ?= 1000 100000
BENCH_N ?= 1000 10000
BENCH_RESTART_PLANS ?= 1000000
BENCH_MAILBOX_OWNERS ?= 1000
bench: deps
	@python3 -c 'import nacl' 2>/dev/null || { echo "make: installing PyNaCl (the heartbeat bench seals with it)"; python3 -m pip install --quiet --disable-pip-version-check pynacl; }
	swift build -c release $(SWIFT_BUILD_FLAGS)
	"$$(swift build -c release $(SWIFT_BUILD_FLAGS) --show-bin-path)/meetup-bench" $(BENCH_PLANS)
	python3 scripts/bench_pin.py --bin "$$(swift build -c release $(SWIFT_BUILD_FLAGS) --show-bin-path)"
	python3 scripts/bench_wave.py --n "$(BENCH_N)" --bin "$$(swift build -c release $(SWIFT_BUILD_FLAGS) --show-bin-path)"
	python3 scripts/bench_heartbeat.py --bin "$$(swift build -c release $(SWIFT_BUILD_FLAGS) --show-bin-path)"
	python3 scripts/bench_restart.py --plans "$(BENCH_RESTART_PLANS)" --bin "$$(swift build -c release $(SWIFT_BUILD_FLAGS) --show-bin-path)"
	python3 scripts/bench_mailbox.py --owners "$(BENCH_MAILBOX_OWNERS)" --bin "$$(swift build -c release $(SWIFT_BUILD_FLAGS) --show-bin-path)"

# Where a wave's time goes: one wave of PROFILE_N plans (release), perf sampling the user's node while it
# arms and both nodes while the alerts go out, then each profile's hottest functions, by their own time
# and with what they call (SQL shows by the Store function that runs it). Installs Debian's linux-perf if
# missing; the profiles stay in PROFILE_DIR (default: a new temporary folder). PROFILE_CALL_GRAPH=dwarf
# unwinds by DWARF instead of frame pointers (larger profiles; keeps the callers lost inside GRDB).
PROFILE_N ?= 10000
profile-wave: deps
	@command -v perf >/dev/null || { echo "make: installing linux-perf (make profile-wave)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends linux-perf; }
	swift build -c release $(SWIFT_BUILD_FLAGS)
	@dir="$${PROFILE_DIR:-$$(mktemp -d)}" && mkdir -p "$$dir" && \
		python3 scripts/bench_wave.py --n "$(PROFILE_N)" --profile "$$dir" --bin "$$(swift build -c release $(SWIFT_BUILD_FLAGS) --show-bin-path)" && \
		python3 scripts/profile_report.py "$$dir"

# kill -9 at random instants (scripts/torture.py): N cycles, then every alert at every contact exactly once
# and integrity_check ok. `make test` runs 20 cycles; this runs as many as asked.
N ?= 200
torture: build
	python3 scripts/torture.py --cycles $(N) --bin "$$(swift build $(SWIFT_BUILD_FLAGS) --show-bin-path)"

# libFuzzer with AddressSanitizer on every decoder of untrusted bytes (scripts/fuzz.py), FUZZ_SECONDS each,
# seeded from the protocol vectors; prints executions and crashes per target. Not part of `make test`.
FUZZ_SECONDS ?= 60
fuzz: deps
	python3 scripts/fuzz.py --seconds $(FUZZ_SECONDS)

# Three nodes on loopback: a plan with a 5 s interval is missed and each contact sees the alert.
demo: build
	bash scripts/demo.sh

# Installs the binaries (release build), the systemd unit and sysusers file, man pages and shell
# completions under $(DESTDIR)$(PREFIX). `install-files BIN=DIR` installs already-built binaries from DIR.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
MANDIR = $(PREFIX)/share/man/man1
SHAREDIR = $(PREFIX)/share

install: deps
	swift build -c release $(SWIFT_BUILD_FLAGS)
	$(MAKE) --no-print-directory install-files BIN="$$(swift build -c release $(SWIFT_BUILD_FLAGS) --show-bin-path)"

install-files:
	@test -x "$(BIN)/meetupd" && test -x "$(BIN)/meetupctl" || { echo "make: no meetupd and meetupctl in BIN=$(BIN)" >&2; exit 1; }
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(UNITDIR)" "$(DESTDIR)$(SYSUSERSDIR)" "$(DESTDIR)$(MANDIR)" \
		"$(DESTDIR)$(SHAREDIR)/bash-completion/completions" "$(DESTDIR)$(SHAREDIR)/zsh/site-functions" \
		"$(DESTDIR)$(SHAREDIR)/fish/vendor_completions.d"
	install -m 755 "$(BIN)/meetupd" "$(BIN)/meetupctl" "$(DESTDIR)$(BINDIR)/"
	sed 's|@BINDIR@|$(BINDIR)|g' contrib/systemd/meetupd.service > "$(DESTDIR)$(UNITDIR)/meetupd.service"
	chmod 644 "$(DESTDIR)$(UNITDIR)/meetupd.service"
	install -m 644 contrib/systemd/meetup.sysusers "$(DESTDIR)$(SYSUSERSDIR)/meetup.conf"
	install -m 644 docs/man/meetupd.1 docs/man/meetupctl.1 "$(DESTDIR)$(MANDIR)/"
	install -D -m 644 contrib/meetupd.yaml "$(DESTDIR)$(SHAREDIR)/doc/meetup/meetupd.yaml"
	for tool in meetupd meetupctl; do \
		"$(BIN)/$$tool" --generate-completion-script bash > "$(DESTDIR)$(SHAREDIR)/bash-completion/completions/$$tool" && \
		"$(BIN)/$$tool" --generate-completion-script zsh > "$(DESTDIR)$(SHAREDIR)/zsh/site-functions/_$$tool" && \
		"$(BIN)/$$tool" --generate-completion-script fish > "$(DESTDIR)$(SHAREDIR)/fish/vendor_completions.d/$$tool.fish" || exit 1; \
	done

# Regenerates the checked-in man pages from the commands (argument-parser's generate-manual plugin).
man:
	swift package plugin generate-manual --configuration debug --date "$$(date -u +%F)"
	cp .build/plugins/GenerateManual/outputs/meetupd/meetupd.1 .build/plugins/GenerateManual/outputs/meetupctl/meetupctl.1 docs/man/

# Regenerates Sources/CheckInCore/LandMaskData.swift (the "in the open sea" warning of `arm`) from GSHHG's
# shorelines with GMT, both from Debian; not needed to build.
land-mask:
	@command -v gmt >/dev/null && [ -f /usr/share/gmt-gshhg/binned_GSHHS_i.nc ] || { echo "make: installing gmt and gmt-gshhg-low"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends gmt gmt-gshhg-low; }
	python3 scripts/land_mask.py

# Installs into a temporary prefix and checks the unit with systemd-analyze verify, then prints its
# exposure score (systemd-analyze security).
check-unit: test-deps build
	@set -e; root="$$(mktemp -d)"; trap 'rm -rf "$$root"' EXIT; \
	$(MAKE) --no-print-directory -s install-files BIN="$$(swift build $(SWIFT_BUILD_FLAGS) --show-bin-path)" PREFIX="$$root/usr"; \
	MANPATH="$$root/usr/share/man" systemd-analyze verify "$$root/usr/lib/systemd/system/meetupd.service"; \
	systemd-analyze security --offline=yes "$$root/usr/lib/systemd/system/meetupd.service" | tail -1

# CI's check of the release configuration: builds it and installs it into a temporary DESTDIR.
check-release: deps
	swift build -c release $(SWIFT_BUILD_FLAGS)
	@set -e; root="$$(mktemp -d)"; trap 'rm -rf "$$root"' EXIT; \
	$(MAKE) --no-print-directory -s install-files BIN="$$(swift build -c release $(SWIFT_BUILD_FLAGS) --show-bin-path)" DESTDIR="$$root"; \
	"$$root$(BINDIR)/meetupd" --version && "$$root$(BINDIR)/meetupctl" --version; \
	echo "make: release build installed into a temporary DESTDIR"

clean:
	rm -rf .build
