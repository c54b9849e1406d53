// HttpServer: hfserve's HTTP front (cpp-httplib): the OpenAI routes under KServe's prefix
// rule (/<KSERVE_OPENAI_ROUTE_PREFIX>/v1/..., and /v1/... as vLLM serves them), health
// and readiness for Kubernetes and KServe (V1 and V2), and vLLM's /tokenize and
// /detokenize; for an encoder model, OpenAI's /v1/embeddings, the rerank API
// (/v1/rerank, /rerank), and KServe's V1 predict and V2 metadata and infer for its task
// (server/kserve_v1.h, server/kserve_v2.h). Every route runs on the model its request
// names (`model` in the body, the name in a KServe path; none: the first), from the
// registry it is given (pipelines/model_registry.h); GET /admin/models lists the models
// and POST /admin/models/{name}/reload reloads one in place.
// It listens before the models are loaded: liveness answers at once, readiness turns 200
// once every model loaded at startup has loaded, and their routes answer 503 until then.
// Streams are Server-Sent Events; a client that goes away cancels its request.
// With a task history, every inference request writes an `ai_completion` span and every
// health probe a `health` span, and GET /v1/task_history reads them back.
//
// start(), drain() and stop() may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pipelines/model_registry.h"
#include "telemetry/task_history.h"

namespace hfserve::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (port() says which)
  // The models it serves, by name (not owned; must outlive the server).
  pipelines::ModelRegistry* models = nullptr;
  std::string route_prefix = "openai";    // KSERVE_OPENAI_ROUTE_PREFIX
  std::optional<std::string> api_key;     // Bearer token for every inference route
  std::vector<std::string> cors_origins;  // "*" allows any; empty: no CORS headers
  std::size_t max_body_bytes = 32u << 20;
  std::size_t http_threads = 64;  // concurrent connections (streams hold one each)
  bool log_requests = true;       // a log line per inference request (telemetry/request_log.h)
  // Where spans go (not owned; must outlive the server); null: no task history.
  telemetry::TaskHistory* task_history = nullptr;
  bool capture_requests = true;  // request bodies and generated text in the spans
  std::string version;           // in system_fingerprint ("hfserve-<version>")
};

class HttpServer {
 public:
  explicit HttpServer(ServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts answering on a background thread. Throws Error(kUnavailable) when
  // the address cannot be bound (the message says which and why).
  void start();
  int port() const;
  // The first step of a graceful shutdown: readiness turns 503 (so Kubernetes stops
  // routing here) and new inference requests are refused with 503, while those in flight
  // (streams included) run on for up to `grace`. Returns how many were still running.
  std::size_t drain(std::chrono::milliseconds grace);
  // Stops accepting, ends the listening thread; returns when it has.
  void stop();
  // Blocks until stop() (from another thread) has stopped the server.
  void wait();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hfserve::server
