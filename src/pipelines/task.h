// Task: what a served model does with a text, as KServe's Hugging Face server names it
// (its MLTask, plus hfserve's rerank), and how serve picks one: --task, else inferred from
// config.json's architectures[0] as KServe's infer_task_from_model_architecture does.
// Stateless; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "models/encoder.h"

namespace hfserve::pipelines {

enum class Task {
  kTextGeneration,       // *ForCausalLM
  kText2TextGeneration,  // *ForConditionalGeneration (T5): pipelines/text2text.h
  kFillMask,             // *ForMaskedLM
  kTokenClassification,  // *ForTokenClassification
  kSequenceClassification,
  kTextEmbedding,  // a bare *Model: pooled hidden states
  kRerank,         // a cross-encoder: *ForSequenceClassification with one label
};

// KServe's names ("fill_mask", ...); nullopt for any other.
std::optional<Task> parse_task(std::string_view name);
std::string_view task_name(Task task);
// Every name parse_task takes, comma-separated, for messages and --help.
std::string task_names();

// The task an architecture name implies, by its ending as KServe matches it (ForMaskedLM,
// ForTokenClassification, ForSequenceClassification, ForCausalLM,
// ForConditionalGeneration). A bare encoder (BertModel, ...) is text_embedding whether or
// not the folder has sentence-transformers' modules.json: KServe refuses to guess there,
// but hfserve already serves such a model's embeddings (/v1/embeddings), with mean pooling
// when modules.json is absent. Throws Error(kInvalidArgument) for an architecture none of
// these fit, saying to pass --task.
Task infer_task(const std::string& architecture, bool encoder);

// Checks that a loaded encoder's head can do `task`; throws Error(kInvalidArgument) saying
// what the model is and which tasks it can do (fill_mask without a masked-LM head, ...),
// Error(kUnsupported) for text2text_generation.
void check_encoder_task(Task task, const models::EncoderModel& model);

// What KServe's --return_probabilities and --return_raw_logits pick for the classification
// and fill-mask tasks.
enum class ScoreFormat {
  kIndex,          // the argmax (fill-mask: the argmax token, decoded)
  kProbabilities,  // softmax, each rounded to 4 decimals as KServe formats them
  kRawLogits,      // the head's logits as they are
};

// How V1/V2 requests are tokenized and answered (KServe's encoder-model flags). Texts are
// always cut to max_model_len, as KServe tokenizes with truncation=True.
struct TaskSettings {
  Task task = Task::kTextEmbedding;
  ScoreFormat format = ScoreFormat::kIndex;
  bool add_special_tokens = true;  // --disable_special_tokens turns it off
  bool offsets = false;            // --return_offsets_mapping (token classification)
};

}  // namespace hfserve::pipelines
