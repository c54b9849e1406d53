#include "pipelines/task.h"

#include <array>
#include <utility>

#include "util/error.h"

namespace hfserve::pipelines {
namespace {

constexpr std::array<std::pair<Task, std::string_view>, 7> kNames = {{
    {Task::kTextGeneration, "text_generation"},
    {Task::kText2TextGeneration, "text2text_generation"},
    {Task::kFillMask, "fill_mask"},
    {Task::kTokenClassification, "token_classification"},
    {Task::kSequenceClassification, "sequence_classification"},
    {Task::kTextEmbedding, "text_embedding"},
    {Task::kRerank, "rerank"},
}};

bool ends_with(std::string_view text, std::string_view end) {
  return text.size() >= end.size() && text.substr(text.size() - end.size()) == end;
}

std::string_view head_name(models::EncoderHead head) {
  switch (head) {
    case models::EncoderHead::kNone:
      return "no task head (text_embedding)";
    case models::EncoderHead::kSequenceClassification:
      return "a sequence-classification head (sequence_classification, rerank with one label)";
    case models::EncoderHead::kTokenClassification:
      return "a token-classification head (token_classification)";
    case models::EncoderHead::kMaskedLm:
      return "a masked-LM head (fill_mask)";
  }
  return "";
}

// What an encoder must carry for `task` (the tasks an encoder can serve).
std::string_view needs(Task task) {
  switch (task) {
    case Task::kFillMask:
      return "a masked-LM head (*ForMaskedLM)";
    case Task::kTokenClassification:
      return "a token-classification head (*ForTokenClassification)";
    case Task::kSequenceClassification:
      return "a sequence-classification head (*ForSequenceClassification)";
    case Task::kRerank:
      return "a cross-encoder (*ForSequenceClassification with one label)";
    case Task::kTextGeneration:
      return "a causal LM (*ForCausalLM), not an encoder";
    case Task::kText2TextGeneration:
    case Task::kTextEmbedding:
      break;
  }
  return "";
}

}  // namespace

std::optional<Task> parse_task(std::string_view name) {
  for (const auto& [task, text] : kNames) {
    if (text == name) return task;
  }
  return std::nullopt;
}

std::string_view task_name(Task task) {
  for (const auto& [t, text] : kNames) {
    if (t == task) return text;
  }
  return "";
}

std::string task_names() {
  std::string names;
  for (const auto& [task, text] : kNames) {
    if (!names.empty()) names += ", ";
    names += text;
  }
  return names;
}

Task infer_task(const std::string& architecture, bool encoder) {
  // KServe's table, in its order (the first ending that matches wins).
  static constexpr std::array<std::pair<std::string_view, Task>, 5> kEndings = {{
      {"ForTokenClassification", Task::kTokenClassification},
      {"ForSequenceClassification", Task::kSequenceClassification},
      {"ForMaskedLM", Task::kFillMask},
      {"ForCausalLM", Task::kTextGeneration},
      {"ForConditionalGeneration", Task::kText2TextGeneration},
  }};
  for (const auto& [ending, task] : kEndings) {
    if (ends_with(architecture, ending)) return task;
  }
  if (encoder && ends_with(architecture, "Model")) return Task::kTextEmbedding;
  throw Error(ErrorCode::kInvalidArgument, "cannot tell the task of a " + architecture +
                                               " model from its architecture: pass --task (" +
                                               task_names() + ")");
}

void check_encoder_task(Task task, const models::EncoderModel& model) {
  using models::EncoderHead;
  const EncoderHead head = model.head();
  bool fits = false;
  switch (task) {
    case Task::kText2TextGeneration:
      throw Error(ErrorCode::kUnsupported,
                  "--task text2text_generation is not served yet (encoder-decoder models such "
                  "as T5 come later)");
    case Task::kTextGeneration:
      fits = false;
      break;
    case Task::kFillMask:
      fits = head == EncoderHead::kMaskedLm;
      break;
    case Task::kTokenClassification:
      fits = head == EncoderHead::kTokenClassification;
      break;
    case Task::kSequenceClassification:
      fits = head == EncoderHead::kSequenceClassification;
      break;
    case Task::kRerank:
      fits = head == EncoderHead::kSequenceClassification && model.num_labels() == 1;
      break;
    case Task::kTextEmbedding:
      // Every encoder has hidden states to pool, whatever head it carries.
      fits = true;
      break;
  }
  if (!fits) {
    throw Error(
        ErrorCode::kInvalidArgument,
        "--task " + std::string(task_name(task)) + " needs " + std::string(needs(task)) +
            ", and this " + model.config().architecture + " has " + std::string(head_name(head)) +
            (task == Task::kRerank && head == EncoderHead::kSequenceClassification
                 ? " but " + std::to_string(model.num_labels()) + " labels, and rerank takes one"
                 : ""));
  }
}

}  // namespace hfserve::pipelines
