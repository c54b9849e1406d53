// Encode throughput of hfserve's tokenizer (MB/s and tokens/s) for the Llama 3, Mistral
// and BERT tokenizer.json (or those named: bench_tokenizer [NAME...], folders of
// testdata/tokenizers), single-threaded and batched over a ThreadPool of every core, printed
// beside the Hugging Face tokenizers library's encode() and encode_batch() on the same
// documents, measured in the same run (bench/tokenizer/hf_encode_timing.py).
//
// The text is a few MB of mixed documents built from the shared test data (llama.cpp's
// multilingual tokenizer test strings, chat templates as code, the design notes), cut
// into ~4 KB documents and shuffled with a fixed seed.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"
#include "util/thread_pool.h"

namespace {

namespace fs = std::filesystem;
using hfserve::tokenizer::Tokenizer;

constexpr std::size_t kTargetBytes = 4u << 20;
constexpr std::size_t kDocBytes = 4096;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::string> make_documents(const fs::path& testdata) {
  std::vector<std::string> sources;
  for (const char* dir : {"llamacpp-vocab", "chat-templates"}) {
    for (const auto& entry : fs::directory_iterator(testdata / dir)) {
      std::string ext = entry.path().extension().string();
      if (ext == ".inp" || ext == ".jinja") sources.push_back(read_file(entry.path()));
    }
  }
  sources.push_back(read_file(testdata / "SOURCES.md"));
  std::sort(sources.begin(), sources.end());
  // Cut every source into lines, then assemble documents from shuffled lines.
  std::vector<std::string> lines;
  for (const std::string& source : sources) {
    std::istringstream in(source);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.find("__ggml_vocab_test__") == std::string::npos) {
        lines.push_back(line + "\n");
      }
    }
  }
  std::mt19937 rng(42);
  std::vector<std::string> docs;
  std::string doc;
  std::size_t total = 0;
  while (total < kTargetBytes) {
    doc += lines[rng() % lines.size()];
    if (doc.size() >= kDocBytes) {
      total += doc.size();
      docs.push_back(std::move(doc));
      doc.clear();
    }
  }
  return docs;
}

template <typename Fn>
double best_seconds(int runs, Fn fn) {
  double best = 1e30;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    fn();
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    best = std::min(best, elapsed.count());
  }
  return best;
}

void report(const char* who, const char* mode, double bytes, double tokens, double seconds) {
  std::printf("  %-22s %-7s %9.2f MB/s %12.0f tokens/s\n", who, mode, bytes / seconds / 1e6,
              tokens / seconds);
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path testdata = HFSERVE_BENCH_TESTDATA;
  const std::vector<std::string> docs = make_documents(testdata);
  double bytes = 0;
  for (const std::string& d : docs) bytes += static_cast<double>(d.size());
  const fs::path docs_path = fs::temp_directory_path() / "hfserve_bench_tokenizer_docs.json";
  std::ofstream(docs_path) << nlohmann::json{{"docs", docs}}.dump();

  hfserve::ThreadPool pool(0);
  std::printf("tokenizer encode: %zu documents, %.2f MB, %zu threads for batches\n", docs.size(),
              bytes / 1e6, pool.num_threads());
  // Tokenizers named on the command line, else the Llama 3 (byte-level BPE), Mistral
  // (SentencePiece-style BPE) and BERT (WordPiece) ones.
  std::vector<std::string> names(argv + 1, argv + argc);
  if (names.empty()) names = {"llama3", "mistral7b-v0.1", "bert-base-uncased"};
  for (const std::string& name : names) {
    const fs::path path = testdata / "tokenizers" / name / "tokenizer.json";
    Tokenizer tok = Tokenizer::from_file(path.string());
    tok.set_truncation(std::nullopt);
    tok.set_padding(std::nullopt);
    double tokens = 0;
    for (const std::string& d : docs) tokens += static_cast<double>(tok.encode(d).size());
    double single = best_seconds(3, [&] {
      for (const std::string& d : docs) tok.encode(d);
    });
    double batch = best_seconds(3, [&] { tok.encode_batch(docs, {}, &pool); });

    std::string command = std::string(HFSERVE_BENCH_PYTHON) + " " + HFSERVE_BENCH_SCRIPT + " " +
                          path.string() + " " + docs_path.string();
    std::string hf_output;
    if (FILE* pipe = popen(command.c_str(), "r")) {
      char buffer[4096];
      while (fgets(buffer, sizeof(buffer), pipe) != nullptr) hf_output += buffer;
      pclose(pipe);
    }
    std::printf("%s\n", name.c_str());
    report("hfserve", "single", bytes, tokens, single);
    report("hfserve", "batch", bytes, tokens, batch);
    auto hf = nlohmann::json::parse(hf_output, nullptr, false);
    if (hf.is_discarded() || !hf.contains("single_s")) {
      std::printf("  HF tokenizers: not measured (%s failed)\n", command.c_str());
      continue;
    }
    double hf_tokens = hf["tokens"].get<double>();
    report("HF tokenizers 0.22", "single", hf["bytes"].get<double>(), hf_tokens,
           hf["single_s"].get<double>());
    report("HF tokenizers 0.22", "batch", hf["bytes"].get<double>(), hf_tokens,
           hf["batch_s"].get<double>());
    std::printf("  speed-up vs HF: single %.2fx, batch %.2fx%s\n",
                hf["single_s"].get<double>() / single, hf["batch_s"].get<double>() / batch,
                hf_tokens == tokens ? "" : "  (token counts differ!)");
  }
  fs::remove(docs_path);
  return 0;
}
