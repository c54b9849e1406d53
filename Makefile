# The front door. `make` builds; `make test` runs every test suite (Release, the
# ASan+UBSan build, then libFuzzer on the file parsers); `make serve` starts the server on the
# demo model. Run scripts/setup once first (the README's two commands do).
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
CONFIGURE = cmake -S . -G Ninja -Wno-dev $(CMAKE_FLAGS)

.PHONY: all build debug sanitize fuzz test test-release test-sanitize serve bench format check-format clean

all: build

build:
	@$(CONFIGURE) -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build -j $(JOBS)

debug:
	@$(CONFIGURE) -B build-debug -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build build-debug -j $(JOBS)

sanitize:
	@$(CONFIGURE) -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHFSERVE_SANITIZE=ON \
	  -DHFSERVE_BUILD_BENCH=OFF >/dev/null
	@cmake --build build-sanitize -j $(JOBS)

test: check-format test-release test-sanitize fuzz

test-release: build
	ctest --test-dir build --output-on-failure -j $(JOBS)

test-sanitize: sanitize
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir build-sanitize --output-on-failure -j $(JOBS) -LE no_sanitize

# The parsers of untrusted files and text under libFuzzer (clang, ASan+UBSan), each for
# HFSERVE_FUZZ_SECONDS (60), two at a time; tests/fuzz/fuzz.cmake says where a crash's input
# is left. FUZZ_TARGETS picks others (every target: see tests/*/CMakeLists.txt); in the
# normal builds ctest replays every target's corpus with mutations.
FUZZ_TARGETS ?= safetensors_header gguf config_json tokenizer_json tokenizer_config hub_model_ref \
  app_config sentence_transformers embeddings_request kserve_request
empty :=
space := $(empty) $(empty)
fuzz:
	@$(CONFIGURE) -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
	  -DCMAKE_CXX_COMPILER=clang++ -DHFSERVE_FUZZ=ON -DHFSERVE_SANITIZE=ON \
	  -DHFSERVE_BUILD_BENCH=OFF >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir build-fuzz --output-on-failure -j $(JOBS) -L libfuzzer \
	  -R '^fuzz\.($(subst $(space),|,$(strip $(FUZZ_TARGETS))))$$'

serve: build
	build/app/hfserve serve --host 127.0.0.1 --port 8080

bench: build
	cmake --build build --target run_benchmarks
	cmake --build build --target run_decode_benchmark
	cmake --build build --target run_serve_benchmark
	cmake --build build --target run_embed_benchmark

FORMATTED = $(shell git ls-files '*.h' '*.cc' '*.cu' 2>/dev/null)

format:
	clang-format -i $(FORMATTED)

check-format:
	@clang-format --dry-run --Werror $(FORMATTED)

clean:
	rm -rf build build-debug build-sanitize build-fuzz
