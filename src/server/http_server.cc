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
    metrics.record_request(record);
  }

  static double seconds(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  }

  telemetry::RequestRecord record;
  Clock::time_point start = Clock::now();
  Clock::time_point last;
  bool failed = false;
};

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  httplib::Server http;
  std::thread thread;
  int bound_port = 0;
  std::atomic<pipelines::TextGenerator*> generator{nullptr};
  std::atomic<pipelines::EncoderTasks*> encoder{nullptr};
  std::atomic<pipelines::Text2TextGenerator*> text2text{nullptr};
  std::atomic<bool> draining{false};
  std::atomic<std::size_t> in_flight{0};  // live RequestSpans
  pipelines::TaskSettings task;           // written before `encoder` is set, read only after
  std::mutex stopped_mutex;
  std::condition_variable stopped_cv;
  bool stopped = false;
  telemetry::Metrics metrics;
  std::mutex scrape_mutex;
  engine::EngineStats last_stats;  // what the counters already hold (guarded by scrape_mutex)

  explicit Impl(ServerOptions o) : options(std::move(o)) {}

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

  bool ready() const {
    return !draining && (generator.load() != nullptr || encoder.load() != nullptr ||
                         text2text.load() != nullptr);
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

  pipelines::TextGenerator& ready_generator() const {
    refuse_if_draining();
    pipelines::TextGenerator* g = generator.load();
    if (g) return *g;
    if (encoder.load()) {
      throw Error(ErrorCode::kUnsupported,
                  "this model is an encoder: it serves /v1/embeddings (and /v1/rerank when it "
                  "is a cross-encoder), not text generation");
    }
    if (text2text.load()) {
      throw Error(ErrorCode::kUnsupported,
                  "this model is an encoder-decoder (text2text): it serves /v1/completions and "
                  "KServe's V1 predict");
    }
    throw Error(ErrorCode::kUnavailable, "the model is still loading; retry shortly");
  }

  pipelines::EncoderTasks& ready_encoder() const {
    refuse_if_draining();
    pipelines::EncoderTasks* e = encoder.load();
    if (e) return *e;
    if (generator.load() || text2text.load()) {
      throw Error(ErrorCode::kUnsupported,
                  "this model generates text: embeddings and rerank need an encoder model "
                  "(BERT, RoBERTa, XLM-RoBERTa, DistilBERT)");
    }
    throw Error(ErrorCode::kUnavailable, "the model is still loading; retry shortly");
  }

  // The served name the request asked for (the default when it named none).
  std::string served_name(const std::string& requested) const {
    if (requested.empty()) return options.served_names.front();
    if (std::find(options.served_names.begin(), options.served_names.end(), requested) ==
        options.served_names.end()) {
      std::string names;
      for (const std::string& n : options.served_names) names += (names.empty() ? "" : ", ") + n;
      throw ParamError("model", "the model '" + requested + "' does not exist; served: " + names);
    }
    return requested;
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
  // shape, after the whole generation.
  void complete_text2text(const httplib::Request& req, httplib::Response& res,
                          pipelines::Text2TextGenerator& t2t) {
    RequestSpan span(recording(), "completions", req.body);
    const std::string id = random_id("cmpl-");
    span.set_request_id(id);
    telemetry::RequestRecord record;
    record.endpoint = "completions";
    const Clock::time_point start = Clock::now();
    pipelines::Text2TextResult result;
    try {
      refuse_if_draining();
      std::string requested;
      const pipelines::Text2TextRequest request =
          parse_text2text_request(parse_body(req), requested);
      record.model = served_model(requested);
      span.set_model(record.model);
      result = t2t.generate(request);
      send_json(res, 200, text2text_completion_body(id, record.model, result));
      span.finish(200, result.prompt_tokens, result.completion_tokens);
    } catch (const Error& error) {
      span.finish(http_status(error.code()), 0, 0, error.message());
      record.failed = true;
      if (!record.model.empty()) finish_record(record, start, 0);
      throw;
    }
    record.completion_tokens = result.completion_tokens;
    finish_record(record, start, result.prompt_tokens);
  }

  // KServe V1 predict for a text2text model: {"predictions": [generated text, ...]}, each
  // instance generated greedily up to 16 tokens (transformers' default max_length 20
  // counts the start token; KServe itself answers text2text over OpenAI's routes only).
  void predict_text2text(const httplib::Request& req, httplib::Response& res,
                         pipelines::Text2TextGenerator& t2t) {
    const std::string requested = req.matches[1];
    RequestSpan span(recording(), "kserve_v1", req.body);
    span.set_request_id(random_id("predict-"));
    std::size_t prompt = 0, completion = 0;
    try {
      refuse_if_draining();
      const std::string name = served_model(requested);
      span.set_model(name);
      nlohmann::ordered_json predictions = nlohmann::ordered_json::array();
      for (const std::string& text : parse_v1_request(parse_body(req))) {
        pipelines::Text2TextRequest request;
        request.text = text;
        request.sampling.temperature = 0;
        request.sampling.max_tokens = 16;
        const pipelines::Text2TextResult result = t2t.generate(request);
        prompt += result.prompt_tokens;
        completion += result.completion_tokens;
        predictions.push_back(result.text);
      }
      send_json(res, 200, nlohmann::ordered_json{{"predictions", predictions}});
      span.finish(200, prompt, completion);
    } catch (const Error& error) {
      span.finish(http_status(error.code()), prompt, completion, error.message());
      throw;
    }
  }

  void generate(const httplib::Request& req, httplib::Response& res, bool chat) {
    if (pipelines::Text2TextGenerator* t2t = text2text.load(); t2t && !chat) {
      complete_text2text(req, res, *t2t);
      return;
    }
    auto span = std::make_shared<RequestSpan>(recording(), chat ? "chat" : "completions", req.body);
    // Made on arrival, so that a refused request's log line and span carry it too.
    const std::string id = random_id(chat ? "chatcmpl-" : "cmpl-");
    span->set_request_id(id);
    std::shared_ptr<OpenAiCall> call;
    std::shared_ptr<pipelines::Generation> generation;
    std::shared_ptr<ResponseWriter> writer;
    std::shared_ptr<RequestTiming> timing;
    try {
      pipelines::TextGenerator& g = ready_generator();
      const nlohmann::ordered_json body = parse_body(req);
      call = std::make_shared<OpenAiCall>(chat ? parse_chat_request(body, g)
                                               : parse_completion_request(body, g));
      const std::string name = served_model(call->model);
      span->set_model(name);
      generation = g.start(call->text);
      writer = std::make_shared<ResponseWriter>(*call, name, "hfserve-" + options.version, g, id);
      timing = std::make_shared<RequestTiming>(name, chat ? "chat" : "completions");
      if (!call->stream) {
        std::vector<pipelines::ChoiceDelta> deltas;
        while (generation->next(deltas)) {
          timing->tokens_arrived(metrics);
          writer->add(deltas);
          span->add(deltas);
          deltas.clear();
        }
        send_json(res, 200, writer->response(*generation));
        timing->finish(metrics, *generation, false);
        span->finish(200, generation->prompt_tokens(), generation->completion_tokens());
        return;
      }
    } catch (const Error& error) {
      span->finish(http_status(error.code()), generation ? generation->prompt_tokens() : 0,
                   generation ? generation->completion_tokens() : 0, error.message());
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
          if (!more) sink.done();
          return true;
        },
        [this, generation, timing, span](bool success) {
          generation->cancel();
          timing->finish(metrics, *generation, !success || timing->failed);
          // Only when the stream ended early: 499, the client closed the connection
          // (nginx's code), as the stream's 200 was already sent.
          span->finish(499, generation->prompt_tokens(), generation->completion_tokens(),
                       "the client closed the connection");
        });
  }

  // /v1/embeddings, /v1/rerank and KServe's predict and infer: one JSON response, an
  // `ai_completion` span, the request metrics (prompt tokens only). `run(body, tasks,
  // tokens, model)` parses, computes and returns the response body, and says the served
  // name it answered as.
  template <typename Run>
  void encode(const httplib::Request& req, httplib::Response& res, const std::string& endpoint,
              const std::string& id, Run run) {
    RequestSpan span(recording(), endpoint, req.body);
    span.set_request_id(id);
    telemetry::RequestRecord record;
    record.endpoint = endpoint;
    const Clock::time_point start = Clock::now();
    std::size_t tokens = 0;
    try {
      pipelines::EncoderTasks& tasks = ready_encoder();
      const nlohmann::ordered_json body = parse_body(req);
      const auto response = run(body, tasks, tokens, record.model);
      span.set_model(record.model);
      send_json(res, 200, response);
      span.finish(200, tokens, 0);
    } catch (const Error& error) {
      span.finish(http_status(error.code()), tokens, 0, error.message());
      record.failed = true;
      if (!record.model.empty()) finish_record(record, start, tokens);
      throw;
    }
    finish_record(record, start, tokens);
  }

  // The served name a request asked for; an unknown one is a 404 listing the served names.
  std::string served_model(const std::string& requested) const {
    try {
      return served_name(requested);
    } catch (const ParamError& error) {
      throw Error(ErrorCode::kNotFound, error.message());
    }
  }

  void embeddings(const httplib::Request& req, httplib::Response& res) {
    encode(req, res, "embeddings", random_id("embd-"),
           [this](const nlohmann::ordered_json& body, pipelines::EncoderTasks& tasks,
                  std::size_t& tokens, std::string& name) {
             const EmbeddingsCall call = parse_embeddings_request(body);
             name = served_model(call.model);
             const pipelines::EmbeddingResult result = pipelines::embed(tasks, call.request);
             tokens = result.prompt_tokens;
             return embeddings_body(call, result, name);
           });
  }

  void rerank(const httplib::Request& req, httplib::Response& res) {
    const std::string id = random_id("rerank-");
    encode(req, res, "rerank", id,
           [this, &id](const nlohmann::ordered_json& body, pipelines::EncoderTasks& tasks,
                       std::size_t& tokens, std::string& name) {
             const RerankCall call = parse_rerank_request(body);
             name = served_model(call.model);
             const pipelines::RerankResult result = pipelines::rerank(tasks, call.request);
             tokens = result.prompt_tokens;
             return rerank_body(call, result, name, id);
           });
  }

  // KServe V1 POST /v1/models/<name>:predict.
  void v1_predict(const httplib::Request& req, httplib::Response& res) {
    if (pipelines::Text2TextGenerator* t2t = text2text.load()) {
      predict_text2text(req, res, *t2t);
      return;
    }
    const std::string requested = req.matches[1];
    encode(req, res, "kserve_v1", random_id("predict-"),
           [this, &requested](const nlohmann::ordered_json& body, pipelines::EncoderTasks& tasks,
                              std::size_t& tokens, std::string& name) {
             name = served_model(requested);
             const TaskResult result = run_task(tasks, task, parse_v1_request(body));
             tokens = prompt_tokens(result);
             return v1_response(result);
           });
  }

  // KServe V2 POST /v2/models/<name>/infer.
  void v2_infer(const httplib::Request& req, httplib::Response& res) {
    if (req.has_header("Inference-Header-Content-Length")) {
      throw ParamError("", "binary tensor data is not supported: send JSON tensors");
    }
    const std::string requested = req.matches[1];
    encode(req, res, "kserve_v2", random_id("infer-"),
           [this, &requested](const nlohmann::ordered_json& body, pipelines::EncoderTasks& tasks,
                              std::size_t& tokens, std::string& name) {
             name = served_model(requested);
             const V2Call call = parse_v2_request(body);
             const TaskResult result = run_task(tasks, task, call.texts);
             tokens = prompt_tokens(result);
             return v2_response(call, name, v2_outputs(result));
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

  // The engine's gauges as of now, and its lifetime counters' growth since the last scrape.
  std::string scrape() {
    if (pipelines::TextGenerator* g = generator.load()) {
      std::lock_guard lock(scrape_mutex);
      const engine::EngineStats stats = g->engine().stats();
      const std::string& name = options.served_names.front();
      metrics.set_engine_state(name, stats.running, stats.waiting, stats.kv_usage);
      metrics.add_prefix_cache(name, stats.prefix_queries - last_stats.prefix_queries,
                               stats.prefix_hits - last_stats.prefix_hits);
      metrics.add_preemptions(name, stats.preemptions - last_stats.preemptions);
      last_stats = stats;
    }
    return metrics.serialize();
  }

  void models(httplib::Response& res) {
    std::string root;
    std::size_t max_model_len = 0;
    if (pipelines::EncoderTasks* e = encoder.load()) {
      root = e->model().source;
      max_model_len = e->max_model_len();
    } else if (pipelines::Text2TextGenerator* t = text2text.load()) {
      root = t->model().source;
      max_model_len = static_cast<std::size_t>(t->model().config.max_position_embeddings);
    } else {
      pipelines::TextGenerator& g = ready_generator();
      root = g.model().source;
      max_model_len = g.engine().max_model_len();
    }
    Json data = Json::array();
    for (const std::string& name : options.served_names) {
      data.push_back({{"id", name},
                      {"object", "model"},
                      {"created", 0},
                      {"owned_by", "hfserve"},
                      {"root", root},
                      {"max_model_len", max_model_len}});
    }
    send_json(res, 200, {{"object", "list"}, {"data", data}});
  }

  void tokenize(const httplib::Request& req, httplib::Response& res) {
    pipelines::TextGenerator& g = ready_generator();
    const nlohmann::ordered_json body = parse_body(req);
    if (!body.is_object()) throw ParamError("", "the request body must be a JSON object");
    if (body.contains("model") && body["model"].is_string()) served_name(body["model"]);
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
    pipelines::TextGenerator& g = ready_generator();
    const nlohmann::ordered_json body = parse_body(req);
    if (!body.is_object() || !body.contains("tokens") || !body["tokens"].is_array()) {
      throw ParamError("tokens", "send 'tokens', an array of token ids");
    }
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
      http.Get(p + "/models", guarded([this](const auto&, auto& res) { models(res); }));
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
    http.Get(R"(/v1/models/([^/:]+))", guarded([this, ready](const auto& req, auto& res) {
               const std::string name = served_model(req.matches[1]);
               const bool is_ready = ready(res);
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
                                            const std::string name = served_model(req.matches[1]);
                                            ready_encoder();
                                            send_json(res, 200, v2_model_metadata(name, task));
                                          },
                                          true));
    http.Get(R"(/v2/models/([^/]+)/ready)",
             guarded(
                 [this, ready](const auto& req, auto& res) {
                   const std::string name = served_model(req.matches[1]);
                   const bool is_ready = ready(res);
                   send_json(res, res.status, {{"name", name}, {"ready", is_ready}});
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

HttpServer::HttpServer(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  if (impl_->options.served_names.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "the server needs at least one served model name");
  }
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

void HttpServer::set_generator(pipelines::TextGenerator* generator) {
  impl_->generator = generator;
}

void HttpServer::set_encoder(pipelines::EncoderTasks* tasks, const pipelines::TaskSettings& task) {
  impl_->task = task;
  impl_->encoder = tasks;
}

std::size_t HttpServer::drain(std::chrono::milliseconds grace) {
  Impl& s = *impl_;
  s.draining = true;
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (s.in_flight > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return s.in_flight;
}

void HttpServer::set_text2text(pipelines::Text2TextGenerator* generator) {
  impl_->task.task = pipelines::Task::kText2TextGeneration;
  impl_->text2text = generator;
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
