// Fuzz target for hub/'s parsers of untrusted text: model references, revisions and file
// names (model_ref.h) and the Hub's revision API answer (hub_api.h). Any input must end
// in a value or an hfserve::Error, never a crash, a hang or another exception.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "hub/hub_api.h"
#include "hub/model_ref.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const hfserve::hub::ModelRef ref = hfserve::hub::parse_model_ref(text);
    // What parses must print back to itself.
    if (ref.kind == hfserve::hub::ModelRefKind::kHub) {
      const hfserve::hub::ModelRef again = hfserve::hub::parse_model_ref(ref.to_string());
      HFSERVE_CHECK(again.repo_id == ref.repo_id && again.revision == ref.revision &&
                    again.quant == ref.quant);
    }
  } catch (const hfserve::Error&) {
  }
  try {
    hfserve::hub::check_repo_file_path(text);
    // An accepted path never has a ".." segment or a leading '/'.
    HFSERVE_CHECK(text.front() != '/' && text != ".." && !text.starts_with("../") &&
                  text.find("/../") == std::string_view::npos && !text.ends_with("/.."));
  } catch (const hfserve::Error&) {
  }
  try {
    hfserve::hub::parse_revision_info(text, "org/name");
  } catch (const hfserve::Error&) {
  }
  return 0;
}
