// The values a chat template computes with, modelled on the Python objects jinja2 sees when
// transformers renders a template: undefined, None, bool, int, float, str, list, tuple, dict,
// plus objects with attributes (namespace(), loop) and callables (macros, globals, bound
// string/dict methods). Lists and dicts are immutable once built (HF renders in an
// ImmutableSandboxedEnvironment), so a Value is a cheap handle: copying shares the payload.
// Strings are UTF-8; lengths, indices and slices count code points, as Python does.
// A Value is not thread-safe to share while a render mutates a namespace in it; the
// Template that produces them is.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hfserve::chat {

class Value;
class Interpreter;

using List = std::vector<Value>;

// An insertion-ordered mapping (Python dict). Keys are Values; chat data only has string
// keys, so lookups are linear scans over a few entries.
struct Dict {
  std::vector<std::pair<Value, Value>> items;

  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
  // Inserts or replaces, keeping the first insertion's position (Python semantics).
  void set(Value key, Value value);
};

// Positional and keyword arguments of a call, already evaluated.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

// Something with attributes: namespace(), the loop variable, cycler/joiner.
class Object {
 public:
  virtual ~Object() = default;
  // The attribute, or an undefined Value when there is none.
  virtual Value attribute(std::string_view name) const = 0;
  // Assigns an attribute; false when the object refuses (only namespaces accept).
  virtual bool set_attribute(std::string_view name, Value value);
  virtual std::string type_name() const = 0;
  virtual std::string repr() const;
  // Calling the object (a recursive loop's `loop(...)`); by default a type error.
  virtual Value call(Interpreter& interpreter, CallArgs& args);
  // Drops the values the object holds. A render calls it on the objects it made when it
  // ends, to break reference cycles a template can build (`{% set ns.self = ns %}`).
  virtual void release() {}
};

// A callable: builtins, macros, bound methods.
class Callable {
 public:
  virtual ~Callable() = default;
  virtual Value call(Interpreter& interpreter, CallArgs& args) = 0;
  virtual std::string repr() const = 0;
};

enum class Kind : std::uint8_t {
  kUndefined,
  kNone,
  kBool,
  kInt,
  kFloat,
  kString,
  kList,
  kTuple,
  kDict,
  kObject,
  kCallable,
};

class Value {
 public:
  Value() = default;  // undefined, with no hint
  Value(bool b) : kind_(Kind::kBool), int_(b ? 1 : 0) {}
  Value(std::int64_t i) : kind_(Kind::kInt), int_(i) {}
  Value(int i) : kind_(Kind::kInt), int_(i) {}
  Value(double f) : kind_(Kind::kFloat), float_(f) {}
  Value(std::string s);
  Value(std::string_view s) : Value(std::string(s)) {}
  Value(const char* s) : Value(std::string(s)) {}

  static Value none();
  // A markupsafe.Markup string (from |safe or |escape): adding a plain string to it
  // HTML-escapes that string, as Python does.
  static Value markup(std::string s);
  // A one-shot generator (what jinja2's map/select/reject/unique return): iterable, but
  // with no len(), always true, not indexable and not JSON serialisable.
  static Value generator(List items);
  // An undefined value; `hint` is the message jinja2 would give when it is used, e.g.
  // "'foo' is undefined" or "'dict object' has no attribute 'x'". A `security` one stands
  // for an attribute the sandbox refuses (list.append): using it is a security error.
  static Value undefined(std::string hint, bool security = false);
  static Value list(List items);
  static Value tuple(List items);
  static Value dict(Dict dict);
  static Value object(std::shared_ptr<Object> object);
  static Value callable(std::shared_ptr<Callable> callable);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_float() const { return kind_ == Kind::kFloat; }
  // int, float or bool (bool is an int subclass in Python).
  bool is_number() const {
    return kind_ == Kind::kInt || kind_ == Kind::kFloat || kind_ == Kind::kBool;
  }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_markup() const { return kind_ == Kind::kString && int_ != 0; }
  bool is_generator() const { return kind_ == Kind::kList && int_ != 0; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_tuple() const { return kind_ == Kind::kTuple; }
  bool is_sequence() const { return kind_ == Kind::kList || kind_ == Kind::kTuple; }
  bool is_dict() const { return kind_ == Kind::kDict; }
  bool is_object() const { return kind_ == Kind::kObject; }
  bool is_callable() const { return kind_ == Kind::kCallable; }

  bool as_bool() const { return int_ != 0; }
  // The int value of an int or bool.
  std::int64_t as_int() const { return int_; }
  // The value of any number as a double.
  double as_double() const { return kind_ == Kind::kFloat ? float_ : static_cast<double>(int_); }
  const std::string& str() const { return *static_cast<const std::string*>(payload_.get()); }
  const List& items() const { return *static_cast<const List*>(payload_.get()); }
  const Dict& dict() const { return *static_cast<const Dict*>(payload_.get()); }
  Object& object() const { return *static_cast<Object*>(payload_.get()); }
  Callable& callable() const { return *static_cast<Callable*>(payload_.get()); }
  // The hint of an undefined value ("" when none).
  const std::string& undefined_hint() const;
  bool undefined_is_security() const { return kind_ == Kind::kUndefined && int_ != 0; }
  // Identity of the payload, for the `sameas` test.
  const void* identity() const { return payload_.get(); }

 private:
  Kind kind_ = Kind::kUndefined;
  std::int64_t int_ = 0;
  double float_ = 0;
  std::shared_ptr<void> payload_;
};

// Python's type name of a value, as error messages print it ("str", "dict", "NoneType").
std::string type_name(const Value& value);
// Python truthiness (undefined is false).
bool truthy(const Value& value);
// str(value) as jinja2 prints it: undefined prints nothing, None prints "None".
std::string to_str(const Value& value);
void append_str(std::string& out, const Value& value);
// repr(value): what str() of a list or dict shows for its items.
std::string repr(const Value& value);
// Python ==.
bool equals(const Value& a, const Value& b);
// Python <, raising a type error (TemplateError) for unorderable operands.
bool less_than(const Value& a, const Value& b);
// len(value) for strings (code points), sequences and dicts; -1 when it has none.
std::int64_t length_of(const Value& value);

}  // namespace hfserve::chat
