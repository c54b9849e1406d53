#include "server/http_server.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "pipelines/chat_prompt.h"
#include "pipelines/embeddings.h"
#include "pipelines/rerank.h"
#include "server/api_error.h"
#include "server/encoder_api.h"
#include "server/kserve_v1.h"
#include "server/kserve_v2.h"
#include "server/openai_request.h"
#include "server/openai_response.h"
#include "server/peer_connection.h"
#include "server/request_model.h"
#include "server/request_span.h"
#include "server/text2text_request.h"
#include "telemetry/metrics.h"
#include "util/log.h"

namespace hfserve::server {
namespace {

using Json = nlohmann::json;

template <typename AnyJson = Json>
void send_json(httplib::Response& res, int status, const AnyJson& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, Json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, const Error& error) {
  send_json(res, http_status(error.code()), error_body(error));
}

// Key order kept: see openai_request.h.
nlohmann::ordered_json parse_body(const httplib::Request& req) {
  try {
    return nlohmann::ordered_json::parse(req.body);
  } catch (const nlohmann::ordered_json::parse_error& error) {
    throw ParamError("", "the request body is not valid JSON (at byte " +
                             std::to_string(error.byte) + "): " + error.what());
  }
}

// Compares without an early exit, so the time taken does not tell how much matched.
bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

std::string sse(const Json& event) {
  return "data: " + event.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n\n";
}

using Clock = std::chrono::steady_clock;

// How often a non-streamed generation looks whether its client is still connected: a
// gone client's request leaves the batch within about this long.
constexpr std::chrono::milliseconds kPeerCheckInterval{100};

// The model a request runs on, and the name its answer carries (the one it asked for). The
// runtime is held for the whole request, so a reload never frees weights still in use.
struct Served {
  std::shared_ptr<const pipelines::ModelRuntime> runtime;
  std::string name;
};

// A generation that holds its model: it must outlive the generation running on it, and a
// stream outlives the handler that started it.
std::shared_ptr<pipelines::Generation> holding_model(std::unique_ptr<pipelines::Generation> g,
                                                     const Served& served) {
  return std::shared_ptr<pipelines::Generation>(
      g.release(), [runtime = served.runtime](pipelines::Generation* p) { delete p; });
}

// How many tokens a non-streamed request read and wrote.
struct TokenCounts {
  std::size_t prompt = 0;
  std::size_t completion = 0;
};

// The timeline of one generation request, for the latency metrics.
struct RequestTiming {
  RequestTiming(std::string model, std::string endpoint) {
    record.model = std::move(model);
    record.endpoint = std::move(endpoint);
  }

  void tokens_arrived(telemetry::Metrics& metrics) {
    const Clock::time_point now = Clock::now();
    if (!record.time_to_first_token_seconds) {
      record.time_to_first_token_seconds = seconds(start, now);
    } else {
      metrics.record_inter_token_latency(record.model, seconds(last, now));
    }
    last = now;
  }

  void finish(telemetry::Metrics& metrics, const pipelines::Generation& generation, bool fail) {
    record.failed = fail;
    record.duration_seconds = seconds(start, Clock::now());
    record.prompt_tokens = generation.prompt_tokens();
    record.completion_tokens = generation.completion_tokens();
    record.queue_seconds = generation.queue_seconds();
    metrics.record_request(record);
  }

  static double seconds(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  }

  telemetry::RequestRecord record;
  Clock::time_point start = Clock::now();
  Clock::time_point last;
  bool failed = false;
  // A stream whose [DONE] went out is complete, even when the client closes before the
  // chunked body's last marker: the openai client does, and cpp-httplib then reports the
  // stream as failed.
  bool answered = false;
};

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  httplib::Server http;
  std::thread thread;
  int bound_port = 0;
  pipelines::ModelRegistry& models;
  std::atomic<bool> draining{false};
  std::atomic<std::size_t> in_flight{0};  // live RequestSpans
  std::mutex stopped_mutex;
  std::condition_variable stopped_cv;
  bool stopped = false;
  telemetry::Metrics metrics;
  std::mutex scrape_mutex;
  // Per model: the load whose engine counters were last scraped (its loaded_at), and what
  // the Prometheus counters already hold of them. Guarded by scrape_mutex.
  struct Scraped {
    std::chrono::system_clock::time_point loaded_at;
    engine::EngineStats stats;
  };
  std::vector<Scraped> scraped;

  explicit Impl(ServerOptions o) : options(std::move(o)), models(*options.models) {}

  // Probes answer without the API key; a model's V1 readiness is a GET, its predict a POST.
  bool open_route(const httplib::Request& req) const {
    const std::string& path = req.path;
    return path == "/health" || path == "/metrics" || path.rfind("/v2/health", 0) == 0 ||
           (req.method == "GET" && path.rfind("/v1/models/", 0) == 0);
  }

  // Auth and CORS, before any route runs.
  httplib::Server::HandlerResponse pre_route(const httplib::Request& req, httplib::Response& res) {
    const std::string origin = req.get_header_value("Origin");
    if (!origin.empty() && !options.cors_origins.empty()) {
      const bool allowed = std::find(options.cors_origins.begin(), options.cors_origins.end(),
                                     "*") != options.cors_origins.end() ||
                           std::find(options.cors_origins.begin(), options.cors_origins.end(),
                                     origin) != options.cors_origins.end();
      if (allowed) {
        res.set_header("Access-Control-Allow-Origin", origin);
        res.set_header("Vary", "Origin");
        if (req.method == "OPTIONS") {
          res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
          res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
          res.status = 204;
          return httplib::Server::HandlerResponse::Handled;
        }
      }
    }
    if (options.api_key && !open_route(req)) {
      const std::string header = req.get_header_value("Authorization");
      const std::string prefix = "Bearer ";
      if (header.rfind(prefix, 0) != 0 ||
          !same_secret(header.substr(prefix.size()), *options.api_key)) {
        send_json(
            res, 401,
            error_body(Error(ErrorCode::kUnauthorized,
                             "missing or wrong API key: send 'Authorization: Bearer <key>'")));
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  }

  bool ready() const { return !draining && models.ready(); }

  // A model's own readiness (KServe's per-model probes): loaded, or loaded on first use.
  bool model_ready(std::size_t index) const {
    const pipelines::ModelStatus status = models.status(index);
    return !draining &&
           (status.state == pipelines::ModelState::kReady || !status.spec.initial_load);
  }

  // How inference requests are recorded (task history, request log, in-flight count).
  RequestRecording recording() {
    return {options.task_history, options.capture_requests, options.log_requests, &in_flight};
  }

  void refuse_if_draining() const {
    if (draining) {
      throw Error(ErrorCode::kUnavailable, "the server is shutting down; retry on another replica");
    }
  }

  // The index of the model named `requested` ("": the first); an unknown name is a 404
  // that lists the served ones.
  std::size_t model_index(const std::string& requested) const {
    if (const std::optional<std::size_t> index = models.find(requested)) return *index;
    std::string names;
    for (const std::string& n : models.all_names()) names += (names.empty() ? "" : ", ") + n;
    throw Error(ErrorCode::kNotFound,
                "the model '" + requested + "' does not exist; served: " + names);
  }

  // The model a request names, loaded (a model loaded on first use loads now).
  Served serve_model(const std::string& requested) {
    refuse_if_draining();
    const std::size_t index = model_index(requested);
    Served served{models.acquire(index), requested};
    if (served.name.empty()) served.name = models.names(index).front();
    return served;
  }

  static pipelines::TextGenerator& generator_of(const Served& served) {
    if (served.runtime->generator) return *served.runtime->generator;
    if (served.runtime->encoder_tasks) {
      throw Error(ErrorCode::kUnsupported,
                  "'" + served.name +
                      "' is an encoder: it serves /v1/embeddings (and /v1/rerank when it is a "
                      "cross-encoder), not text generation");
    }
    throw Error(ErrorCode::kUnsupported, "'" + served.name +
                                             "' is an encoder-decoder (text2text): it serves "
                                             "/v1/completions and KServe's V1 predict");
  }

  static pipelines::EncoderTasks& encoder_of(const Served& served) {
    if (served.runtime->encoder_tasks) return *served.runtime->encoder_tasks;
    throw Error(ErrorCode::kUnsupported,
                "'" + served.name +
                    "' generates text: embeddings and rerank need an encoder model (BERT, "
                    "RoBERTa, XLM-RoBERTa, DistilBERT)");
  }

  // Wraps a handler: any Error becomes its status and OpenAI error body (KServe's
  // {"error": message} for the V1/V2 routes).
  template <typename Fn>
  httplib::Server::Handler guarded(Fn fn, bool kserve = false) {
    return [fn, kserve](const httplib::Request& req, httplib::Response& res) {
      try {
        fn(req, res);
      } catch (const Error& error) {
        if (kserve) {
          send_json(res, http_status(error.code()), kserve_error_body(error));
        } else {
          send_error(res, error);
        }
        if (error.code() == ErrorCode::kResourceExhausted) res.set_header("Retry-After", "1");
      } catch (const std::exception& error) {
        log::error("{} {}: {}", req.method, req.path, error.what());
        send_error(res, Error(ErrorCode::kInternal, error.what()));
      }
    };
  }

  // /v1/completions for a text2text model: one JSON answer in OpenAI's text_completion
  // shape after every choice's generation, which stops early (nothing is sent, the request
  // is recorded as 499) when the client goes away.
  void complete_text2text(const httplib::Request& req, httplib::Response& res,
                          const std::string& id, const Text2TextCall& call, const Served& served,
                          RequestSpan& span, RequestTiming& timing) {
    PeerConnection peer({req.local_addr, req.local_port, req.remote_addr, req.remote_port});
    Clock::time_point last_check = Clock::now();
    auto client_there = [&](std::string_view) {
      if (Clock::now() - last_check < kPeerCheckInterval) return true;
      last_check = Clock::now();
      return !peer.closed();
    };
    std::vector<pipelines::Text2TextResult> choices;
    bool gone = false;
    for (std::size_t i = 0; i < call.n && !gone; ++i) {
      choices.push_back(served.runtime->text2text->generate(call.request, client_there, i));
      gone = choices.back().finish_reason == "abort";
    }
    if (gone) {
      res.status = 499;  // as for the decoders: nobody reads it, the metrics count it
    } else {
      send_json(res, 200, text2text_completion_body(id, served.name, choices));
    }
    finish_text2text(choices, gone ? "the client closed the connection" : "", span, timing, gone);
  }

  // The same as a stream, choice after choice: each piece of text as it becomes final,
  // then the choice's finish_reason; the usage if asked, and [DONE]. A client that goes
  // away ends the generation.
  void stream_text2text(httplib::Response& res, const std::string& id, const Text2TextCall& call,
                        const Served& served, std::shared_ptr<RequestSpan> span,
                        std::shared_ptr<RequestTiming> timing) {
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, call, served, span, timing, chunks = Text2TextChunks(id, served.name)](
            std::size_t, httplib::DataSink& sink) {
          auto send = [&](const std::string& out) { return sink.write(out.data(), out.size()); };
          std::vector<pipelines::Text2TextResult> choices;
          std::string failure;
          bool gone = false;
          try {
            for (std::size_t i = 0; i < call.n && !gone; ++i) {
              choices.push_back(served.runtime->text2text->generate(
                  call.request,
                  [&](std::string_view piece) {
                    if (piece.empty()) return true;
                    timing->tokens_arrived(metrics);
                    return send(sse(chunks.text(i, piece)));
                  },
                  i));
              gone = choices.back().finish_reason == "abort" ||
                     !send(sse(chunks.finish(i, choices.back())));
            }
          } catch (const Error& error) {
            failure = error.message();
            gone = !send(sse(error_body(error)));
          }
          if (gone) failure = "the client closed the connection";
          finish_text2text(choices, failure, *span, *timing, gone);
          if (gone) return false;
          std::string out;
          if (failure.empty() && call.stream.include_usage) out = sse(chunks.usage(choices));
          if (!send(out + "data: [DONE]\n\n")) return false;
          sink.done();
          return true;
        });
  }

  // A text2text request's span and metrics: 499 when its client went away (`failure` then
  // says so), else 200 (a failure that came after the stream's 200 is marked failed).
  void finish_text2text(const std::vector<pipelines::Text2TextResult>& choices,
                        const std::string& failure, RequestSpan& span, RequestTiming& timing,
                        bool gone) {
    const std::size_t prompt = choices.empty() ? 0 : choices.front().prompt_tokens;
    std::size_t completion = 0;
    for (const pipelines::Text2TextResult& choice : choices) completion += choice.completion_tokens;
    span.finish(gone ? 499 : 200, prompt, completion, failure);
    timing.record.failed = !failure.empty();
    timing.record.completion_tokens = completion;
    finish_record(timing.record, timing.start, prompt);
  }

  // KServe V1 predict and V2 infer for a text2text model: each text generated greedily up
  // to 16 tokens (transformers' default max_length 20 counts the start token; KServe
  // itself answers text2text over OpenAI's routes only).
  static std::vector<std::string> generate_texts(const std::vector<std::string>& texts,
                                                 const Served& served, TokenCounts& tokens) {
    std::vector<std::string> generated;
    for (const std::string& text : texts) {
      pipelines::Text2TextRequest request;
      request.text = text;
      request.sampling.temperature = 0;
      request.sampling.max_tokens = 16;
      const pipelines::Text2TextResult result = served.runtime->text2text->generate(request);
      tokens.prompt += result.prompt_tokens;
      tokens.completion += result.completion_tokens;
      generated.push_back(result.text);
    }
    return generated;
  }

  void generate(const httplib::Request& req, httplib::Response& res, bool chat) {
    const std::string endpoint = chat ? "chat" : "completions";
    auto span = std::make_shared<RequestSpan>(recording(), endpoint, req.body);
    // Made on arrival, so that a refused request's log line and span carry it too.
    const std::string id = random_id(chat ? "chatcmpl-" : "cmpl-");
    span->set_request_id(id);
    std::shared_ptr<OpenAiCall> call;
    std::shared_ptr<pipelines::Generation> generation;
    std::shared_ptr<ResponseWriter> writer;
    std::shared_ptr<RequestTiming> timing;
    try {
      const nlohmann::ordered_json body = parse_body(req);
      const Served served = serve_model(requested_model(body));
      span->set_model(served.name);
      timing = std::make_shared<RequestTiming>(served.name, endpoint);
      if (served.runtime->text2text && !chat) {
        const Text2TextCall t2t = parse_text2text_request(body);
        if (t2t.stream.stream) {
          stream_text2text(res, id, t2t, served, span, timing);
        } else {
          complete_text2text(req, res, id, t2t, served, *span, *timing);
        }
        return;
      }
      pipelines::TextGenerator& g = generator_of(served);
      try {
        call = std::make_shared<OpenAiCall>(chat ? parse_chat_request(body, g)
                                                 : parse_completion_request(body, g));
      } catch (const TokenizationError&) {
        metrics.record_tokenization_error(served.name);
        throw;
      }
      generation = holding_model(g.start(call->text), served);
      writer =
          std::make_shared<ResponseWriter>(*call, served.name, "hfserve-" + options.version, g, id);
      if (!call->stream) {
        // Nothing is written before the whole answer, so a client that goes away is seen
        // by looking at its connection, every kPeerCheckInterval at most.
        PeerConnection peer({req.local_addr, req.local_port, req.remote_addr, req.remote_port});
        Clock::time_point last_check = Clock::now();
        std::vector<pipelines::ChoiceDelta> deltas;
        while (generation->next(deltas)) {
          timing->tokens_arrived(metrics);
          writer->add(deltas);
          span->add(deltas);
          deltas.clear();
          if (Clock::now() - last_check < kPeerCheckInterval) continue;
          last_check = Clock::now();
          if (peer.closed()) {
            generation->cancel();
            timing->finish(metrics, *generation, true);
            span->finish(499, generation->prompt_tokens(), generation->completion_tokens(),
                         "the client closed the connection");
            res.status = 499;  // nginx's code; nobody reads it, the metrics count it
            return;
          }
        }
        send_json(res, 200, writer->response(*generation));
        timing->finish(metrics, *generation, false);
        span->finish(200, generation->prompt_tokens(), generation->completion_tokens());
        return;
      }
    } catch (const Error& error) {
      span->finish(http_status(error.code()), generation ? generation->prompt_tokens() : 0,
                   generation ? generation->completion_tokens() : 0, error.message());
      if (timing && generation) {
        timing->finish(metrics, *generation, true);
      } else if (timing) {
        timing->record.failed = true;
        finish_record(timing->record, timing->start, 0);
      }
      throw;
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, call, generation, writer, timing, span](std::size_t, httplib::DataSink& sink) {
          std::vector<pipelines::ChoiceDelta> deltas;
          std::string out;
          std::string failure;
          bool more = false;
          try {
            more = generation->next(deltas);
            if (more) timing->tokens_arrived(metrics);
            span->add(deltas);
            for (const Json& chunk : writer->chunks(deltas)) out += sse(chunk);
            if (!more) {
              if (call->include_usage) out += sse(writer->usage_chunk(*generation));
              out += "data: [DONE]\n\n";
            }
          } catch (const Error& error) {
            out += sse(error_body(error)) + "data: [DONE]\n\n";
            more = false;
            timing->failed = true;
            failure = error.message();
          }
          // Recorded before the last bytes go out, so a client that reads the history
          // right after [DONE] finds its stream there.
          if (!more) {
            span->finish(200, generation->prompt_tokens(), generation->completion_tokens(),
                         failure);
          }
          if (!out.empty() && !sink.write(out.data(), out.size())) {
            generation->cancel();  // the client went away
            return false;
          }
          if (!more) {
            timing->answered = true;
            sink.done();
          }
          return true;
        },
        [this, generation, timing, span](bool success) {
          generation->cancel();
          timing->finish(metrics, *generation, timing->failed || !(success || timing->answered));
          // Only when the stream ended early: 499, the client closed the connection
          // (nginx's code), as the stream's 200 was already sent.
          span->finish(499, generation->prompt_tokens(), generation->completion_tokens(),
                       "the client closed the connection");
        });
  }

  // /v1/embeddings, /v1/rerank and KServe's predict and infer: one JSON response, an
  // `ai_completion` span, the request metrics. The model is the one named in the path
  // (KServe's routes), else in the body. `run(body, served, tokens)` parses, computes and
  // returns the response body, and counts the tokens it read and wrote.
  template <typename Run>
  void encode(const httplib::Request& req, httplib::Response& res, const std::string& endpoint,
              const std::string& id, const std::optional<std::string>& path_model, Run run) {
    RequestSpan span(recording(), endpoint, req.body);
    span.set_request_id(id);
    telemetry::RequestRecord record;
    record.endpoint = endpoint;
    const Clock::time_point start = Clock::now();
    TokenCounts tokens;
    try {
      const nlohmann::ordered_json body = parse_body(req);
      const Served served = serve_model(path_model ? *path_model : requested_model(body));
      record.model = served.name;
      span.set_model(served.name);
      const auto response = run(body, served, tokens);
      send_json(res, 200, response);
      span.finish(200, tokens.prompt, tokens.completion);
    } catch (const Error& error) {
      span.finish(http_status(error.code()), tokens.prompt, tokens.completion, error.message());
      record.failed = true;
      if (!record.model.empty()) finish_record(record, start, tokens.prompt);
      throw;
    }
    record.completion_tokens = tokens.completion;
    finish_record(record, start, tokens.prompt);
  }

  void embeddings(const httplib::Request& req, httplib::Response& res) {
    encode(req, res, "embeddings", random_id("embd-"), std::nullopt,
           [](const nlohmann::ordered_json& body, const Served& served, TokenCounts& tokens) {
             const EmbeddingsCall call = parse_embeddings_request(body);
             const pipelines::EmbeddingResult result =
                 pipelines::embed(encoder_of(served), call.request);
             tokens.prompt = result.prompt_tokens;
             return embeddings_body(call, result, served.name);
           });
  }

  void rerank(const httplib::Request& req, httplib::Response& res) {
    const std::string id = random_id("rerank-");
    encode(req, res, "rerank", id, std::nullopt,
           [&id](const nlohmann::ordered_json& body, const Served& served, TokenCounts& tokens) {
             const RerankCall call = parse_rerank_request(body);
             const pipelines::RerankResult result =
                 pipelines::rerank(encoder_of(served), call.request);
             tokens.prompt = result.prompt_tokens;
             return rerank_body(call, result, served.name, id);
           });
  }

  // KServe V1 POST /v1/models/<name>:predict: the model's task, or text2text generation.
  void v1_predict(const httplib::Request& req, httplib::Response& res) {
    encode(req, res, "kserve_v1", random_id("predict-"), std::string(req.matches[1]),
           [](const nlohmann::ordered_json& body, const Served& served, TokenCounts& tokens) {
             if (served.runtime->text2text) {
               return nlohmann::ordered_json{
                   {"predictions", generate_texts(parse_v1_request(body), served, tokens)}};
             }
             const TaskResult result =
                 run_task(encoder_of(served), served.runtime->task, parse_v1_request(body));
             tokens.prompt = prompt_tokens(result);
             return v1_response(result);
           });
  }

  // KServe V2 POST /v2/models/<name>/infer.
  void v2_infer(const httplib::Request& req, httplib::Response& res) {
    if (req.has_header("Inference-Header-Content-Length")) {
      throw ParamError("", "binary tensor data is not supported: send JSON tensors");
    }
    encode(req, res, "kserve_v2", random_id("infer-"), std::string(req.matches[1]),
           [](const nlohmann::ordered_json& body, const Served& served, TokenCounts& tokens) {
             const V2Call call = parse_v2_request(body);
             if (served.runtime->text2text) {
               const std::vector<std::string> texts = generate_texts(call.texts, served, tokens);
               return v2_response(call, served.name, {text2text_tensor(texts)});
             }
             const TaskResult result =
                 run_task(encoder_of(served), served.runtime->task, call.texts);
             tokens.prompt = prompt_tokens(result);
             return v2_response(call, served.name, v2_outputs(result));
           });
  }

  void finish_record(telemetry::RequestRecord& record, Clock::time_point start,
                     std::size_t tokens) {
    record.duration_seconds = RequestTiming::seconds(start, Clock::now());
    record.prompt_tokens = tokens;
    metrics.record_request(record);
  }

  // A `health` span for a probe (Kubernetes calls them every few seconds).
  void record_health(const httplib::Request& req, int status) {
    if (!options.task_history) return;
    telemetry::Span span = telemetry::start_span(telemetry::kTaskHealth);
    span.end_time = span.start_time;
    span.labels = {{"path", req.path}, {"status", std::to_string(status)}};
    options.task_history->record(std::move(span));
  }

  // GET /v1/task_history?since=&model=&status=&task=&limit=: the newest spans first.
  void task_history(const httplib::Request& req, httplib::Response& res) {
    if (!options.task_history) {
      throw Error(ErrorCode::kNotFound,
                  "the task history is off: start the server without --task_history off");
    }
    telemetry::TaskHistoryQuery query;
    if (req.has_param("since")) {
      try {
        query.since = telemetry::parse_utc(req.get_param_value("since"));
      } catch (const Error& error) {
        throw ParamError("since", "since: " + error.message());
      }
    }
    if (req.has_param("model")) query.model = req.get_param_value("model");
    if (req.has_param("status")) query.status = req.get_param_value("status");
    if (req.has_param("task")) query.task = req.get_param_value("task");
    if (req.has_param("limit")) {
      const std::string text = req.get_param_value("limit");
      std::size_t used = 0;
      long long limit = 0;
      try {
        limit = std::stoll(text, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != text.size() || limit < 1 || limit > 10000) {
        throw ParamError("limit", "limit must be an integer from 1 to 10000");
      }
      query.limit = static_cast<std::size_t>(limit);
    }
    options.task_history->flush();  // what this client's earlier requests wrote is visible
    Json data = Json::array();
    for (const telemetry::Span& span : options.task_history->query(query)) {
      data.push_back(
          {{"trace_id", span.trace_id},
           {"span_id", span.span_id},
           {"parent_span_id",
            span.parent_span_id.empty() ? Json(nullptr) : Json(span.parent_span_id)},
           {"task", span.task},
           {"input", span.input},
           {"captured_output", span.captured_output ? Json(*span.captured_output) : Json(nullptr)},
           {"start_time", telemetry::format_utc(span.start_time)},
           {"end_time", telemetry::format_utc(span.end_time)},
           {"execution_duration_ms", span.execution_duration_ms()},
           {"error_message", span.error_message ? Json(*span.error_message) : Json(nullptr)},
           {"labels", span.labels}});
    }
    send_json(res, 200, {{"object", "list"}, {"data", data}});
  }

  // Each loaded model's load figures, its engine's gauges as of now, and its engine's
  // lifetime counters' growth since the last scrape (from zero for a model reloaded since).
  std::string scrape() {
    std::lock_guard lock(scrape_mutex);
    scraped.resize(models.size());
    for (std::size_t i = 0; i < models.size(); ++i) {
      const pipelines::ModelStatus status = models.status(i);
      if (!status.runtime) continue;
      const std::string& name = status.spec.names.front();
      metrics.record_model_load(name, status.load_seconds,
                                static_cast<double>(status.runtime->weight_bytes));
      if (!status.runtime->generator) continue;
      const engine::EngineStats stats = status.runtime->generator->engine().stats();
      Scraped& last = scraped[i];
      if (last.loaded_at != status.loaded_at) last = {status.loaded_at, {}};
      metrics.set_engine_state(name, stats.running, stats.waiting, stats.kv_usage);
      metrics.add_prefix_cache(name, stats.prefix_queries - last.stats.prefix_queries,
                               stats.prefix_hits - last.stats.prefix_hits);
      metrics.add_preemptions(name, stats.preemptions - last.stats.preemptions);
      last.stats = stats;
    }
    return metrics.serialize();
  }

  // GET /v1/models: every served name; a model not loaded yet has no max_model_len.
  void list_models(httplib::Response& res) {
    Json data = Json::array();
    for (std::size_t i = 0; i < models.size(); ++i) {
      const pipelines::ModelStatus status = models.status(i);
      for (const std::string& name : status.spec.names) {
        Json model = {{"id", name},
                      {"object", "model"},
                      {"created", 0},
                      {"owned_by", "hfserve"},
                      {"root", status.runtime ? status.runtime->source() : status.spec.reference}};
        if (status.runtime) model["max_model_len"] = status.runtime->max_model_len();
        data.push_back(std::move(model));
      }
    }
    send_json(res, 200, {{"object", "list"}, {"data", data}});
  }

  // One model as GET /admin/models and a reload show it (docs/configuration.md).
  Json admin_model(std::size_t index) const {
    const pipelines::ModelStatus status = models.status(index);
    const std::vector<std::string>& names = status.spec.names;
    Json model = {{"name", names.front()},
                  {"aliases", std::vector<std::string>(names.begin() + 1, names.end())},
                  {"from", status.spec.reference},
                  {"initial_load", status.spec.initial_load},
                  {"state", pipelines::model_state_name(status.state)},
                  {"reloading", status.reloading},
                  {"draining", status.draining},
                  {"error", status.error.empty() ? Json(nullptr) : Json(status.error)}};
    if (const auto& runtime = status.runtime) {
      model["task"] = pipelines::task_name(runtime->task.task);
      model["device"] = runtime->device;
      model["source"] = runtime->source();
      model["revision"] = runtime->pulled.revision;
      model["commit"] = runtime->pulled.commit;
      model["weight_bytes"] = runtime->weight_bytes;
      model["max_model_len"] = runtime->max_model_len();
      model["loaded_at"] = telemetry::format_utc(status.loaded_at);
      model["load_seconds"] = status.load_seconds;
    }
    return model;
  }

  void admin_models(httplib::Response& res) {
    Json data = Json::array();
    for (std::size_t i = 0; i < models.size(); ++i) data.push_back(admin_model(i));
    send_json(res, 200, {{"object", "list"}, {"data", data}});
  }

  // POST /admin/models/<name>/reload, optionally with {"revision": "..."}: answers once the
  // new load serves, or with the load's error while the old one serves on.
  void reload(const httplib::Request& req, httplib::Response& res) {
    refuse_if_draining();
    const std::size_t index = model_index(req.matches[1]);
    std::string revision;
    if (!req.body.empty()) {
      const nlohmann::ordered_json body = parse_body(req);
      if (!body.is_object()) throw ParamError("", "the request body must be a JSON object");
      for (const auto& [key, value] : body.items()) {
        if (key != "revision") {
          throw ParamError(key, "unknown field '" + key + "': a reload takes only 'revision'");
        }
        if (!value.is_string() || value.get<std::string>().empty()) {
          throw ParamError("revision", "revision must be a branch, tag or commit, as a string");
        }
        revision = value.get<std::string>();
      }
    }
    const std::string& name = models.names(index).front();
    log::info("reloading '{}'{}", name, revision.empty() ? "" : " at revision " + revision);
    try {
      models.reload(index, revision);
    } catch (const Error& error) {
      log::error("reload of '{}' failed, the loaded model serves on: {}", name, error.message());
      throw Error(error.code(), "the reload of '" + name +
                                    "' failed, the loaded model serves on: " + error.message());
    }
    const Json model = admin_model(index);
    log::info("reloaded '{}': revision {}, commit {}", name, model.value("revision", ""),
              model.value("commit", ""));
    send_json(res, 200, model);
  }

  void tokenize(const httplib::Request& req, httplib::Response& res) {
    const nlohmann::ordered_json body = parse_body(req);
    if (!body.is_object()) throw ParamError("", "the request body must be a JSON object");
    const Served served = serve_model(requested_model(body));
    pipelines::TextGenerator& g = generator_of(served);
    std::vector<std::int32_t> ids;
    const bool add_special = body.value("add_special_tokens", true);
    if (body.contains("messages")) {
      pipelines::ChatPromptInputs inputs;
      inputs.messages = body["messages"];
      inputs.add_generation_prompt = body.value("add_generation_prompt", true);
      ids = g.encode(pipelines::render_chat_prompt(g.model(), inputs), false);
    } else if (body.contains("prompt") && body["prompt"].is_string()) {
      ids = g.encode(body["prompt"].get<std::string>(), add_special);
    } else {
      throw ParamError("prompt", "send a string 'prompt' or a 'messages' array");
    }
    send_json(
        res, 200,
        {{"tokens", ids}, {"count", ids.size()}, {"max_model_len", g.engine().max_model_len()}});
  }

  void detokenize(const httplib::Request& req, httplib::Response& res) {
    const nlohmann::ordered_json body = parse_body(req);
    if (!body.is_object() || !body.contains("tokens") || !body["tokens"].is_array()) {
      throw ParamError("tokens", "send 'tokens', an array of token ids");
    }
    const Served served = serve_model(requested_model(body));
    pipelines::TextGenerator& g = generator_of(served);
    std::vector<std::int32_t> ids;
    for (const auto& t : body["tokens"]) {
      if (!t.is_number_integer() || t.get<std::int64_t>() < 0 ||
          static_cast<std::size_t>(t.get<std::int64_t>()) >= g.model().model->vocab_size()) {
        throw ParamError("tokens", "tokens must be ids in [0, vocabulary size)");
      }
      ids.push_back(t.get<std::int32_t>());
    }
    send_json(res, 200, {{"prompt", g.decode(ids, false)}});
  }

  void routes() {
    std::vector<std::string> prefixes = {"/v1"};
    if (!options.route_prefix.empty()) prefixes.push_back("/" + options.route_prefix + "/v1");
    for (const std::string& p : prefixes) {
      http.Post(p + "/completions",
                guarded([this](const auto& req, auto& res) { generate(req, res, false); }));
      http.Post(p + "/chat/completions",
                guarded([this](const auto& req, auto& res) { generate(req, res, true); }));
      http.Get(p + "/models", guarded([this](const auto&, auto& res) { list_models(res); }));
      http.Post(p + "/embeddings",
                guarded([this](const auto& req, auto& res) { embeddings(req, res); }));
      http.Post(p + "/rerank", guarded([this](const auto& req, auto& res) { rerank(req, res); }));
    }
    // vLLM and Jina also serve rerank at the root.
    http.Post("/rerank", guarded([this](const auto& req, auto& res) { rerank(req, res); }));
    http.Get("/v1/task_history",
             guarded([this](const auto& req, auto& res) { task_history(req, res); }));
    http.Get("/metrics", [this](const auto&, auto& res) {
      res.set_content(scrape(), "text/plain; version=0.0.4");
    });
    http.Post("/tokenize", guarded([this](const auto& req, auto& res) { tokenize(req, res); }));
    http.Post("/detokenize", guarded([this](const auto& req, auto& res) { detokenize(req, res); }));
    http.Get("/admin/models", guarded([this](const auto&, auto& res) { admin_models(res); }));
    http.Post(R"(/admin/models/([^/]+)/reload)",
              guarded([this](const auto& req, auto& res) { reload(req, res); }));

    auto ready = [this](httplib::Response& res) {
      const bool is_ready = this->ready();
      res.status = is_ready ? 200 : 503;
      return is_ready;
    };
    http.Get("/health", [this, ready](const auto& req, auto& res) {
      ready(res);
      record_health(req, res.status);
    });
    http.Get("/v2/health/live", [this](const auto& req, auto& res) {
      send_json(res, 200, {{"live", true}});
      record_health(req, res.status);
    });
    http.Get("/v2/health/ready", [this, ready](const auto& req, auto& res) {
      send_json(res, ready(res) ? 200 : 503, {{"ready", res.status == 200}});
      record_health(req, res.status);
    });
    // KServe V1 readiness of one model.
    http.Get(R"(/v1/models/([^/:]+))", guarded([this](const auto& req, auto& res) {
               const std::string name = req.matches[1];
               const bool is_ready = model_ready(model_index(name));
               send_json(res, is_ready ? 200 : 503, {{"name", name}, {"ready", is_ready}});
               record_health(req, res.status);
             }));

    // KServe V1 predict and V2 (Open Inference Protocol) for encoder tasks.
    http.Post(R"(/v1/models/([^/:]+):predict)",
              guarded([this](const auto& req, auto& res) { v1_predict(req, res); }, true));
    http.Get("/v2", guarded(
                        [this](const auto&, auto& res) {
                          send_json(res, 200, v2_server_metadata(options.version));
                        },
                        true));
    http.Get(R"(/v2/models/([^/]+))", guarded(
                                          [this](const auto& req, auto& res) {
                                            const Served served = serve_model(req.matches[1]);
                                            if (!served.runtime->text2text) encoder_of(served);
                                            send_json(
                                                res, 200,
                                                v2_model_metadata(served.name, served.runtime->task,
                                                                  served.runtime->device));
                                          },
                                          true));
    http.Get(R"(/v2/models/([^/]+)/ready)",
             guarded(
                 [this](const auto& req, auto& res) {
                   const std::string name = req.matches[1];
                   const bool is_ready = model_ready(model_index(name));
                   send_json(res, is_ready ? 200 : 503, {{"name", name}, {"ready", is_ready}});
                 },
                 true));
    http.Post(R"(/v2/models/([^/]+)/infer)",
              guarded([this](const auto& req, auto& res) { v2_infer(req, res); }, true));

    http.set_pre_routing_handler(
        [this](const auto& req, auto& res) { return pre_route(req, res); });
    // Statuses httplib produces itself (unknown route, body too large) get an error body too.
    http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      std::string message = res.status == 404   ? "no route " + req.method + " " + req.path
                            : res.status == 413 ? "the request body is larger than --max_body_bytes"
                                                : "HTTP " + std::to_string(res.status);
      send_json(res, res.status, error_body(res.status, message));
    });
    // Inference requests log their own line (RequestSpan); every HTTP exchange, probes
    // included, only at debug level.
    http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      metrics.record_http_response(res.status);
      if (options.log_requests) log::debug("{} {} {}", req.method, req.path, res.status);
    });
    // One small write per streamed token: without TCP_NODELAY, Nagle and delayed ACKs
    // hold each one back.
    http.set_tcp_nodelay(true);
    http.set_payload_max_length(options.max_body_bytes);
    const std::size_t threads = options.http_threads;
    http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  }
};

HttpServer::HttpServer(ServerOptions options) {
  if (options.models == nullptr || options.models->size() == 0) {
    throw Error(ErrorCode::kInvalidArgument, "the server needs at least one model to serve");
  }
  impl_ = std::make_unique<Impl>(std::move(options));
  impl_->routes();
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  Impl& s = *impl_;
  if (s.options.port == 0) {
    s.bound_port = s.http.bind_to_any_port(s.options.host);
  } else if (s.http.bind_to_port(s.options.host, s.options.port)) {
    s.bound_port = s.options.port;
  }
  if (s.bound_port <= 0) {
    throw Error(ErrorCode::kUnavailable,
                "cannot listen on " + s.options.host + ":" + std::to_string(s.options.port) + " (" +
                    std::strerror(errno) + "): pick another --http_port or --host");
  }
  s.thread = std::thread([&s] {
    s.http.listen_after_bind();
    std::lock_guard lock(s.stopped_mutex);
    s.stopped = true;
    s.stopped_cv.notify_all();
  });
}

int HttpServer::port() const { return impl_->bound_port; }

std::size_t HttpServer::drain(std::chrono::milliseconds grace) {
  Impl& s = *impl_;
  s.draining = true;
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (s.in_flight > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return s.in_flight;
}

void HttpServer::stop() {
  impl_->http.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

void HttpServer::wait() {
  std::unique_lock lock(impl_->stopped_mutex);
  impl_->stopped_cv.wait(lock, [&] { return impl_->stopped; });
}

}  // namespace hfserve::server
