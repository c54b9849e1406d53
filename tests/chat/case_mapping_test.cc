// Python's str case methods over every code point, against what case_reference.py records
// Python doing (the file comes in through HFSERVE_CASE_REFERENCE; ctest writes it first, as
// a fixture): upper/lower/title/casefold of each code point alone, which characters count
// as cased for title case, which ones the final-sigma rule of lower skips, and
// islower/isupper/istitle of each code point alone.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <vector>

#include "chat/model_template.h"
#include "chat/python_text.h"
#include "util/utf8.h"

namespace hfserve::chat {
namespace {

using Json = nlohmann::ordered_json;

const Json& reference() {
  static const Json data = [] {
    const char* path = std::getenv("HFSERVE_CASE_REFERENCE");
    if (path == nullptr) throw std::runtime_error("HFSERVE_CASE_REFERENCE is not set");
    return read_json_file(path);
  }();
  return data;
}

bool is_surrogate(char32_t cp) { return cp >= 0xD800 && cp <= 0xDFFF; }

// The code points the ranges [[first, last], ...] hold, as a lookup over all of Unicode.
std::vector<bool> in_ranges(const Json& ranges) {
  std::vector<bool> set(0x110000, false);
  for (const Json& range : ranges) {
    for (auto cp = range[0].get<std::uint32_t>(); cp <= range[1].get<std::uint32_t>(); ++cp)
      set[cp] = true;
  }
  return set;
}

// Reports at most this many mismatches per test, then counts the rest.
constexpr int kShown = 20;

TEST(CaseMapping, EveryCodePointAloneMapsAsInPython) {
  std::map<char32_t, Json> mappings;
  for (const auto& [key, forms] : reference()["mappings"].items())
    mappings[static_cast<char32_t>(std::stoul(key))] = forms;
  ASSERT_GT(mappings.size(), 2000u);
  int mismatches = 0;
  for (char32_t cp = 0; cp < 0x110000; ++cp) {
    if (is_surrogate(cp)) continue;
    std::string text = utf8::encode(cp);
    std::string ours[] = {python::upper(text), python::lower(text), python::title(text),
                          python::casefold(text)};
    auto it = mappings.find(cp);
    for (int form = 0; form < 4; ++form) {
      std::string want = it == mappings.end() ? text : it->second[form].get<std::string>();
      if (ours[form] == want) continue;
      if (++mismatches <= kShown) {
        ADD_FAILURE() << "U+" << std::hex << static_cast<std::uint32_t>(cp) << " form " << form
                      << " (upper, lower, title, casefold): want " << Json(want).dump() << ", got "
                      << Json(ours[form]).dump();
      }
    }
  }
  EXPECT_EQ(mismatches, 0) << "Python " << reference()["python"].get<std::string>() << ", Unicode "
                           << reference()["unicode"].get<std::string>();
}

TEST(CaseMapping, CasedAndCaseIgnorableAsPythonObservesThem) {
  std::vector<bool> cased = in_ranges(reference()["cased"]);
  std::vector<bool> sigma_skips = in_ranges(reference()["sigma_skips"]);
  int mismatches = 0;
  for (char32_t cp = 0; cp < 0x110000; ++cp) {
    if (is_surrogate(cp)) continue;
    std::string c = utf8::encode(cp);
    bool our_cased = python::title("a" + c + "b").ends_with("b");
    bool our_skip = python::lower("A" + c + "\u03a3").ends_with("\u03c2");
    if (our_cased == cased[cp] && our_skip == sigma_skips[cp]) continue;
    if (++mismatches <= kShown) {
      ADD_FAILURE() << "U+" << std::hex << static_cast<std::uint32_t>(cp) << ": cased " << our_cased
                    << " (Python " << cased[cp] << "), final sigma after it " << our_skip
                    << " (Python " << sigma_skips[cp] << ")";
    }
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(CaseMapping, IsLowerIsUpperIsTitleOfEveryCodePoint) {
  std::vector<bool> lower = in_ranges(reference()["islower"]);
  std::vector<bool> upper = in_ranges(reference()["isupper"]);
  std::vector<bool> title = in_ranges(reference()["istitle"]);
  int mismatches = 0;
  for (char32_t cp = 0; cp < 0x110000; ++cp) {
    if (is_surrogate(cp)) continue;
    std::string c = utf8::encode(cp);
    bool ours[] = {python::is_lower(c), python::is_upper(c), python::is_title(c)};
    if (ours[0] == lower[cp] && ours[1] == upper[cp] && ours[2] == title[cp]) continue;
    if (++mismatches <= kShown) {
      ADD_FAILURE() << "U+" << std::hex << static_cast<std::uint32_t>(cp)
                    << ": islower/isupper/istitle " << ours[0] << ours[1] << ours[2] << " (Python "
                    << lower[cp] << upper[cp] << title[cp] << ")";
    }
  }
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace hfserve::chat
