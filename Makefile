# overlayd — build, test, demo. `make demo` and `make test` need nothing else on a
# fresh Debian machine with Swift: both run `make deps` first.
export PATH := $(PATH):/opt/swift/usr/bin
SWIFT       ?= swift
CONFIG      ?= debug
BUILD_FLAGS ?=
BIN          = $(shell $(SWIFT) build -c $(CONFIG) --show-bin-path 2>/dev/null)

# Debian packages the build, the tests and the demo need.
DEB_PACKAGES = libssl-dev openssl libsqlite3-dev pkg-config curl iproute2 procps libsystemd-dev

.PHONY: all build deps test demo bench clean release

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

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

demo: build
	OVERLAYD_BIN="$(BIN)" ./scripts/demo.sh

bench: deps
	$(SWIFT) build -c release
	$$($(SWIFT) build -c release --show-bin-path)/overlayd-bench $(BENCH_ARGS)

clean:
	rm -rf .build
