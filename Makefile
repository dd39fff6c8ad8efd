# overlayd — build, test, demo. `make demo` and `make test` need nothing else on a
# fresh Debian machine with Swift: both run `make deps` first.
export PATH := $(PATH):/opt/swift/usr/bin
SWIFT       ?= swift
CONFIG      ?= debug
BUILD_FLAGS ?=
BIN          = $(shell $(SWIFT) build -c $(CONFIG) --show-bin-path 2>/dev/null)

# Debian packages the build, the tests and the demo need; systemd (for
# systemd-analyze), systemd-container and debootstrap for the units' checks and
# `make systemd-test`; nftables for the mesh tests; prometheus (promtool) and
# chromium for the metrics and status-page tests; iputils-ping and python3 for
# the data-plane tests and the demo (ping, sockets and raw packets between
# overlay IPs); bind9-dnsutils (dig) for the names tests; iperf3 for the
# renewal-under-load test. The clock-skew tests need no package: they build a
# small LD_PRELOAD library with the Swift toolchain's clang (libfaketime, the
# faketime package, cannot run Swift daemons: see Tests/EndToEndTests/Support/ClockShift.swift).
DEB_PACKAGES = libssl-dev openssl libsqlite3-dev pkg-config curl iproute2 procps libsystemd-dev \
               systemd systemd-container debootstrap util-linux jq nftables prometheus chromium \
               iputils-ping python3 bind9-dnsutils iperf3

# `make install`: PREFIX for the programs, units and docs; configs always go
# to /etc/overlayd, which the units name. DESTDIR stages everything elsewhere.
PREFIX      ?= /usr/local
DESTDIR     ?=
BINDIR       = $(PREFIX)/bin
UNITDIR      = $(PREFIX)/lib/systemd/system
SYSUSERSDIR  = $(PREFIX)/lib/sysusers.d
TMPFILESDIR  = $(PREFIX)/lib/tmpfiles.d
DOCDIR       = $(PREFIX)/share/doc/overlayd
CERTSDIR     = $(PREFIX)/share/overlayd/certs
CONFDIR      = /etc/overlayd
PROGRAMS     = overlayd-controller overlayd-node overlayctl
UNITS        = overlayd-controller.service overlayd-controller.socket overlayd-node@.service overlayd-node@.socket
DOCS         = README.md docs/operations.md docs/security.md docs/protocol.md docs/metrics.md

.PHONY: all build deps test demo bench clean release install install-units uninstall check-units systemd-test

all: build

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages:$$missing"; \
	    echo "run: sudo apt-get update && sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

build: deps
	$(SWIFT) build -c $(CONFIG) $(BUILD_FLAGS)

release:
	$(MAKE) build CONFIG=release BUILD_FLAGS=--static-swift-stdlib

test: deps check-units
	$(SWIFT) build --build-tests
	@[ "$$(id -u)" = 0 ] || echo "make test: not root, so the data-plane tests (network namespaces, TUN interfaces) and the other namespace tests are SKIPPED; run make test as root (as CI does) to run them"
	$(SWIFT) test --skip-build
	$(MAKE) test-sanitize SANITIZERS=address
	$(MAKE) systemd-test

# The suites that run in-process (OpenSSL through OverlayTLS, the data plane, the
# resolver, the core) under AddressSanitizer with LeakSanitizer, and under
# ThreadSanitizer; each sanitizer builds into its own .build-NAME. `make test` runs
# the address pass. Suppressions (third-party code only, each with its reason) are
# in Tests/Sanitizers/.
SANITIZERS      ?= address thread
SANITIZE_SUITES ?= OverlayTLSTests|OverlayDataPlaneTests|OverlayCoreTests|OverlayDNSTests
SANITIZER_ENV    = ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
                   LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/Sanitizers/lsan.supp:print_suppressions=0 \
                   TSAN_OPTIONS=suppressions=$(CURDIR)/Tests/Sanitizers/tsan.supp:halt_on_error=1

.PHONY: test-sanitize
test-sanitize: deps
	@for s in $(SANITIZERS); do \
	  echo "test-sanitize: building with -sanitize=$$s into .build-$$s"; \
	  $(SWIFT) build --build-tests --sanitize=$$s --scratch-path .build-$$s || exit 1; \
	  echo "test-sanitize: $(SANITIZE_SUITES) under $$s"; \
	  $(SANITIZER_ENV) $(SWIFT) test --skip-build --sanitize=$$s --scratch-path .build-$$s --filter '$(SANITIZE_SUITES)' \
	    || { echo "test-sanitize: the $$s sanitizer or a test failed (above)" >&2; exit 1; }; \
	done

# systemd-analyze verify and security --offline on every unit (see the script).
check-units: deps
	./scripts/check-units.sh

# Boots a Debian bookworm root under systemd-nspawn, installs into it with
# `make install DESTDIR=` and runs the daemons as an operator would.
systemd-test: deps
	./scripts/systemd-test.sh

# Release binaries with the Swift runtime linked in (they need no /opt/swift),
# the units, the sysusers and tmpfiles files, example configs (never over existing ones),
# the pre-shared certificate scripts and the docs.
install: release install-units
	@bin="$$($(SWIFT) build -c release --show-bin-path)"; \
	install -d -m 0755 "$(DESTDIR)$(BINDIR)"; \
	for p in $(PROGRAMS); do install -m 0755 "$$bin/$$p" "$(DESTDIR)$(BINDIR)/$$p"; done
	install -d -m 0755 "$(DESTDIR)$(SYSUSERSDIR)" "$(DESTDIR)$(TMPFILESDIR)" "$(DESTDIR)$(DOCDIR)" "$(DESTDIR)$(CERTSDIR)/lib"
	install -m 0644 systemd/overlayd.sysusers "$(DESTDIR)$(SYSUSERSDIR)/overlayd.conf"
	install -m 0644 systemd/overlayd.tmpfiles "$(DESTDIR)$(TMPFILESDIR)/overlayd.conf"
	install -m 0644 $(DOCS) "$(DESTDIR)$(DOCDIR)/"
	install -m 0755 certs/make-ca.sh certs/make-node.sh "$(DESTDIR)$(CERTSDIR)/"
	install -m 0644 certs/openssl.cnf certs/README.md "$(DESTDIR)$(CERTSDIR)/"
	install -m 0644 certs/lib/common.sh "$(DESTDIR)$(CERTSDIR)/lib/"
	install -d -m 0755 "$(DESTDIR)$(CONFDIR)" "$(DESTDIR)$(CONFDIR)/node"
	install -d -m 0700 "$(DESTDIR)/etc/credstore.encrypted"
	@for pair in etc/controller.conf:controller.conf etc/node/alice.conf:node/example.conf; do \
	  src=$${pair%%:*}; dst="$(DESTDIR)$(CONFDIR)/$${pair#*:}"; \
	  if [ -e "$$dst" ]; then echo "kept $$dst (exists; the new example is $(DOCDIR)/examples/$${pair#*:})"; \
	  else install -m 0644 "$$src" "$$dst"; echo "installed $$dst"; fi; \
	  install -D -m 0644 "$$src" "$(DESTDIR)$(DOCDIR)/examples/$${pair#*:}"; \
	done
	@echo; echo "overlayd is installed under $(DESTDIR)$(PREFIX). Next, as root:"
	@echo "  systemd-sysusers $(SYSUSERSDIR)/overlayd.conf   # the overlayd user and group"
	@echo "  systemd-tmpfiles --create $(TMPFILESDIR)/overlayd.conf   # /run/overlayd"
	@echo "  systemctl daemon-reload"
	@echo "  then the passphrase credential and the first start: $(DOCDIR)/operations.md"
	@case "$(UNITDIR)" in /usr/lib/systemd/system|/usr/local/lib/systemd/system) ;; \
	  *) echo "note: systemd does not search $(UNITDIR); link the units into /etc/systemd/system (systemctl link)";; esac

# The units alone, with ExecStart= and the docs' path for this PREFIX.
# polkit reads its rules from /usr/share/polkit-1/rules.d and /etc/polkit-1/rules.d only, whatever PREFIX is.
POLKITDIR    = /usr/share/polkit-1/rules.d

install-units:
	install -d -m 0755 "$(DESTDIR)$(UNITDIR)" "$(DESTDIR)$(POLKITDIR)"
	install -m 0644 etc/polkit/50-overlayd-node.rules "$(DESTDIR)$(POLKITDIR)/50-overlayd-node.rules"
	@for u in $(UNITS); do \
	  sed -e 's|@bindir@|$(BINDIR)|g' -e 's|@docdir@|$(DOCDIR)|g' "systemd/$$u" > "$(DESTDIR)$(UNITDIR)/$$u.tmp" && \
	  chmod 0644 "$(DESTDIR)$(UNITDIR)/$$u.tmp" && mv "$(DESTDIR)$(UNITDIR)/$$u.tmp" "$(DESTDIR)$(UNITDIR)/$$u" || exit 1; \
	done

# Removes what install put there; never configs, credentials or state.
uninstall:
	rm -f $(addprefix "$(DESTDIR)$(BINDIR)/,$(addsuffix ",$(PROGRAMS)))
	rm -f $(addprefix "$(DESTDIR)$(UNITDIR)/,$(addsuffix ",$(UNITS)))
	rm -f "$(DESTDIR)$(SYSUSERSDIR)/overlayd.conf" "$(DESTDIR)$(TMPFILESDIR)/overlayd.conf"
	rm -f "$(DESTDIR)$(POLKITDIR)/50-overlayd-node.rules"
	rm -rf "$(DESTDIR)$(DOCDIR)" "$(DESTDIR)$(CERTSDIR)"
	rmdir "$(DESTDIR)$(PREFIX)/share/overlayd" 2>/dev/null || true
	@echo "removed overlayd from $(DESTDIR)$(PREFIX); kept $(CONFDIR), /etc/credstore.encrypted, /var/lib/overlayd and the overlayd user."
	@echo "  systemctl daemon-reload"

demo: build
	OVERLAYD_BIN="$(BIN)" ./scripts/demo.sh

# BENCH_ARGS="dataplane [--runs N] [--time S] [--only ...]" runs Benchmarks/dataplane.sh (as root:
# network namespaces and TUN devices) with the release binaries; BENCH_ARGS="dns [--runs N] [--time S]"
# runs Benchmarks/dns.sh (any user: all on loopback); anything else goes to overlayd-bench.
bench: deps
	@set -- $(BENCH_ARGS); \
	if [ "$${1:-}" = dataplane ]; then \
	  shift; \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "make bench BENCH_ARGS=dataplane needs root (network namespaces, a veth pair, TUN devices, apt-get): run it as root" >&2; exit 1; \
	  fi; \
	  $(SWIFT) build -c release && \
	  OVERLAYD_BIN="$$($(SWIFT) build -c release --show-bin-path)" ./Benchmarks/dataplane.sh "$$@"; \
	elif [ "$${1:-}" = dns ]; then \
	  shift; \
	  $(SWIFT) build -c release && \
	  OVERLAYD_BIN="$$($(SWIFT) build -c release --show-bin-path)" ./Benchmarks/dns.sh "$$@"; \
	else \
	  $(SWIFT) build -c release && \
	  "$$($(SWIFT) build -c release --show-bin-path)/overlayd-bench" "$$@"; \
	fi

clean:
	rm -rf .build

# libFuzzer on every decoder of bytes from the network or the disk: a separate package
# under Tests/Fuzz, built with the fuzzer and address sanitizers into .build-fuzz (so the
# normal build never sees them). Each target runs FUZZ_SECONDS on a working copy of its
# committed seeds under .build-fuzz/work (the seeds stay as they are); a crash or a broken
# property fails the run and leaves the input in .build-fuzz/crashes/. Both
# -sanitize=fuzzer spellings are needed: SwiftPM's for the entry point, swiftc's for the
# coverage feedback. FUZZ_TARGETS picks some, by name (FUZZ_TARGETS="FuzzPEM FuzzConfig").
# Leaks in third-party code are suppressed by Tests/Fuzz/lsan.supp; Swift's own backtracer
# is off, as it trips over AddressSanitizer's shadow memory after a crash.
FUZZ_SECONDS ?= 60
FUZZ_ALL      = FuzzDNS:dns FuzzPeerFrame:peer-frame FuzzDataPacket:data-packet FuzzAPI:api \
                FuzzJoinToken:token FuzzPEM:pem FuzzConfig:config FuzzHostsFile:hosts-file
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_BUILD    = $(SWIFT) build --package-path Tests/Fuzz --scratch-path .build-fuzz

.PHONY: fuzz

fuzz: deps
	$(FUZZ_BUILD) --sanitize fuzzer --sanitize address -Xswiftc -parse-as-library -Xswiftc -sanitize=fuzzer
	@bin="$$($(FUZZ_BUILD) --show-bin-path)"; \
	for name in $(FUZZ_TARGETS); do \
	  pair=""; for p in $(FUZZ_ALL); do case $$p in "$${name%%:*}":*) pair=$$p ;; esac; done; \
	  [ -n "$$pair" ] || { echo "fuzz: no target $$name; the targets are: $(FUZZ_ALL)" >&2; exit 1; }; \
	  target=$${pair%%:*}; corpus=$${pair#*:}; \
	  work=.build-fuzz/work/$$corpus; crashes=.build-fuzz/crashes/$$corpus/; \
	  mkdir -p "$$work" "$$crashes"; cp Tests/Fuzz/corpus/$$corpus/* "$$work"/; \
	  echo "fuzz: $$target for $(FUZZ_SECONDS)s on $$work"; \
	  SWIFT_BACKTRACE=enable=no LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/Fuzz/lsan.supp \
	    "$$bin/$$target" -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix="$$crashes" "$$work" \
	    || { echo "fuzz: $$target failed; the input is in $$crashes: fix the cause and turn the input into a unit test" >&2; exit 1; }; \
	done
