#include "server/kserve_task.h"

#include "util/error.h"

namespace hfserve::server {

TaskResult run_task(const pipelines::EncoderTasks& tasks, const pipelines::TaskSettings& settings,
                    const std::vector<std::string>& texts) {
  using pipelines::Task;
  switch (settings.task) {
    case Task::kSequenceClassification:
      return pipelines::classify_sequences(tasks, texts, settings);
    case Task::kTokenClassification:
      return pipelines::classify_tokens(tasks, texts, settings);
    case Task::kFillMask:
      return pipelines::fill_mask(tasks, texts, settings);
    case Task::kTextEmbedding:
      return pipelines::embed_texts(tasks, texts, settings);
    case Task::kRerank:
    case Task::kTextGeneration:
    case Task::kText2TextGeneration:
      break;
  }
  throw Error(ErrorCode::kUnsupported,
              "this model serves the task " + std::string(pipelines::task_name(settings.task)) +
                  ", which KServe's predict and infer routes do not run: use /v1/rerank");
}

std::size_t prompt_tokens(const TaskResult& result) {
  return std::visit([](const auto& r) { return r.prompt_tokens; }, result);
}

}  // namespace hfserve::server
