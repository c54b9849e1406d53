// The Unicode Script property as the Hugging Face tokenizers library's UnicodeScripts
// pre-tokenizer sees it: Unicode 9.0's Scripts.txt, with "Any" (no script) for every code
// point that version does not list. Pure functions and constant tables; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace hfserve::tokenizer::unicode {

// An index into kScriptNames; kAnyScript is the code points without a script.
using ScriptId = std::uint8_t;
inline constexpr ScriptId kAnyScript = 0;

ScriptId script_of(char32_t cp);
// The id of a Scripts.txt name ("Han", "Hiragana"); throws std::out_of_range for a name
// the table does not have.
ScriptId script_named(std::string_view name);

// The generated tables (unicode_scripts_table.cc, from scripts/gen_unicode_scripts.py).
struct ScriptRange {
  char32_t first;
  char32_t last;  // inclusive
  ScriptId script;
};
extern const std::span<const std::string_view> kScriptNames;  // kScriptNames[kAnyScript] == "Any"
extern const std::span<const ScriptRange> kScriptRanges;      // sorted, disjoint

}  // namespace hfserve::tokenizer::unicode
