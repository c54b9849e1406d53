// `hfserve bench MODEL [-p 512] [-n 128] [-t THREADS] [-b BATCH] [-r REPS] [--json]`: prompt
// processing (pp) and generation (tg) speed as llama.cpp's llama-bench measures and prints
// it (pipelines/speed_bench.h): a Markdown table with llama-bench's columns, or with --json
// an array with llama-bench's field names, so the two tools' figures on one GGUF file can be
// compared side by side.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "app/model_runtime.h"
#include "app/subcommand.h"
#include "pipelines/speed_bench.h"
#include "tensor/kernel_table.h"
#include "util/error.h"

namespace hfserve::app {
namespace {

struct BenchArgs {
  ModelArgs model;
  pipelines::SpeedBenchOptions speed;
  bool json = false;
};

struct WeightTotals {
  std::uint64_t bytes = 0;
  std::uint64_t params = 0;
};

WeightTotals weight_totals(const formats::WeightSource& weights) {
  WeightTotals totals;
  for (const std::string& name : weights.names()) {
    const tensor::TensorView view = *weights.find(name);
    totals.bytes += view.num_bytes();
    totals.params += view.num_elements();
  }
  return totals;
}

std::string test_name(const pipelines::SpeedTest& test) {
  return test.n_prompt > 0 ? "pp" + std::to_string(test.n_prompt)
                           : "tg" + std::to_string(test.n_gen);
}

int run_bench(const BenchArgs& args) {
  std::unique_ptr<pipelines::ModelRuntime> runtime = load_runtime(args.model);
  if (!runtime->model.model) {
    throw Error(ErrorCode::kInvalidArgument, "hfserve bench measures text generation models; " +
                                                 runtime->reference +
                                                 " is not one (bench/embed measures encoders)");
  }
  const models::CausalLM& model = *runtime->model.model;
  ThreadPool pool(args.model.threads);
  const pipelines::SpeedBenchOptions& options = args.speed;
  const std::vector<pipelines::SpeedTest> tests = pipelines::speed_bench(model, options, pool);

  const WeightTotals totals = weight_totals(runtime->weights());
  const std::string filename = std::filesystem::path(runtime->source()).filename().string();
  const std::string backend = std::string("CPU ") + tensor::kernel_table().isa;
  if (args.json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const pipelines::SpeedTest& test : tests) {
      nlohmann::ordered_json samples_ns = nlohmann::ordered_json::array();
      for (double s : test.seconds) samples_ns.push_back(static_cast<std::int64_t>(s * 1e9));
      const pipelines::SampleStats seconds = pipelines::sample_stats(test.seconds);
      const pipelines::SampleStats rate = pipelines::sample_stats(test.tokens_per_second());
      out.push_back({{"model_filename", filename},
                     {"model_type", model.config().model_type},
                     {"model_size", totals.bytes},
                     {"model_n_params", totals.params},
                     {"backends", backend},
                     {"n_batch", options.n_batch},
                     {"n_threads", pool.num_threads()},
                     {"n_prompt", test.n_prompt},
                     {"n_gen", test.n_gen},
                     {"avg_ns", static_cast<std::int64_t>(seconds.mean * 1e9)},
                     {"stddev_ns", static_cast<std::int64_t>(seconds.stddev * 1e9)},
                     {"avg_ts", rate.mean},
                     {"stddev_ts", rate.stddev},
                     {"samples_ns", samples_ns},
                     {"samples_ts", test.tokens_per_second()}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("| model | size | params | backend | threads | test | t/s |\n");
  std::printf("| --- | ---: | ---: | --- | ---: | ---: | ---: |\n");
  for (const pipelines::SpeedTest& test : tests) {
    const pipelines::SampleStats rate = pipelines::sample_stats(test.tokens_per_second());
    std::printf("| %s | %.2f MiB | %.2f M | %s | %zu | %s | %.2f ± %.2f |\n", filename.c_str(),
                static_cast<double>(totals.bytes) / (1 << 20),
                static_cast<double>(totals.params) / 1e6, backend.c_str(), pool.num_threads(),
                test_name(test).c_str(), rate.mean, rate.stddev);
  }
  return 0;
}

}  // namespace

Subcommand add_bench_command(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd =
      app.add_subcommand("bench", "Prompt and generation speed, as llama.cpp's llama-bench");
  add_model_options(cmd, args->model, "");
  cmd->add_option("-p,--n-prompt", args->speed.n_prompt, "Prompt tokens (0: no pp test)")
      ->capture_default_str();
  cmd->add_option("-n,--n-gen", args->speed.n_gen, "Generated tokens (0: no tg test)")
      ->capture_default_str();
  cmd->add_option("-b,--batch-size", args->speed.n_batch, "Prompt tokens per forward pass")
      ->capture_default_str();
  cmd->add_option("-r,--repetitions", args->speed.reps, "Timed runs of each test")
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "Print a JSON array with llama-bench's field names");
  return {cmd, [args] { return run_bench(*args); },
          [args](const AppliedConfig& config) { note_config(config, args->model); }};
}

}  // namespace hfserve::app
