#include "server/kserve_v2.h"

#include <algorithm>

#include "server/api_error.h"
#include "server/openai_response.h"

namespace hfserve::server {
namespace {

using Body = nlohmann::ordered_json;
using pipelines::ScoreFormat;

constexpr const char* kOutput = "output-0";  // KServe's name for a task's one result tensor

// The elements of a (possibly nested) data array, row-major.
void flatten_texts(const Body& data, std::vector<std::string>& texts, int depth) {
  for (const Body& item : data) {
    if (item.is_string()) {
      texts.push_back(item.get<std::string>());
    } else if (item.is_array() && depth < 8) {
      flatten_texts(item, texts, depth + 1);
    } else {
      throw ParamError("inputs", "the input tensor's data must be strings (datatype BYTES)");
    }
  }
}

void refuse_binary(const Body& parameters, const char* what) {
  if (!parameters.is_object()) {
    throw ParamError(what, std::string(what) + " parameters must be an object");
  }
  for (const char* key : {"binary_data", "binary_data_output"}) {
    if (parameters.contains(key) && parameters[key] == true) {
      throw ParamError(what, std::string(key) + ": hfserve sends JSON tensors only");
    }
  }
}

// Rows of unequal length into one [rows, longest, width] tensor, `fill` past their ends.
template <typename Row, typename Put>
Body padded(const std::vector<Row>& rows, std::size_t longest, std::size_t width, Body fill,
            Put put) {
  Body data = Body::array();
  for (const Row& row : rows) {
    for (std::size_t t = 0; t < longest; ++t) {
      if (t < row.size()) {
        put(data, row[t]);
      } else {
        for (std::size_t k = 0; k < width; ++k) data.push_back(fill);
      }
    }
  }
  return data;
}

template <typename Row>
std::size_t longest_row(const std::vector<Row>& rows) {
  std::size_t longest = 0;
  for (const Row& row : rows) longest = std::max(longest, row.size());
  return longest;
}

void put_scores(Body& data, const std::vector<double>& scores) {
  for (double s : scores) data.push_back(static_cast<float>(s));
}

std::vector<V2Tensor> outputs_of(const pipelines::SequenceClassification& r) {
  const auto n = static_cast<std::int64_t>(r.format == ScoreFormat::kIndex ? r.labels.size()
                                                                           : r.scores.size());
  if (r.format == ScoreFormat::kIndex) return {{kOutput, "INT64", {n}, Body(r.labels)}};
  Body data = Body::array();
  for (const auto& scores : r.scores) put_scores(data, scores);
  return {{kOutput, "FP32", {n, static_cast<std::int64_t>(r.num_labels)}, std::move(data)}};
}

std::vector<V2Tensor> outputs_of(const pipelines::TokenClassification& r) {
  std::vector<V2Tensor> out;
  if (r.format == ScoreFormat::kIndex) {
    const std::size_t longest = longest_row(r.labels);
    // KServe's shape: [texts, 1, tokens] (its argmax keeps the batch axis of one text).
    out.push_back(
        {kOutput,
         "INT64",
         {static_cast<std::int64_t>(r.labels.size()), 1, static_cast<std::int64_t>(longest)},
         padded(r.labels, longest, 1, -1,
                [](Body& data, std::int64_t label) { data.push_back(label); })});
  } else {
    const std::size_t longest = longest_row(r.scores);
    out.push_back({kOutput,
                   "FP32",
                   {static_cast<std::int64_t>(r.scores.size()), static_cast<std::int64_t>(longest),
                    static_cast<std::int64_t>(r.num_labels)},
                   padded(r.scores, longest, r.num_labels, 0.0, put_scores)});
  }
  if (!r.offsets.empty()) out.push_back(offsets_tensor(r));
  return out;
}

std::vector<V2Tensor> outputs_of(const pipelines::FillMask& r) {
  if (r.format == ScoreFormat::kIndex) {
    return {{kOutput, "BYTES", {static_cast<std::int64_t>(r.tokens.size())}, Body(r.tokens)}};
  }
  const std::size_t longest = longest_row(r.scores);
  return {{kOutput,
           "FP32",
           {static_cast<std::int64_t>(r.scores.size()), static_cast<std::int64_t>(longest),
            static_cast<std::int64_t>(r.vocab_size)},
           padded(r.scores, longest, r.vocab_size, 0.0, put_scores)}};
}

std::vector<V2Tensor> outputs_of(const pipelines::TextEmbedding& r) {
  Body data = Body::array();
  for (const auto& vector : r.vectors) {
    for (float v : vector) data.push_back(static_cast<double>(v));
  }
  const std::size_t size = r.vectors.empty() ? 0 : r.vectors.front().size();
  return {{kOutput,
           "FP64",
           {static_cast<std::int64_t>(r.vectors.size()), static_cast<std::int64_t>(size)},
           std::move(data)}};
}

// An RFC 4122 version-4 UUID text, as KServe's generate_uuid gives.
std::string uuid4() {
  std::string hex = random_id("");
  hex[12] = '4';
  hex[16] = "89ab"[hex[16] % 4];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

Body tensor_type(const char* name, const char* datatype, std::vector<std::int64_t> shape) {
  return {{"name", name}, {"datatype", datatype}, {"shape", std::move(shape)}};
}

}  // namespace

V2Call parse_v2_request(const nlohmann::ordered_json& body) {
  if (!body.is_object()) throw ParamError("", "the request body must be a JSON object");
  V2Call call;
  if (body.contains("id") && !body["id"].is_null()) {
    if (!body["id"].is_string()) throw ParamError("id", "id must be a string");
    call.id = body["id"].get<std::string>();
  }
  if (body.contains("parameters") && !body["parameters"].is_null()) {
    refuse_binary(body["parameters"], "parameters");
  }
  if (!body.contains("inputs") || !body["inputs"].is_array() || body["inputs"].empty()) {
    throw ParamError("inputs", "send \"inputs\": one BYTES tensor of texts");
  }
  if (body["inputs"].size() > 1) {
    throw ParamError("inputs", "send one input tensor (of texts); this request has " +
                                   std::to_string(body["inputs"].size()));
  }
  const Body& input = body["inputs"][0];
  if (!input.is_object()) throw ParamError("inputs", "an input tensor must be an object");
  if (!input.contains("name") || !input["name"].is_string()) {
    throw ParamError("inputs", "the input tensor needs a \"name\"");
  }
  if (!input.contains("datatype") || input["datatype"] != "BYTES") {
    throw ParamError("inputs", "the input tensor's datatype must be \"BYTES\" (texts)");
  }
  if (!input.contains("shape") || !input["shape"].is_array()) {
    throw ParamError("inputs", "the input tensor needs a \"shape\": an array of sizes");
  }
  if (input.contains("parameters") && !input["parameters"].is_null()) {
    refuse_binary(input["parameters"], "inputs");
  }
  std::uint64_t elements = 1;
  for (const Body& size : input["shape"]) {
    if (!size.is_number_integer() || size.get<std::int64_t>() < 0 ||
        size.get<std::int64_t>() > (std::int64_t{1} << 32)) {
      throw ParamError("inputs", "the input tensor's shape must hold non-negative sizes");
    }
    elements = std::min<std::uint64_t>(elements * size.get<std::uint64_t>(), 1ull << 40);
  }
  if (!input.contains("data") || !input["data"].is_array()) {
    throw ParamError("inputs", "the input tensor needs \"data\": its texts");
  }
  flatten_texts(input["data"], call.texts, 0);
  if (call.texts.size() != elements) {
    throw ParamError("inputs", "the input tensor's shape holds " + std::to_string(elements) +
                                   " elements but its data has " +
                                   std::to_string(call.texts.size()));
  }
  if (call.texts.empty()) throw ParamError("inputs", "the input tensor has no texts");
  if (body.contains("outputs") && !body["outputs"].is_null()) {
    if (!body["outputs"].is_array()) throw ParamError("outputs", "outputs must be an array");
    for (const Body& output : body["outputs"]) {
      if (!output.is_object() || !output.contains("name") || !output["name"].is_string()) {
        throw ParamError("outputs", "each requested output must be an object with a \"name\"");
      }
      if (output.contains("parameters") && !output["parameters"].is_null()) {
        refuse_binary(output["parameters"], "outputs");
      }
      call.outputs.push_back(output["name"].get<std::string>());
    }
  }
  return call;
}

V2Tensor text2text_tensor(const std::vector<std::string>& texts) {
  return {kOutput, "BYTES", {static_cast<std::int64_t>(texts.size())}, Body(texts)};
}

V2Tensor offsets_tensor(const pipelines::TokenClassification& r) {
  const std::size_t longest = longest_row(r.offsets);
  return {"offset_mapping",
          "INT64",
          {static_cast<std::int64_t>(r.offsets.size()), static_cast<std::int64_t>(longest), 2},
          padded(r.offsets, longest, 2, 0, [](Body& data, const auto& offsets) {
            data.push_back(offsets.first);
            data.push_back(offsets.second);
          })};
}

std::vector<V2Tensor> v2_outputs(const TaskResult& result) {
  return std::visit([](const auto& r) { return outputs_of(r); }, result);
}

nlohmann::ordered_json tensor_json(const V2Tensor& tensor) {
  return {{"name", tensor.name},
          {"datatype", tensor.datatype},
          {"shape", tensor.shape},
          {"data", tensor.data}};
}

nlohmann::ordered_json v2_response(const V2Call& call, const std::string& model_name,
                                   std::vector<V2Tensor> outputs) {
  Body tensors = Body::array();
  if (call.outputs.empty()) {
    for (const V2Tensor& tensor : outputs) tensors.push_back(tensor_json(tensor));
  } else {
    for (const std::string& name : call.outputs) {
      auto it = std::find_if(outputs.begin(), outputs.end(),
                             [&](const V2Tensor& t) { return t.name == name; });
      if (it == outputs.end()) {
        std::string names;
        for (const V2Tensor& t : outputs) names += (names.empty() ? "" : ", ") + t.name;
        throw ParamError("outputs", "unexpected inference output '" + name + "' for model '" +
                                        model_name + "': it gives " + names);
      }
      tensors.push_back(tensor_json(*it));
    }
  }
  return {{"model_name", model_name},
          {"model_version", nullptr},
          {"id", call.id.empty() ? uuid4() : call.id},
          {"outputs", std::move(tensors)}};
}

nlohmann::ordered_json v2_server_metadata(const std::string& version) {
  // KServe lists its model repository extension (load/unload); hfserve has none.
  return {{"name", "hfserve"}, {"version", version}, {"extensions", Body::array()}};
}

nlohmann::ordered_json v2_model_metadata(const std::string& name,
                                         const pipelines::TaskSettings& settings,
                                         const std::string& device) {
  using pipelines::Task;
  const bool index = settings.format == ScoreFormat::kIndex;
  Body outputs = Body::array();
  switch (settings.task) {
    case Task::kSequenceClassification:
      outputs.push_back(index ? tensor_type(kOutput, "INT64", {-1})
                              : tensor_type(kOutput, "FP32", {-1, -1}));
      break;
    case Task::kTokenClassification:
      outputs.push_back(index ? tensor_type(kOutput, "INT64", {-1, 1, -1})
                              : tensor_type(kOutput, "FP32", {-1, -1, -1}));
      if (settings.offsets) outputs.push_back(tensor_type("offset_mapping", "INT64", {-1, -1, 2}));
      break;
    case Task::kFillMask:
      outputs.push_back(index ? tensor_type(kOutput, "BYTES", {-1})
                              : tensor_type(kOutput, "FP32", {-1, -1, -1}));
      break;
    case Task::kTextEmbedding:
      outputs.push_back(tensor_type(kOutput, "FP64", {-1, -1}));
      break;
    case Task::kText2TextGeneration:
      outputs.push_back(tensor_type(kOutput, "BYTES", {-1}));
      break;
    case Task::kRerank:
    case Task::kTextGeneration:
      break;
  }
  return {{"name", name},
          {"versions", Body::array()},
          {"platform", "hfserve"},
          {"inputs", Body::array({tensor_type("input-0", "BYTES", {-1})})},
          {"outputs", std::move(outputs)},
          {"device", device}};
}

}  // namespace hfserve::server
