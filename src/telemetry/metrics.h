// Metrics: the process's Prometheus metrics, served as text on GET /metrics. The names are
// the ones operators already alert on: Spice's llm_* family and vLLM's engine gauges and
// latency histograms (docs/metrics.md lists them all). Counters carry the `_total` suffix
// that Prometheus expects (Spice's OpenTelemetry exporter adds it too).
//
// Thread-safe: any thread may record; recording is a few atomic operations after the first
// use of a label set.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <optional>
#include <string>

namespace hfserve::telemetry {

// What one finished API request contributes, labelled by model and endpoint
// ("chat", "completions", "embeddings", "rerank", "predict", ...).
struct RequestRecord {
  std::string model;
  std::string endpoint;
  bool failed = false;
  double duration_seconds = 0;          // end to end, as the client saw it
  std::optional<double> queue_seconds;  // waiting before the first forward pass (generation)
  std::optional<double> time_to_first_token_seconds;  // generation only
  std::size_t prompt_tokens = 0;
  std::size_t completion_tokens = 0;
};

class Metrics {
 public:
  Metrics();

  void record_request(const RequestRecord& record);
  // The time between two streamed tokens of one request.
  void record_inter_token_latency(const std::string& model, double seconds);
  // Every HTTP response, by status code (health probes and /metrics too).
  void record_http_response(int status);
  void record_tokenization_error(const std::string& model);

  // The engine's state after a scheduling step.
  void set_engine_state(const std::string& model, std::size_t running, std::size_t waiting,
                        double kv_cache_usage);
  void add_prefix_cache(const std::string& model, std::uint64_t queried_tokens,
                        std::uint64_t hit_tokens);
  void add_preemptions(const std::string& model, std::uint64_t count);
  void record_model_load(const std::string& model, double seconds, double weight_bytes);

  // The Prometheus text exposition format (version 0.0.4).
  std::string serialize() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Counter>& failures_;
  prometheus::Family<prometheus::Histogram>& request_duration_ms_;
  prometheus::Family<prometheus::Counter>& prompt_tokens_;
  prometheus::Family<prometheus::Counter>& completion_tokens_;
  prometheus::Family<prometheus::Histogram>& time_to_first_token_;
  prometheus::Family<prometheus::Histogram>& inter_token_latency_;
  prometheus::Family<prometheus::Histogram>& e2e_latency_;
  prometheus::Family<prometheus::Histogram>& queue_time_;
  prometheus::Family<prometheus::Gauge>& running_;
  prometheus::Family<prometheus::Gauge>& waiting_;
  prometheus::Family<prometheus::Gauge>& kv_cache_usage_;
  prometheus::Family<prometheus::Counter>& prefix_cache_queries_;
  prometheus::Family<prometheus::Counter>& prefix_cache_hits_;
  prometheus::Family<prometheus::Counter>& preemptions_;
  prometheus::Family<prometheus::Gauge>& model_load_seconds_;
  prometheus::Family<prometheus::Gauge>& model_weight_bytes_;
  prometheus::Family<prometheus::Counter>& tokenization_errors_;
  prometheus::Family<prometheus::Counter>& http_responses_;
};

}  // namespace hfserve::telemetry
