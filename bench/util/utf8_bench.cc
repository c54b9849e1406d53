// UTF-8 decoding throughput (every byte of every prompt and every streamed token passes
// through it), next to glibc's mbrtowc in the C.UTF-8 locale measured in the same run.
#include <benchmark/benchmark.h>

#include <clocale>
#include <cwchar>
#include <string>

#include "util/utf8.h"

namespace {

const std::string& sample_text() {
  static const std::string text = [] {
    std::string piece = "Hello world! ¿Qué tal? 你好 🤗 Привет, мир. ";
    std::string out;
    while (out.size() < (1 << 20)) out += piece;
    return out;
  }();
  return text;
}

void BM_Utf8Decode(benchmark::State& state) {
  const std::string& text = sample_text();
  for (auto _ : state) {
    char32_t sum = 0;
    for (std::size_t pos = 0; pos < text.size();) sum += hfserve::utf8::decode(text, pos);
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_Utf8Decode);

void BM_GlibcMbrtowc_Reference(benchmark::State& state) {
  std::setlocale(LC_CTYPE, "C.UTF-8");
  const std::string& text = sample_text();
  for (auto _ : state) {
    wchar_t sum = 0;
    std::mbstate_t mb{};
    for (std::size_t pos = 0; pos < text.size();) {
      wchar_t wc = 0;
      std::size_t n = std::mbrtowc(&wc, text.data() + pos, text.size() - pos, &mb);
      pos += n == 0 || n > 4 ? 1 : n;
      sum += wc;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_GlibcMbrtowc_Reference);

}  // namespace

BENCHMARK_MAIN();
