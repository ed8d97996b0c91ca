# tungw: thin wrapper over meson/ninja. Every target installs what is missing first.
PY      := /usr/bin/python3
TUNGW   := build/app/tungw/tungw
EAL     := -l 0-1 --no-huge -m 1024 --no-shconf --no-pci --log-level=*:warning

.PHONY: all deps build build-asan build-fuzz run test bench clean

all: build

deps:
	@bash scripts/deps.sh

build: deps
	@[ -f build/build.ninja ] || meson setup build >/dev/null
	@ninja -C build >/dev/null

build-asan: deps
	@[ -f build-asan/build.ninja ] || meson setup build-asan -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debugoptimized >/dev/null
	@ninja -C build-asan >/dev/null

build-fuzz: deps
	@[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz -Dfuzz=true \
		-Db_lundef=false >/dev/null
	@ninja -C build-fuzz >/dev/null

run: build
	@mkdir -p build/demo
	$(TUNGW) $(EAL) --file-prefix tgw_demo -- -c config/demo.json --idle-exit 500 \
		--stats-json build/demo/stats.json

test: build build-asan build-fuzz
	@$(PY) tests/run.py --asan-build build-asan

bench: build
	@$(PY) bench/run.py

clean:
	rm -rf build build-asan build-fuzz
