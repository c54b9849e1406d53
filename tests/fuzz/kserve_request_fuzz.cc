// libFuzzer target: the bodies of KServe's V1 predict and V2 infer on arbitrary JSON. Any
// input must give a request or throw hfserve::Error (a ParamError naming the field).
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "server/kserve_v1.h"
#include "server/kserve_v2.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const nlohmann::ordered_json body = nlohmann::ordered_json::parse(text, nullptr, false);
  if (body.is_discarded()) return 0;
  try {
    hfserve::server::parse_v1_request(body);
  } catch (const hfserve::Error&) {
  }
  try {
    hfserve::server::parse_v2_request(body);
  } catch (const hfserve::Error&) {
  }
  return 0;
}
