// KServe's V1 inference protocol for the encoder tasks: POST /v1/models/<name>:predict
// with {"instances": [text, ...]} (or "inputs", as KServe also reads) answered
// {"predictions": [...]} shaped as KServe's Hugging Face server shapes them
// (get_predict_response of its postprocess): an index per text, or per text an object of
// label index → score (Python dict keys, so JSON string keys "0", "1", ...); token
// classification nests each text's indices once more ([[i, ...]]) and adds the
// offset_mapping tensor as "outputs" when asked; fill-mask gives the decoded token, or per
// mask a list of one-entry objects {"<token id>": score} (probabilities as 4-decimal
// strings, as KServe formats them). Requests are read with every field checked (a
// ParamError names it). Stateless; thread-safe.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/kserve_task.h"

namespace hfserve::server {

// The texts of a V1 body. Throws ParamError for a body that is not an object, instances
// that are not a non-empty array of strings.
std::vector<std::string> parse_v1_request(const nlohmann::ordered_json& body);

// {"predictions": [...]} (and "outputs" for offsets) for a task's result.
nlohmann::ordered_json v1_response(const TaskResult& result);

}  // namespace hfserve::server
