#include "telemetry/metrics.h"

#include <prometheus/text_serializer.h>

#include <string>

namespace hfserve::telemetry {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Histogram;

// Buckets chosen to cover a CPU server's range: from a cached one-token reply to a long
// generation.
const Histogram::BucketBoundaries& latency_seconds_buckets() {
  static const Histogram::BucketBoundaries buckets = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08,
                                                      0.1,   0.25,  0.5,  0.75, 1.0,  2.5,  5.0,
                                                      7.5,   10.0,  20.0, 40.0, 80.0, 160.0};
  return buckets;
}

const Histogram::BucketBoundaries& latency_ms_buckets() {
  static const Histogram::BucketBoundaries buckets = [] {
    Histogram::BucketBoundaries ms;
    for (double s : latency_seconds_buckets()) ms.push_back(s * 1000);
    return ms;
  }();
  return buckets;
}

prometheus::Labels by_model(const std::string& model) { return {{"model", model}}; }

}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(BuildCounter()
                    .Name("llm_requests_total")
                    .Help("API requests handled, by model and endpoint")
                    .Register(*registry_)),
      failures_(BuildCounter()
                    .Name("llm_failures_total")
                    .Help("API requests that failed, by model and endpoint")
                    .Register(*registry_)),
      request_duration_ms_(BuildHistogram()
                               .Name("llm_internal_request_duration_ms")
                               .Help("Time to handle an API request, in milliseconds")
                               .Register(*registry_)),
      prompt_tokens_(BuildCounter()
                         .Name("llm_prompt_tokens_total")
                         .Help("Prompt tokens processed")
                         .Register(*registry_)),
      completion_tokens_(BuildCounter()
                             .Name("llm_completion_tokens_total")
                             .Help("Tokens generated")
                             .Register(*registry_)),
      time_to_first_token_(BuildHistogram()
                               .Name("hfserve_time_to_first_token_seconds")
                               .Help("Time from arrival to the first generated token")
                               .Register(*registry_)),
      inter_token_latency_(BuildHistogram()
                               .Name("hfserve_inter_token_latency_seconds")
                               .Help("Time between two generated tokens of one request")
                               .Register(*registry_)),
      e2e_latency_(BuildHistogram()
                       .Name("hfserve_e2e_request_latency_seconds")
                       .Help("Time from arrival to the last byte of the response")
                       .Register(*registry_)),
      queue_time_(BuildHistogram()
                      .Name("hfserve_request_queue_time_seconds")
                      .Help("Time a request waited before its first forward pass")
                      .Register(*registry_)),
      running_(BuildGauge()
                   .Name("hfserve_num_requests_running")
                   .Help("Requests in the running batch")
                   .Register(*registry_)),
      waiting_(BuildGauge()
                   .Name("hfserve_num_requests_waiting")
                   .Help("Requests queued for admission")
                   .Register(*registry_)),
      kv_cache_usage_(BuildGauge()
                          .Name("hfserve_kv_cache_usage_perc")
                          .Help("Fraction of KV cache blocks in use (0 to 1)")
                          .Register(*registry_)),
      prefix_cache_queries_(BuildCounter()
                                .Name("hfserve_prefix_cache_queries_total")
                                .Help("Prompt tokens looked up in the prefix cache")
                                .Register(*registry_)),
      prefix_cache_hits_(BuildCounter()
                             .Name("hfserve_prefix_cache_hits_total")
                             .Help("Prompt tokens found in the prefix cache")
                             .Register(*registry_)),
      preemptions_(BuildCounter()
                       .Name("hfserve_num_preemptions_total")
                       .Help("Sequences preempted because KV cache memory ran out")
                       .Register(*registry_)),
      model_load_seconds_(BuildGauge()
                              .Name("hfserve_model_load_seconds")
                              .Help("How long the model's last load took")
                              .Register(*registry_)),
      model_weight_bytes_(BuildGauge()
                              .Name("hfserve_model_weight_bytes")
                              .Help("Bytes of weights the loaded model holds")
                              .Register(*registry_)),
      tokenization_errors_(BuildCounter()
                               .Name("hfserve_tokenization_errors_total")
                               .Help("Requests refused because their text could not be tokenized")
                               .Register(*registry_)),
      http_responses_(BuildCounter()
                          .Name("hfserve_http_responses_total")
                          .Help("HTTP responses, by status code")
                          .Register(*registry_)) {}

void Metrics::record_request(const RequestRecord& r) {
  prometheus::Labels labels{{"model", r.model}, {"endpoint", r.endpoint}};
  requests_.Add(labels).Increment();
  if (r.failed) failures_.Add(labels).Increment();
  request_duration_ms_.Add(labels, latency_ms_buckets()).Observe(r.duration_seconds * 1000);
  prompt_tokens_.Add(labels).Increment(static_cast<double>(r.prompt_tokens));
  completion_tokens_.Add(labels).Increment(static_cast<double>(r.completion_tokens));
  e2e_latency_.Add(by_model(r.model), latency_seconds_buckets()).Observe(r.duration_seconds);
  if (r.queue_seconds) {
    queue_time_.Add(by_model(r.model), latency_seconds_buckets()).Observe(*r.queue_seconds);
  }
  if (r.time_to_first_token_seconds) {
    time_to_first_token_.Add(by_model(r.model), latency_seconds_buckets())
        .Observe(*r.time_to_first_token_seconds);
  }
}

void Metrics::record_inter_token_latency(const std::string& model, double seconds) {
  inter_token_latency_.Add(by_model(model), latency_seconds_buckets()).Observe(seconds);
}

void Metrics::record_http_response(int status) {
  http_responses_.Add({{"status", std::to_string(status)}}).Increment();
}

void Metrics::record_tokenization_error(const std::string& model) {
  tokenization_errors_.Add(by_model(model)).Increment();
}

void Metrics::set_engine_state(const std::string& model, std::size_t running, std::size_t waiting,
                               double kv_cache_usage) {
  running_.Add(by_model(model)).Set(static_cast<double>(running));
  waiting_.Add(by_model(model)).Set(static_cast<double>(waiting));
  kv_cache_usage_.Add(by_model(model)).Set(kv_cache_usage);
}

void Metrics::add_prefix_cache(const std::string& model, std::uint64_t queried_tokens,
                               std::uint64_t hit_tokens) {
  prefix_cache_queries_.Add(by_model(model)).Increment(static_cast<double>(queried_tokens));
  prefix_cache_hits_.Add(by_model(model)).Increment(static_cast<double>(hit_tokens));
}

void Metrics::add_preemptions(const std::string& model, std::uint64_t count) {
  preemptions_.Add(by_model(model)).Increment(static_cast<double>(count));
}

void Metrics::record_model_load(const std::string& model, double seconds, double weight_bytes) {
  model_load_seconds_.Add(by_model(model)).Set(seconds);
  model_weight_bytes_.Add(by_model(model)).Set(weight_bytes);
}

std::string Metrics::serialize() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace hfserve::telemetry
