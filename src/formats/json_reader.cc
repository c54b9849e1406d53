#include "formats/json_reader.h"

#include <set>
#include <string>
#include <vector>

#include "util/error.h"

namespace hfserve::formats {

nlohmann::json parse_json_strict(std::string_view text, std::string_view source) {
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  auto callback = [&](int /*depth*/, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (event == Event::object_start) {
      open_objects.emplace_back();
    } else if (event == Event::object_end) {
      if (!open_objects.empty()) open_objects.pop_back();
    } else if (event == Event::key && !open_objects.empty() && duplicate.empty()) {
      std::string key = parsed.get<std::string>();
      if (!open_objects.back().insert(key).second) duplicate = std::move(key);
    }
    return true;
  };
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(text.begin(), text.end(), callback);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kInvalidArgument, std::string(source) + ": invalid JSON: " + e.what());
  }
  if (!duplicate.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string(source) + ": key '" + duplicate + "' appears twice in one object");
  }
  return value;
}

}  // namespace hfserve::formats
