#include "pipelines/text2text.h"

#include <algorithm>
#include <filesystem>

#include "engine/sampler.h"
#include "models/registry.h"
#include "pipelines/model_folder.h"
#include "tokenizer/decode_stream.h"
#include "tokenizer/pretrained.h"
#include "util/error.h"
#include "util/log.h"

namespace hfserve::pipelines {
namespace {

namespace fs = std::filesystem;

}  // namespace

bool is_seq2seq_model(const hub::PulledModel& pulled) {
  const std::optional<formats::ModelConfig> config = folder_config(pulled);
  return config && models::is_seq2seq(*config);
}

LoadedSeq2Seq load_seq2seq(const hub::PulledModel& pulled, const models::LoadOptions& options) {
  const fs::path& dir = pulled.dir;
  if (gguf_file(pulled)) {
    throw Error(ErrorCode::kUnsupported,
                dir.string() + ": encoder-decoder models load from safetensors folders");
  }
  LoadedSeq2Seq loaded;
  loaded.source = dir.string();
  loaded.config = formats::load_model_config(dir.string());
  loaded.tokenizer =
      std::make_unique<tokenizer::Tokenizer>(std::move(folder_tokenizer(dir).tokenizer));
  loaded.weights = formats::open_safetensors(dir.string());
  loaded.model = models::build_seq2seq(loaded.config, *loaded.weights, options);
  if (!loaded.config.decoder_start_token_id) {
    throw Error(ErrorCode::kInvalidArgument,
                dir.string() + ": config.json has no decoder_start_token_id");
  }
  log::info("loaded {} ({}, {}+{} layers, d_model {})", loaded.source, loaded.config.architecture,
            loaded.config.num_hidden_layers, loaded.config.num_decoder_layers,
            loaded.config.hidden_size);
  return loaded;
}

Text2TextGenerator::Text2TextGenerator(const LoadedSeq2Seq& model, std::size_t num_threads)
    : model_(model), pool_(num_threads) {}

Text2TextResult Text2TextGenerator::generate(const Text2TextRequest& request, const OnStep& on_step,
                                             std::size_t choice) const {
  const models::Seq2SeqModel& model = *model_.model;
  const engine::SamplingParams& params = request.sampling;
  engine::validate(params, model.vocab_size());
  const tokenizer::Encoding encoding = model_.tokenizer->encode(request.text);
  if (encoding.ids.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "the input has no tokens");
  }
  const std::vector<std::int32_t> prompt(encoding.ids.begin(), encoding.ids.end());
  Text2TextResult result;
  result.prompt_tokens = prompt.size();

  models::DecoderCache cache;
  {
    std::lock_guard lock(mutex_);
    const std::vector<float> hidden = model.encode(prompt, pool_);
    cache = model.start_decoder(hidden, pool_);
  }
  std::vector<std::int32_t> ends;
  if (!params.ignore_eos) {
    for (std::int64_t id : model_.config.eos_token_ids)
      ends.push_back(static_cast<std::int32_t>(id));
  }
  ends.insert(ends.end(), params.stop_token_ids.begin(), params.stop_token_ids.end());
  std::mt19937_64 rng = engine::make_rng(params, choice);
  tokenizer::DecodeStream stream(*model_.tokenizer, /*skip_special_tokens=*/true);
  std::vector<std::int32_t> output;
  std::vector<float> logits;
  std::int32_t next = static_cast<std::int32_t>(*model_.config.decoder_start_token_id);
  // Text a stop string could still claim stays back: up to the longest stop's length
  // less one byte, and never half a character.
  std::size_t hold = 0;
  for (const std::string& stop : request.stop) hold = std::max(hold, stop.size());
  hold = hold > 0 ? hold - 1 : 0;
  std::size_t given = 0;  // bytes of result.text passed to on_step
  auto pass_on = [&](std::size_t end) {
    while (end > given && end < result.text.size() &&
           (static_cast<unsigned char>(result.text[end]) & 0xC0) == 0x80) {
      --end;
    }
    const std::size_t from = given;
    given = std::max(given, end);
    return on_step(std::string_view(result.text).substr(from, given - from));
  };
  result.finish_reason = "length";
  while (output.size() < params.max_tokens) {
    {
      std::lock_guard lock(mutex_);
      model.decode(cache, std::span<const std::int32_t>(&next, 1), pool_, logits);
    }
    engine::SamplingContext context{prompt, output, ends, &rng};
    next = engine::sample(logits, params, context).token;
    output.push_back(next);
    if (std::find(ends.begin(), ends.end(), next) != ends.end()) {
      result.finish_reason = "stop";
      break;
    }
    if (auto piece = stream.step(static_cast<std::uint32_t>(next))) result.text += *piece;
    // A stop string ends the text before it (OpenAI's rule), checked as the text grows.
    std::size_t cut = std::string::npos;
    for (const std::string& stop : request.stop) {
      if (!stop.empty()) cut = std::min(cut, result.text.find(stop));
    }
    if (cut != std::string::npos) {
      result.text.resize(cut);
      result.finish_reason = "stop";
      break;
    }
    if (on_step && !pass_on(result.text.size() > hold ? result.text.size() - hold : 0)) {
      result.finish_reason = "abort";
      break;
    }
  }
  if (on_step && result.finish_reason != "abort") pass_on(result.text.size());
  result.completion_tokens = output.size();
  return result;
}

}  // namespace hfserve::pipelines
