// The /metrics exposition checked by Prometheus's own parser and linter (promtool, from
// Debian's prometheus package), and every recorded value read back from the text.
#include "telemetry/metrics.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <string>

namespace hfserve::telemetry {
namespace {

// promtool's verdict on the text: its exit status and whatever it printed.
std::pair<int, std::string> promtool_check(const std::string& exposition) {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("hfserve_metrics_" + std::to_string(::getpid()) + ".txt"))
                         .string();
  std::ofstream(path) << exposition;
  std::string command = "promtool check metrics < " + path + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  std::array<char, 4096> buffer;
  std::size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  int status = pclose(pipe);
  std::filesystem::remove(path);
  return {WEXITSTATUS(status), out};
}

// The value of the one sample whose line starts with `series` (name and labels).
double sample(const std::string& exposition, const std::string& series) {
  std::istringstream lines(exposition);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  ADD_FAILURE() << "no sample " << series << " in:\n" << exposition;
  return -1;
}

TEST(MetricsTest, ExpositionPassesPromtoolAndCarriesTheRecordedValues) {
  Metrics metrics;
  metrics.record_request({.model = "demo",
                          .endpoint = "chat",
                          .duration_seconds = 0.25,
                          .queue_seconds = 0.01,
                          .time_to_first_token_seconds = 0.05,
                          .prompt_tokens = 12,
                          .completion_tokens = 30});
  metrics.record_request({.model = "demo",
                          .endpoint = "chat",
                          .failed = true,
                          .duration_seconds = 0.002,
                          .prompt_tokens = 5});
  metrics.record_request(
      {.model = "bge", .endpoint = "embeddings", .duration_seconds = 0.03, .prompt_tokens = 7});
  metrics.record_inter_token_latency("demo", 0.02);
  metrics.record_inter_token_latency("demo", 0.03);
  metrics.record_http_response(200);
  metrics.record_http_response(200);
  metrics.record_http_response(429);
  metrics.record_tokenization_error("demo");
  metrics.set_engine_state("demo", 3, 2, 0.375);
  metrics.add_prefix_cache("demo", 100, 64);
  metrics.add_preemptions("demo", 1);
  metrics.record_model_load("demo", 1.5, 98362432);
  // A label value that needs escaping must still parse.
  metrics.record_request({.model = "org/we\"ird\\name", .endpoint = "chat"});

  std::string text = metrics.serialize();
  auto [status, complaints] = promtool_check(text);
  // promtool's linter (exit status 3) dislikes "_ms" in a name, but that name is Spice's,
  // which operators alert on; any other complaint, and any parse error (1), fails.
  const std::string kSpiceName =
      "llm_internal_request_duration_ms metric names should not contain abbreviated units\n";
  if (status == 3 && complaints == kSpiceName) status = 0, complaints.clear();
  EXPECT_EQ(status, 0) << complaints << "\n" << text;
  EXPECT_EQ(complaints, "");

  EXPECT_EQ(sample(text, "llm_requests_total{endpoint=\"chat\",model=\"demo\"}"), 2);
  EXPECT_EQ(sample(text, "llm_failures_total{endpoint=\"chat\",model=\"demo\"}"), 1);
  EXPECT_EQ(sample(text, "llm_prompt_tokens_total{endpoint=\"chat\",model=\"demo\"}"), 17);
  EXPECT_EQ(sample(text, "llm_completion_tokens_total{endpoint=\"chat\",model=\"demo\"}"), 30);
  EXPECT_EQ(sample(text, "llm_prompt_tokens_total{endpoint=\"embeddings\",model=\"bge\"}"), 7);
  EXPECT_EQ(
      sample(text, "llm_internal_request_duration_ms_count{endpoint=\"chat\",model=\"demo\"}"), 2);
  EXPECT_NEAR(
      sample(text, "llm_internal_request_duration_ms_sum{endpoint=\"chat\",model=\"demo\"}"), 252,
      1e-9);
  EXPECT_EQ(sample(text, "hfserve_time_to_first_token_seconds_count{model=\"demo\"}"), 1);
  EXPECT_EQ(sample(text, "hfserve_inter_token_latency_seconds_count{model=\"demo\"}"), 2);
  EXPECT_EQ(sample(text, "hfserve_inter_token_latency_seconds_bucket{model=\"demo\",le=\"0.02\"}"),
            1);
  EXPECT_EQ(sample(text, "hfserve_http_responses_total{status=\"200\"}"), 2);
  EXPECT_EQ(sample(text, "hfserve_http_responses_total{status=\"429\"}"), 1);
  EXPECT_EQ(sample(text, "hfserve_num_requests_running{model=\"demo\"}"), 3);
  EXPECT_EQ(sample(text, "hfserve_num_requests_waiting{model=\"demo\"}"), 2);
  EXPECT_EQ(sample(text, "hfserve_kv_cache_usage_perc{model=\"demo\"}"), 0.375);
  EXPECT_EQ(sample(text, "hfserve_prefix_cache_hits_total{model=\"demo\"}"), 64);
  EXPECT_EQ(sample(text, "hfserve_num_preemptions_total{model=\"demo\"}"), 1);
  EXPECT_EQ(sample(text, "hfserve_model_weight_bytes{model=\"demo\"}"), 98362432);
  EXPECT_EQ(sample(text, "hfserve_tokenization_errors_total{model=\"demo\"}"), 1);
}

// The check itself must be able to fail: promtool refuses a counter without _total.
TEST(MetricsTest, PromtoolRejectsABadExposition) {
  auto [status, complaints] =
      promtool_check("# HELP llm_requests x\n# TYPE llm_requests counter\nllm_requests 1\n");
  EXPECT_NE(status, 0);
  EXPECT_NE(complaints.find("_total"), std::string::npos) << complaints;
}

}  // namespace
}  // namespace hfserve::telemetry
