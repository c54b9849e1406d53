#include "chat/value.h"

#include "chat/python_text.h"
#include "chat/template_error.h"
#include "util/utf8.h"

namespace hfserve::chat {
namespace {

bool number_equals(const Value& a, const Value& b) {
  if (a.is_float() || b.is_float()) return a.as_double() == b.as_double();
  return a.as_int() == b.as_int();
}

void append_repr(std::string& out, const Value& value) {
  switch (value.kind()) {
    case Kind::kString:
      out += python::string_repr(value.str());
      return;
    case Kind::kUndefined:
      out += "Undefined";
      return;
    case Kind::kList:
    case Kind::kTuple: {
      if (value.is_generator()) {
        out += "<generator object>";
        return;
      }
      bool tuple = value.is_tuple();
      out += tuple ? '(' : '[';
      const List& items = value.items();
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += ", ";
        append_repr(out, items[i]);
      }
      if (tuple && items.size() == 1) out += ',';
      out += tuple ? ')' : ']';
      return;
    }
    case Kind::kDict: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : value.dict().items) {
        if (!first) out += ", ";
        first = false;
        append_repr(out, key);
        out += ": ";
        append_repr(out, item);
      }
      out += '}';
      return;
    }
    default:
      append_str(out, value);
  }
}

}  // namespace

const Value* Dict::find(const Value& key) const {
  if (key.is_string()) return find(std::string_view(key.str()));
  for (const auto& [k, v] : items) {
    if (equals(k, key)) return &v;
  }
  return nullptr;
}

const Value* Dict::find(std::string_view key) const {
  for (const auto& [k, v] : items) {
    if (k.is_string() && k.str() == key) return &v;
  }
  return nullptr;
}

void Dict::set(Value key, Value value) {
  for (auto& [k, v] : items) {
    if (equals(k, key)) {
      v = std::move(value);
      return;
    }
  }
  items.emplace_back(std::move(key), std::move(value));
}

bool Object::set_attribute(std::string_view, Value) { return false; }

std::string Object::repr() const { return "<" + type_name() + " object>"; }

Value Object::call(Interpreter&, CallArgs&) {
  throw TemplateError(TemplateErrorKind::kType, "'" + type_name() + "' object is not callable");
}

Value::Value(std::string s)
    : kind_(Kind::kString), payload_(std::make_shared<std::string>(std::move(s))) {}

Value Value::none() {
  Value v;
  v.kind_ = Kind::kNone;
  return v;
}

Value Value::markup(std::string s) {
  Value v(std::move(s));
  v.int_ = 1;
  return v;
}

Value Value::generator(List items) {
  Value v = list(std::move(items));
  v.int_ = 1;
  return v;
}

Value Value::undefined(std::string hint, bool security) {
  Value v;
  v.int_ = security ? 1 : 0;
  v.payload_ = std::make_shared<std::string>(std::move(hint));
  return v;
}

Value Value::list(List items) {
  Value v;
  v.kind_ = Kind::kList;
  v.payload_ = std::make_shared<List>(std::move(items));
  return v;
}

Value Value::tuple(List items) {
  Value v = list(std::move(items));
  v.kind_ = Kind::kTuple;
  return v;
}

Value Value::dict(Dict dict) {
  Value v;
  v.kind_ = Kind::kDict;
  v.payload_ = std::make_shared<Dict>(std::move(dict));
  return v;
}

Value Value::object(std::shared_ptr<Object> object) {
  Value v;
  v.kind_ = Kind::kObject;
  v.payload_ = std::move(object);
  return v;
}

Value Value::callable(std::shared_ptr<Callable> callable) {
  Value v;
  v.kind_ = Kind::kCallable;
  v.payload_ = std::move(callable);
  return v;
}

const std::string& Value::undefined_hint() const {
  static const std::string kEmpty;
  return payload_ ? str() : kEmpty;
}

std::string type_name(const Value& value) {
  switch (value.kind()) {
    case Kind::kUndefined:
      return "Undefined";
    case Kind::kNone:
      return "NoneType";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kString:
      return "str";
    case Kind::kList:
      return value.is_generator() ? "generator" : "list";
    case Kind::kTuple:
      return "tuple";
    case Kind::kDict:
      return "dict";
    case Kind::kObject:
      return value.object().type_name();
    case Kind::kCallable:
      return "function";
  }
  return "object";
}

bool truthy(const Value& value) {
  switch (value.kind()) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kBool:
    case Kind::kInt:
      return value.as_int() != 0;
    case Kind::kFloat:
      return value.as_double() != 0.0;
    case Kind::kString:
      return !value.str().empty();
    case Kind::kList:
    case Kind::kTuple:
      return value.is_generator() || !value.items().empty();
    case Kind::kDict:
      return !value.dict().items.empty();
    case Kind::kObject:
    case Kind::kCallable:
      return true;
  }
  return false;
}

void append_str(std::string& out, const Value& value) {
  switch (value.kind()) {
    case Kind::kUndefined:
      return;
    case Kind::kNone:
      out += "None";
      return;
    case Kind::kBool:
      out += value.as_bool() ? "True" : "False";
      return;
    case Kind::kInt:
      out += std::to_string(value.as_int());
      return;
    case Kind::kFloat:
      out += python::format_float(value.as_double());
      return;
    case Kind::kString:
      out += value.str();
      return;
    case Kind::kObject:
      out += value.object().repr();
      return;
    case Kind::kCallable:
      out += value.callable().repr();
      return;
    default:
      append_repr(out, value);
  }
}

std::string to_str(const Value& value) {
  if (value.is_string()) return value.str();
  std::string out;
  append_str(out, value);
  return out;
}

std::string repr(const Value& value) {
  std::string out;
  append_repr(out, value);
  return out;
}

bool equals(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return number_equals(a, b);
  if (a.kind() != b.kind()) return false;
  if (a.is_generator() || b.is_generator()) return a.identity() == b.identity();
  switch (a.kind()) {
    case Kind::kUndefined:
    case Kind::kNone:
      return true;
    case Kind::kString:
      return a.str() == b.str();
    case Kind::kList:
    case Kind::kTuple: {
      const List& x = a.items();
      const List& y = b.items();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (!equals(x[i], y[i])) return false;
      }
      return true;
    }
    case Kind::kDict: {
      const Dict& x = a.dict();
      const Dict& y = b.dict();
      if (x.items.size() != y.items.size()) return false;
      for (const auto& [key, item] : x.items) {
        const Value* other = y.find(key);
        if (other == nullptr || !equals(item, *other)) return false;
      }
      return true;
    }
    default:
      return a.identity() == b.identity();
  }
}

bool less_than(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_double() < b.as_double();
    return a.as_int() < b.as_int();
  }
  if (a.is_string() && b.is_string()) return a.str() < b.str();
  if (a.kind() == b.kind() && a.is_sequence()) {
    const List& x = a.items();
    const List& y = b.items();
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!equals(x[i], y[i])) return less_than(x[i], y[i]);
    }
    return x.size() < y.size();
  }
  throw TemplateError(TemplateErrorKind::kType, "'<' not supported between instances of '" +
                                                    type_name(a) + "' and '" + type_name(b) + "'");
}

std::int64_t length_of(const Value& value) {
  switch (value.kind()) {
    case Kind::kString:
      return static_cast<std::int64_t>(utf8::count_code_points(value.str()));
    case Kind::kList:
    case Kind::kTuple:
      return value.is_generator() ? -1 : static_cast<std::int64_t>(value.items().size());
    case Kind::kDict:
      return static_cast<std::int64_t>(value.dict().items.size());
    case Kind::kUndefined:
      return 0;
    default:
      return -1;
  }
}

}  // namespace hfserve::chat
