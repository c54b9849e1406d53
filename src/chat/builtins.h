// The builtins a template can reach: jinja2's filters and tests (with Hugging Face's
// tojson), the globals (range, namespace, dict, cycler, joiner, raise_exception,
// strftime_now) and the methods of str, dict and list that the sandbox allows. Methods
// that would mutate a list or dict come back as "unsafe" undefined values, as in
// jinja2's ImmutableSandboxedEnvironment. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/interpreter.h"
#include "chat/value.h"

namespace hfserve::chat {

bool has_filter(std::string_view name);
bool has_test(std::string_view name);
Value run_filter(Interpreter& interpreter, std::string_view name, const Value& subject,
                 CallArgs& args);
bool run_test(Interpreter& interpreter, std::string_view name, const Value& subject,
              CallArgs& args);
// The method `name` of a str, dict or list bound to `object`; undefined when it has none.
std::optional<Value> method_of(const Value& object, std::string_view name);
// A frame holding the global functions.
std::shared_ptr<Frame> make_globals();

// Python-style binding of call arguments to named parameters, with the TypeErrors Python
// raises for too many, unknown or repeated arguments.
class BoundArgs {
 public:
  BoundArgs(const CallArgs& args, std::string_view function,
            std::initializer_list<std::string_view> params);
  // The argument bound to parameter i, if any.
  const std::optional<Value>& operator[](std::size_t i) const { return values_[i]; }
  Value get(std::size_t i, Value fallback) const { return values_[i] ? *values_[i] : fallback; }

 private:
  std::vector<std::optional<Value>> values_;
};

// Argument conversions that raise Python's TypeError wording.
std::int64_t expect_int(const Value& value, std::string_view what);
const std::string& expect_string(const Value& value, std::string_view what);

// json.dumps(value, ensure_ascii, indent, separators, sort_keys) as HF's tojson calls it.
struct JsonOptions {
  bool ensure_ascii = false;
  std::optional<std::string> indent;  // None, or the text of one indent level
  std::optional<std::pair<std::string, std::string>> separators;
  bool sort_keys = false;
};
std::string to_json(const Value& value, const JsonOptions& options);

}  // namespace hfserve::chat
