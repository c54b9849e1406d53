// The KServe V1/V2 bodies without a model: request parsing (what is accepted, what is
// refused with the field named) and the response shapes KServe's Hugging Face server
// gives, for results built by hand; the task names and inference.
#include <gtest/gtest.h>

#include "pipelines/class_scores.h"
#include "pipelines/task.h"
#include "server/api_error.h"
#include "server/kserve_v1.h"
#include "server/kserve_v2.h"

namespace hfserve::server {
namespace {

using Body = nlohmann::ordered_json;
using pipelines::ScoreFormat;

TEST(KServeV1, ReadsInstancesOrInputs) {
  EXPECT_EQ(parse_v1_request(Body::parse(R"({"instances": ["a", "b"]})")),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(parse_v1_request(Body::parse(R"({"inputs": ["c"], "instances": ["a"]})")),
            (std::vector<std::string>{"c"}));
}

TEST(KServeV1, RefusesWhatIsNotTexts) {
  for (const char* bad : {R"([1])", R"({})", R"({"instances": []})", R"({"instances": "a"})",
                          R"({"instances": [1]})", R"({"instances": [["a"]]})"}) {
    EXPECT_THROW(parse_v1_request(Body::parse(bad)), ParamError) << bad;
  }
}

TEST(KServeV1, ShapesLikeKServe) {
  pipelines::SequenceClassification index;
  index.labels = {2, 0};
  EXPECT_EQ(v1_response(index).dump(), R"({"predictions":[2,0]})");

  pipelines::SequenceClassification probs;
  probs.format = ScoreFormat::kProbabilities;
  probs.scores = {{0.1, 0.2, 0.3, 0.4, 0, 0, 0, 0, 0, 0, 0.5}};
  // Keys in label order, as a Python dict keeps them ("10" after "9", not after "1").
  EXPECT_EQ(v1_response(probs).dump(),
            R"({"predictions":[{"0":0.1,"1":0.2,"2":0.3,"3":0.4,"4":0.0,"5":0.0,"6":0.0,)"
            R"("7":0.0,"8":0.0,"9":0.0,"10":0.5}]})");

  pipelines::TokenClassification tokens;
  tokens.labels = {{1, 2, 3}, {4}};
  tokens.offsets = {{{0, 0}, {0, 3}, {0, 0}}, {{1, 2}}};
  EXPECT_EQ(v1_response(tokens).dump(),
            R"({"predictions":[[[1,2,3]],[[4]]],"outputs":[{"name":"offset_mapping",)"
            R"("datatype":"INT64","shape":[2,3,2],"data":[0,0,0,3,0,0,1,2,0,0,0,0]}]})");

  pipelines::FillMask fill;
  fill.format = ScoreFormat::kProbabilities;
  fill.vocab_size = 2;
  fill.scores = {{{0.25, 0.75}}};
  EXPECT_EQ(v1_response(fill).dump(), R"({"predictions":[[[{"0":"0.2500"},{"1":"0.7500"}]]]})");
}

Body infer(const char* inputs) {
  return Body::parse(std::string(R"({"id": "x", "inputs": )") + inputs + "}");
}

TEST(KServeV2, ReadsOneBytesTensor) {
  const V2Call call = parse_v2_request(
      infer(R"([{"name": "t", "shape": [2, 1], "datatype": "BYTES", "data": [["a"], ["b"]]}])"));
  EXPECT_EQ(call.id, "x");
  EXPECT_EQ(call.texts, (std::vector<std::string>{"a", "b"}));
}

TEST(KServeV2, RefusesOtherTensors) {
  for (const char* bad : {
           R"([])",
           R"([{"name": "t", "shape": [1], "datatype": "FP32", "data": [1.5]}])",
           R"([{"name": "t", "shape": [2], "datatype": "BYTES", "data": ["a"]}])",
           R"([{"name": "t", "shape": [-1], "datatype": "BYTES", "data": ["a"]}])",
           R"([{"name": "t", "shape": [1], "datatype": "BYTES", "data": [1]}])",
           R"([{"shape": [1], "datatype": "BYTES", "data": ["a"]}])",
           R"([{"name": "t", "shape": [0], "datatype": "BYTES", "data": []}])",
           R"([{"name": "t", "shape": [1], "datatype": "BYTES", "data": ["a"]},
               {"name": "u", "shape": [1], "datatype": "BYTES", "data": ["b"]}])",
           R"([{"name": "t", "shape": [1], "datatype": "BYTES", "data": ["a"],
                "parameters": {"binary_data": true}}])",
       }) {
    EXPECT_THROW(parse_v2_request(infer(bad)), ParamError) << bad;
  }
}

TEST(KServeV2, TypedTensorsPaddedToTheLongestText) {
  pipelines::TokenClassification tokens;
  tokens.format = ScoreFormat::kProbabilities;
  tokens.num_labels = 2;
  tokens.scores = {{{0.5, 0.5}}, {{0.25, 0.75}, {1, 0}}};
  const std::vector<V2Tensor> outputs = v2_outputs(tokens);
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(tensor_json(outputs[0]).dump(),
            R"({"name":"output-0","datatype":"FP32","shape":[2,2,2],)"
            R"("data":[0.5,0.5,0.0,0.0,0.25,0.75,1.0,0.0]})");

  pipelines::TokenClassification labels;
  labels.labels = {{3}, {1, 2}};
  EXPECT_EQ(tensor_json(v2_outputs(labels)[0]).dump(),
            R"({"name":"output-0","datatype":"INT64","shape":[2,1,2],"data":[3,-1,1,2]})");

  pipelines::FillMask fill;
  fill.tokens = {"paris"};
  V2Call call;
  call.id = "r";
  EXPECT_EQ(v2_response(call, "m", v2_outputs(fill)).dump(),
            R"({"model_name":"m","model_version":null,"id":"r","outputs":[{"name":"output-0",)"
            R"("datatype":"BYTES","shape":[1],"data":["paris"]}]})");
  call.outputs = {"nope"};
  EXPECT_THROW(v2_response(call, "m", v2_outputs(fill)), ParamError);
  call.id.clear();
  call.outputs.clear();
  EXPECT_EQ(v2_response(call, "m", v2_outputs(fill))["id"].get<std::string>().size(), 36u);
}

TEST(Task, NamesAndInference) {
  EXPECT_EQ(pipelines::parse_task("fill_mask"), pipelines::Task::kFillMask);
  EXPECT_EQ(pipelines::parse_task("fill-mask"), std::nullopt);
  EXPECT_EQ(pipelines::infer_task("BertForMaskedLM", true), pipelines::Task::kFillMask);
  EXPECT_EQ(pipelines::infer_task("RobertaForTokenClassification", true),
            pipelines::Task::kTokenClassification);
  EXPECT_EQ(pipelines::infer_task("XLMRobertaForSequenceClassification", true),
            pipelines::Task::kSequenceClassification);
  EXPECT_EQ(pipelines::infer_task("BertModel", true), pipelines::Task::kTextEmbedding);
  EXPECT_EQ(pipelines::infer_task("LlamaForCausalLM", false), pipelines::Task::kTextGeneration);
  EXPECT_EQ(pipelines::infer_task("T5ForConditionalGeneration", false),
            pipelines::Task::kText2TextGeneration);
  EXPECT_THROW(pipelines::infer_task("BertForQuestionAnswering", true), Error);
}

TEST(ClassScores, RoundsAsPythonFormats) {
  // 0.00015 is 1.49999...e-4 in binary: Python's f"{x:.4f}" gives 0.0001.
  EXPECT_EQ(pipelines::round_4_decimals(0.00015), 0.0001);
  EXPECT_EQ(pipelines::round_4_decimals(0.12345), 0.1235);  // 0.123450000000000004...
  const std::vector<float> logits = {1.0f, 3.0f, 3.0f};
  EXPECT_EQ(pipelines::argmax(logits), 1);  // the first maximum, as torch.argmax
  const std::vector<double> probs = pipelines::class_scores(logits, ScoreFormat::kProbabilities);
  EXPECT_EQ(probs, (std::vector<double>{0.0634, 0.4683, 0.4683}));
}

}  // namespace
}  // namespace hfserve::server
