#include "tokenizer/unicode_scripts.h"

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <string>

namespace hfserve::tokenizer::unicode {

ScriptId script_of(char32_t cp) {
  auto it =
      std::upper_bound(kScriptRanges.begin(), kScriptRanges.end(), cp,
                       [](char32_t key, const ScriptRange& range) { return key < range.first; });
  if (it == kScriptRanges.begin() || cp > std::prev(it)->last) return kAnyScript;
  return std::prev(it)->script;
}

ScriptId script_named(std::string_view name) {
  auto it = std::find(kScriptNames.begin(), kScriptNames.end(), name);
  if (it == kScriptNames.end()) throw std::out_of_range("no Unicode script " + std::string(name));
  return static_cast<ScriptId>(it - kScriptNames.begin());
}

}  // namespace hfserve::tokenizer::unicode
