// KServe's V2 inference protocol (the Open Inference Protocol, REST) for the encoder
// tasks and text2text: server and model metadata, and POST /v2/models/<name>/infer with
// one BYTES input tensor of texts, answered with typed output tensors named as KServe's
// get_predict_response names them ("output-0"): INT64 [texts] label indices, BYTES
// [texts] fill-mask tokens or generated texts, FP64 [texts, size] embeddings (a list of
// Python floats, as KServe sends them), and where KServe sends the text of Python dicts
// as BYTES (probabilities, logits), FP32 tensors instead: [texts, labels],
// [texts, tokens, labels], [texts, masks, vocab]. Token classification adds
// "offset_mapping" INT64 [texts, tokens, 2] when asked. Texts of different lengths fill a
// [texts, longest, ...] tensor: past a text's end, indices are -1, scores 0 and offsets
// (0, 0). Only JSON tensors (no binary extension). Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipelines/task.h"
#include "server/kserve_task.h"

namespace hfserve::server {

struct V2Call {
  std::string id;                    // the request's id; empty: none given
  std::vector<std::string> texts;    // the input tensor's elements, in row-major order
  std::vector<std::string> outputs;  // output tensors asked for by name; empty: all
};

// An inference request body. Throws ParamError: not an object, no inputs, an input that is
// not a BYTES tensor of strings whose shape holds its data, more than one input, outputs
// or parameters of the wrong type, binary data asked for.
V2Call parse_v2_request(const nlohmann::ordered_json& body);

struct V2Tensor {
  std::string name;
  std::string datatype;  // INT64, FP32, FP64, BYTES
  std::vector<std::int64_t> shape;
  nlohmann::ordered_json data;  // flat, row-major
};

// The output tensors of a task's result, in KServe's order.
std::vector<V2Tensor> v2_outputs(const TaskResult& result);
// The generated texts of a text2text model: BYTES [texts], "output-0".
V2Tensor text2text_tensor(const std::vector<std::string>& texts);
// The offset_mapping tensor of a token classification asked with offsets.
V2Tensor offsets_tensor(const pipelines::TokenClassification& result);
nlohmann::ordered_json tensor_json(const V2Tensor& tensor);

// {"model_name", "model_version": null, "id", "outputs"}: the id given, else a fresh UUID;
// only the outputs asked for (ParamError naming an unknown one).
nlohmann::ordered_json v2_response(const V2Call& call, const std::string& model_name,
                                   std::vector<V2Tensor> outputs);

// GET /v2: {"name": "hfserve", "version", "extensions": []}.
nlohmann::ordered_json v2_server_metadata(const std::string& version);
// GET /v2/models/<name>: name, versions, platform, and the tensors infer takes and gives
// (-1 for a size that depends on the request), and where it runs (`device`, hfserve's
// addition to the protocol's fields).
nlohmann::ordered_json v2_model_metadata(const std::string& name,
                                         const pipelines::TaskSettings& settings,
                                         const std::string& device);

}  // namespace hfserve::server
