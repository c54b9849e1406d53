#include "server/openai_request.h"

#include <cmath>
#include <limits>
#include <optional>

#include "pipelines/chat_prompt.h"
#include "server/api_error.h"

namespace hfserve::server {
namespace {

using Json = nlohmann::ordered_json;

// Typed, range-checked access to the top-level fields of a request body; JSON null reads
// as absent, as OpenAI's API treats it.
class Fields {
 public:
  explicit Fields(const Json& body) : body_(body) {
    if (!body.is_object()) throw ParamError("", "the request body must be a JSON object");
  }

  const Json& body() const { return body_; }

  const Json* get(const std::string& name) const {
    auto it = body_.find(name);
    return it == body_.end() || it->is_null() ? nullptr : &*it;
  }

  std::optional<double> number(const std::string& name, double lo, double hi) const {
    const Json* v = get(name);
    if (!v) return std::nullopt;
    if (!v->is_number()) throw ParamError(name, name + " must be a number");
    double x = v->get<double>();
    if (!(x >= lo && x <= hi)) {
      throw ParamError(name,
                       name + " must be in [" + fmt(lo) + ", " + fmt(hi) + "], got " + fmt(x));
    }
    return x;
  }

  std::optional<std::int64_t> integer(const std::string& name, std::int64_t lo,
                                      std::int64_t hi) const {
    const Json* v = get(name);
    if (!v) return std::nullopt;
    if (!v->is_number_integer()) throw ParamError(name, name + " must be an integer");
    std::int64_t x = v->get<std::int64_t>();
    if (x < lo || x > hi) {
      throw ParamError(name, name + " must be in [" + std::to_string(lo) + ", " +
                                 std::to_string(hi) + "], got " + std::to_string(x));
    }
    return x;
  }

  std::optional<bool> boolean(const std::string& name) const {
    const Json* v = get(name);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) throw ParamError(name, name + " must be true or false");
    return v->get<bool>();
  }

  std::optional<std::string> string(const std::string& name) const {
    const Json* v = get(name);
    if (!v) return std::nullopt;
    if (!v->is_string()) throw ParamError(name, name + " must be a string");
    return v->get<std::string>();
  }

  void refuse(const std::string& name, const std::string& why) const {
    if (get(name)) throw Error(ErrorCode::kUnsupported, name + " is not supported: " + why);
  }

 private:
  static std::string fmt(double x) {
    std::string s = std::to_string(x);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }
  const Json& body_;
};

constexpr std::int64_t kIntMax = std::numeric_limits<std::int32_t>::max();

std::vector<std::string> stop_strings(const Fields& f) {
  const Json* stop = f.get("stop");
  if (!stop) return {};
  if (stop->is_string()) return {stop->get<std::string>()};
  if (stop->is_array()) {
    std::vector<std::string> out;
    for (const Json& s : *stop) {
      if (!s.is_string()) throw ParamError("stop", "stop must be a string or an array of strings");
      out.push_back(s.get<std::string>());
    }
    return out;
  }
  throw ParamError("stop", "stop must be a string or an array of strings");
}

// `v` (absent: none) as token ids; `name` is the field, for the error.
std::vector<std::int32_t> token_list(const Json* v, const std::string& name) {
  if (!v) return {};
  if (!v->is_array()) throw ParamError(name, name + " must be an array of token ids");
  std::vector<std::int32_t> out;
  for (const Json& t : *v) {
    if (!t.is_number_integer() || t.get<std::int64_t>() < 0 || t.get<std::int64_t>() > kIntMax) {
      throw ParamError(name, name + " must hold non-negative integer token ids");
    }
    out.push_back(static_cast<std::int32_t>(t.get<std::int64_t>()));
  }
  return out;
}

// Fields both endpoints share: sampling, n, stop, stream.
void read_common(const Fields& f, const pipelines::TextGenerator& generator, OpenAiCall& call) {
  f.refuse("best_of", "use n");
  f.refuse("suffix", "hfserve has no fill-in-the-middle");
  f.refuse("functions", "use tools");
  f.refuse("audio", "this is a text model");
  f.refuse("prediction", "no speculative prediction input");
  if (const Json* format = f.get("response_format")) {
    if (!format->is_object() || format->value("type", "") != "text") {
      throw Error(ErrorCode::kUnsupported,
                  "response_format other than {\"type\": \"text\"} is not supported");
    }
  }

  call.model = f.string("model").value_or("");
  engine::SamplingParams& s = call.text.sampling;
  s = generator.default_sampling();
  if (auto v = f.number("temperature", 0, 2)) s.temperature = static_cast<float>(*v);
  if (auto v = f.number("top_p", 0, 1)) {
    if (*v == 0) throw ParamError("top_p", "top_p must be in (0, 1]");
    s.top_p = static_cast<float>(*v);
  }
  if (auto v = f.integer("top_k", -1, kIntMax)) s.top_k = *v;
  if (auto v = f.number("min_p", 0, 1)) s.min_p = static_cast<float>(*v);
  if (auto v = f.number("presence_penalty", -2, 2)) s.presence_penalty = static_cast<float>(*v);
  if (auto v = f.number("frequency_penalty", -2, 2)) s.frequency_penalty = static_cast<float>(*v);
  if (auto v = f.number("repetition_penalty", 1e-6, 100)) {
    s.repetition_penalty = static_cast<float>(*v);
  }
  if (auto v = f.integer("seed", std::numeric_limits<std::int64_t>::min(),
                         std::numeric_limits<std::int64_t>::max())) {
    s.seed = static_cast<std::uint64_t>(*v);
  }
  if (auto v = f.integer("min_tokens", 0, kIntMax)) s.min_tokens = static_cast<std::size_t>(*v);
  if (auto v = f.boolean("ignore_eos")) s.ignore_eos = *v;
  s.stop_token_ids = token_list(f.get("stop_token_ids"), "stop_token_ids");
  if (const Json* bias = f.get("logit_bias")) {
    if (!bias->is_object()) throw ParamError("logit_bias", "logit_bias must be an object");
    for (const auto& [key, value] : bias->items()) {
      std::size_t used = 0;
      long long token = -1;
      try {
        token = std::stoll(key, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != key.size() || token < 0 || token > kIntMax || !value.is_number()) {
        throw ParamError("logit_bias",
                         "logit_bias maps token ids (as strings) to numbers; '" + key + "' is not");
      }
      s.logit_bias.emplace_back(static_cast<std::int32_t>(token), value.get<float>());
    }
  }
  if (auto v = f.integer("n", 1, 128)) call.text.n = static_cast<std::size_t>(*v);
  call.text.stop = stop_strings(f);
  if (auto v = f.boolean("include_stop_str_in_output")) call.text.include_stop_str_in_output = *v;
  if (auto v = f.boolean("skip_special_tokens")) call.text.skip_special_tokens = *v;
  const StreamFields stream = parse_stream_fields(f.body());
  call.stream = stream.stream;
  call.include_usage = stream.include_usage;
}

// max_tokens: the request's, else `fallback`; checked against the context left.
void read_max_tokens(const Fields& f, const char* name, std::size_t fallback, OpenAiCall& call) {
  if (auto v = f.integer(name, 1, kIntMax)) {
    call.text.sampling.max_tokens = static_cast<std::size_t>(*v);
  } else {
    call.text.sampling.max_tokens = fallback;
  }
}

}  // namespace

StreamFields parse_stream_fields(const Json& body) {
  Fields f(body);
  StreamFields out;
  out.stream = f.boolean("stream").value_or(false);
  if (const Json* options = f.get("stream_options")) {
    if (!options->is_object())
      throw ParamError("stream_options", "stream_options must be an object");
    if (!out.stream) {
      throw ParamError("stream_options", "stream_options is only allowed when stream is true");
    }
    auto usage = options->find("include_usage");
    if (usage != options->end() && !usage->is_null()) {
      if (!usage->is_boolean()) {
        throw ParamError("stream_options", "stream_options.include_usage must be true or false");
      }
      out.include_usage = usage->get<bool>();
    }
  }
  return out;
}

OpenAiCall parse_completion_request(const Json& body, const pipelines::TextGenerator& generator) {
  Fields f(body);
  OpenAiCall call;
  read_common(f, generator, call);
  const Json* prompt = f.get("prompt");
  if (!prompt) throw ParamError("prompt", "prompt is required");
  // A string or token ids, or a list of either: one prompt each, as OpenAI and vLLM take.
  std::vector<const Json*> items;
  if (prompt->is_array() && !prompt->empty() && !(*prompt)[0].is_number_integer()) {
    for (const Json& item : *prompt) items.push_back(&item);
  } else {
    items.push_back(prompt);
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string name = items.size() == 1 ? "prompt" : "prompt[" + std::to_string(i) + "]";
    const Json& item = *items[i];
    std::vector<std::int32_t> ids;
    if (item.is_string()) {
      call.prompt_texts.push_back(item.get<std::string>());
      ids = generator.encode(call.prompt_texts.back(), true);
    } else if (item.is_array()) {
      ids = token_list(&item, name);
      const std::size_t vocab = generator.model().model->vocab_size();
      for (const std::int32_t id : ids) {
        if (static_cast<std::size_t>(id) >= vocab) {
          throw TokenizationError("prompt", name + " holds token id " + std::to_string(id) +
                                                ", outside the vocabulary [0, " +
                                                std::to_string(vocab) + ")");
        }
      }
      call.prompt_texts.push_back(generator.decode(ids, false));
    } else {
      throw ParamError("prompt", name + " must be a string or an array of token ids");
    }
    if (ids.empty()) throw TokenizationError("prompt", name + " is empty");
    call.text.prompts.push_back(std::move(ids));
  }
  read_max_tokens(f, "max_tokens", 16, call);
  call.echo = f.boolean("echo").value_or(false);
  if (auto v = f.integer("logprobs", 0, 20)) {
    call.logprobs = true;
    call.text.sampling.logprobs = static_cast<int>(*v);
  }
  if (call.echo && call.logprobs) {
    throw Error(ErrorCode::kUnsupported, "echo with logprobs (prompt logprobs) is not supported");
  }
  return call;
}

OpenAiCall parse_chat_request(const Json& body, const pipelines::TextGenerator& generator) {
  Fields f(body);
  OpenAiCall call;
  call.chat = true;
  read_common(f, generator, call);
  if (const Json* choice = f.get("tool_choice")) {
    if (!choice->is_string() || (*choice != "none" && *choice != "auto")) {
      throw Error(ErrorCode::kUnsupported,
                  "tool_choice other than \"none\" or \"auto\" is not supported (hfserve does "
                  "not parse tool calls out of the output yet)");
    }
  }
  pipelines::ChatPromptInputs inputs;
  const Json* messages = f.get("messages");
  if (!messages || !messages->is_array() || messages->empty()) {
    throw ParamError("messages", "messages must be a non-empty array");
  }
  inputs.messages = *messages;
  if (const Json* tools = f.get("tools")) {
    if (!tools->is_array()) throw ParamError("tools", "tools must be an array");
    if (f.get("tool_choice") == nullptr || *f.get("tool_choice") != "none") {
      inputs.tools = *tools;
    }
  }
  if (const Json* documents = f.get("documents")) {
    inputs.documents = *documents;
  }
  if (auto v = f.boolean("add_generation_prompt")) inputs.add_generation_prompt = *v;
  if (const Json* kwargs = f.get("chat_template_kwargs")) {
    if (!kwargs->is_object()) {
      throw ParamError("chat_template_kwargs", "chat_template_kwargs must be an object");
    }
    inputs.chat_template_kwargs = *kwargs;
  }
  inputs.chat_template = f.string("chat_template");
  std::string prompt;
  try {
    prompt = pipelines::render_chat_prompt(generator.model(), inputs);
  } catch (const Error& error) {
    if (error.code() != ErrorCode::kInvalidArgument) throw;
    throw TokenizationError("messages", error.message());
  }
  // The template writes the special tokens itself (add_special_tokens=False, as
  // transformers' apply_chat_template(tokenize=True) does).
  call.text.prompts = {generator.encode(prompt, false)};
  const std::size_t prompt_len = call.text.prompts[0].size();
  if (prompt_len == 0) throw TokenizationError("messages", "the rendered prompt is empty");

  const std::size_t max_len = generator.engine().max_model_len();
  const std::size_t left = prompt_len < max_len ? max_len - prompt_len : 1;
  if (f.get("max_completion_tokens")) {
    read_max_tokens(f, "max_completion_tokens", left, call);
  } else {
    read_max_tokens(f, "max_tokens", left, call);
  }
  call.logprobs = f.boolean("logprobs").value_or(false);
  if (auto v = f.integer("top_logprobs", 0, 20)) {
    if (!call.logprobs) throw ParamError("top_logprobs", "top_logprobs needs logprobs: true");
    call.text.sampling.logprobs = static_cast<int>(*v);
  } else if (call.logprobs) {
    call.text.sampling.logprobs = 0;
  }
  return call;
}

}  // namespace hfserve::server
