# The two commands: `make run` and `make test` (README.md). Everything else
# here serves them. The real build is CMake (CMakeLists.txt) with ctest.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
DB ?= sqlite:var/yizhan.db

.PHONY: format all setup setup-test build build-asan web-vendor run test test-unit test-api bench docs clean

all: build

setup:
	@scripts/setup.sh run

setup-test:
	@scripts/setup.sh test

build/Makefile: CMakeLists.txt
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build-asan/Makefile: CMakeLists.txt
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DYZ_SANITIZE=ON >/dev/null

# The compiler's messages are shown; progress lines are not. A failed compile
# fails the target (pipefail), whatever binary an earlier build left behind.
build: setup build/Makefile web-vendor
	@set -o pipefail; $(MAKE) --no-print-directory -s -C build -j$(JOBS) 2>&1 | { grep -v -E '^(\[|make\[)' || true; }

build-asan: build-asan/Makefile
	@set -o pipefail; $(MAKE) --no-print-directory -s -C build-asan -j$(JOBS) 2>&1 | { grep -v -E '^(\[|make\[)' || true; }

# Third-party browser code comes from npm, copied next to our pages at build
# time: Leaflet, jsQR (reading QR codes from the camera), and the drawn icons of src/domain/icons.inc (lucide-static)
# as one sprite.
web-vendor:
	@mkdir -p web/vendor
	@rm -rf web/vendor/leaflet && cp -r node_modules/leaflet/dist web/vendor/leaflet
	@rm -rf web/vendor/jsqr && mkdir -p web/vendor/jsqr && cp node_modules/jsqr/dist/jsQR.js web/vendor/jsqr/
	@node scripts/icons.mjs

run: build
	@mkdir -p var
	@build/yizhan migrate --db $(DB) >/dev/null
	@if [ ! -e var/.demo-seeded ]; then build/yizhan seed-demo --db $(DB) && touch var/.demo-seeded; fi
	@echo "yizhan: open http://localhost:8080"
	@exec build/yizhan serve --db $(DB) --listen 127.0.0.1:8080

test: setup-test build build-asan
	@cd build && ctest --output-on-failure -j2 -L unit
	@cd build-asan && ctest --output-on-failure -j2 -L unit
	@cd build && ctest --output-on-failure -L 'build|api|e2e'

# make bench: the speed figures (scripts/bench.sh) from build/yizhan and the
# benchmark program build/yizhan-bench; PART=photo runs the photo figures alone.
bench: build
	@scripts/bench.sh $(PART)

docs: build
	@build/yizhan config-doc > docs/config.md.table

clean:
	rm -rf build build-asan web/vendor

# Lays the C sources out as .clang-format says (ctest lint/format checks it).
format:
	@find src tests/unit -name '*.[ch]' | xargs clang-format -i
