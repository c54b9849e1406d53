// The methods of str, dict, list and tuple that templates call (`content.strip()`,
// `message.get('x')`, ...). Mutating methods of lists and dicts are refused the way
// jinja2's ImmutableSandboxedEnvironment refuses them: the attribute is an undefined value
// whose use raises a security error.
#include <algorithm>
#include <array>

#include "chat/builtins.h"
#include "chat/python_text.h"
#include "chat/template_error.h"
#include "util/utf8.h"

namespace hfserve::chat {
namespace {

[[noreturn]] void type_error(const std::string& message) {
  throw TemplateError(TemplateErrorKind::kType, message);
}

constexpr std::array<std::string_view, 34> kStringMethods = {
    "capitalize",   "casefold",     "center",     "count",     "endswith", "find",    "format",
    "index",        "isalnum",      "isalpha",    "isdecimal", "isdigit",  "islower", "isnumeric",
    "isspace",      "istitle",      "isupper",    "join",      "ljust",    "lower",   "lstrip",
    "removeprefix", "removesuffix", "replace",    "rfind",     "rjust",    "rsplit",  "rstrip",
    "split",        "splitlines",   "startswith", "strip",     "title",    "upper"};
constexpr std::array<std::string_view, 5> kDictMethods = {"copy", "get", "items", "keys", "values"};
constexpr std::array<std::string_view, 5> kDictUnsafe = {"clear", "pop", "popitem", "setdefault",
                                                         "update"};
constexpr std::array<std::string_view, 3> kListMethods = {"copy", "count", "index"};
constexpr std::array<std::string_view, 8> kListUnsafe = {"append", "clear",  "extend",  "insert",
                                                         "pop",    "remove", "reverse", "sort"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::optional<std::string> optional_string(const std::optional<Value>& v, const char* what) {
  if (!v || v->is_none()) return std::nullopt;
  return expect_string(*v, what);
}

// True when text starts (or ends) with the prefix, or any prefix of a tuple.
bool affix_matches(const std::string& text, const Value& affix, bool at_end, const char* method) {
  List options = affix.is_tuple() ? affix.items() : List{affix};
  for (const Value& option : options) {
    if (!option.is_string()) {
      type_error(std::string(method) + " first arg must be str or a tuple of str, not " +
                 type_name(option));
    }
    const std::string& s = option.str();
    if (s.size() > text.size()) continue;
    if (at_end ? text.compare(text.size() - s.size(), s.size(), s) == 0
               : text.compare(0, s.size(), s) == 0) {
      return true;
    }
  }
  return false;
}

bool all_code_points(const std::string& text, bool (*predicate)(char32_t)) {
  if (text.empty()) return false;
  std::u32string cps = python::decode(text);
  return std::all_of(cps.begin(), cps.end(), predicate);
}

Value pad(const std::string& text, const std::optional<Value>& width_v,
          const std::optional<Value>& fill_v, int where) {
  std::int64_t width = expect_int(width_v ? *width_v : Value(), "width");
  std::string fill = fill_v ? expect_string(*fill_v, "fill character") : std::string(" ");
  if (utf8::count_code_points(fill) != 1) {
    type_error("The fill character must be exactly one character long");
  }
  auto length = static_cast<std::int64_t>(utf8::count_code_points(text));
  if (width <= length) return Value(text);
  std::int64_t total = width - length;
  std::int64_t left = where < 0 ? 0 : where > 0 ? total : total / 2 + (total & width & 1);
  std::string out;
  for (std::int64_t i = 0; i < left; ++i) out += fill;
  out += text;
  for (std::int64_t i = left; i < total; ++i) out += fill;
  return Value(std::move(out));
}

// str.format with {} / {0} / {name} fields (no format specs beyond an empty one).
Value string_format(const std::string& format, CallArgs& args) {
  std::string out;
  std::size_t auto_index = 0;
  for (std::size_t i = 0; i < format.size(); ++i) {
    char c = format[i];
    if (c == '{' && i + 1 < format.size() && format[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    if (c == '}' && i + 1 < format.size() && format[i + 1] == '}') {
      out += '}';
      ++i;
      continue;
    }
    if (c == '}') type_error("Single '}' encountered in format string");
    if (c != '{') {
      out += c;
      continue;
    }
    std::size_t close = format.find('}', i);
    if (close == std::string::npos) type_error("Single '{' encountered in format string");
    std::string field = format.substr(i + 1, close - i - 1);
    if (field.find_first_of(":!") != std::string::npos) {
      type_error("format specifications are not supported in templates by hfserve");
    }
    Value value;
    if (field.empty()) {
      if (auto_index >= args.positional.size()) {
        type_error("Replacement index " + std::to_string(auto_index) +
                   " out of range for positional args tuple");
      }
      value = args.positional[auto_index++];
    } else if (std::all_of(field.begin(), field.end(),
                           [](char d) { return d >= '0' && d <= '9'; })) {
      std::size_t index = std::stoul(field);
      if (index >= args.positional.size()) {
        type_error("Replacement index " + field + " out of range for positional args tuple");
      }
      value = args.positional[index];
    } else {
      auto it = std::find_if(args.keyword.begin(), args.keyword.end(),
                             [&](const auto& kv) { return kv.first == field; });
      if (it == args.keyword.end()) type_error("'" + field + "'");
      value = it->second;
    }
    append_str(out, value);
    i = close;
  }
  return Value(std::move(out));
}

Value call_string_method(const std::string& text, std::string_view name, CallArgs& args) {
  std::string fn = "str." + std::string(name);
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    BoundArgs a(args, fn, {"chars"});
    auto side = name == "strip"    ? python::StripSide::kBoth
                : name == "lstrip" ? python::StripSide::kLeft
                                   : python::StripSide::kRight;
    return Value(python::strip(text, side, optional_string(a[0], "chars")));
  }
  if (name == "split" || name == "rsplit") {
    BoundArgs a(args, fn, {"sep", "maxsplit"});
    std::optional<std::string> sep = optional_string(a[0], "sep");
    if (sep && sep->empty()) type_error("empty separator");
    std::int64_t maxsplit = expect_int(a.get(1, Value(-1)), "maxsplit");
    List out;
    for (std::string& part : name == "split" ? python::split(text, sep, maxsplit)
                                             : python::rsplit(text, sep, maxsplit)) {
      out.emplace_back(std::move(part));
    }
    return Value::list(std::move(out));
  }
  if (name == "splitlines") {
    BoundArgs a(args, fn, {"keepends"});
    bool keepends = truthy(a.get(0, Value(false)));
    List out;
    std::string line;
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t start = pos;
      char32_t cp = utf8::decode(text, pos);
      bool boundary = cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' || cp == 0x1C ||
                      cp == 0x1D || cp == 0x1E || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
      if (!boundary) {
        line.append(text, start, pos - start);
        continue;
      }
      if (cp == '\r' && pos < text.size() && text[pos] == '\n') ++pos;
      if (keepends) line.append(text, start, pos - start);
      out.emplace_back(std::move(line));
      line.clear();
    }
    if (!line.empty()) out.emplace_back(std::move(line));
    return Value::list(std::move(out));
  }
  if (name == "startswith" || name == "endswith") {
    BoundArgs a(args, fn, {"prefix"});
    if (!a[0]) type_error(fn + "() takes at least 1 argument (0 given)");
    return Value(affix_matches(text, *a[0], name == "endswith", fn.c_str()));
  }
  if (name == "upper" || name == "lower" || name == "casefold") {
    BoundArgs(args, fn, {});
    if (name == "upper") return Value(python::upper(text));
    return Value(name == "lower" ? python::lower(text) : python::casefold(text));
  }
  if (name == "title") {
    BoundArgs(args, fn, {});
    return Value(python::title(text));
  }
  if (name == "capitalize") {
    BoundArgs(args, fn, {});
    return Value(python::capitalize(text));
  }
  if (name == "replace") {
    BoundArgs a(args, fn, {"old", "new", "count"});
    if (!a[0] || !a[1]) type_error("replace expected at least 2 arguments");
    return Value(python::replace(text, expect_string(*a[0], "old"), expect_string(*a[1], "new"),
                                 expect_int(a.get(2, Value(-1)), "count")));
  }
  if (name == "find" || name == "rfind" || name == "index") {
    BoundArgs a(args, fn, {"sub"});
    std::int64_t at = python::find(text, expect_string(a.get(0, Value()), "sub"), name == "rfind");
    if (at < 0 && name == "index") type_error("substring not found");
    return Value(at);
  }
  if (name == "count") {
    BoundArgs a(args, fn, {"sub"});
    return Value(python::count(text, expect_string(a.get(0, Value()), "sub")));
  }
  if (name == "join") {
    BoundArgs a(args, fn, {"iterable"});
    std::string out;
    List items = iterate(a.get(0, Value()));
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += text;
      if (!items[i].is_string()) {
        type_error("sequence item " + std::to_string(i) + ": expected str instance, " +
                   type_name(items[i]) + " found");
      }
      out += items[i].str();
    }
    return Value(std::move(out));
  }
  if (name == "format") return string_format(text, args);
  if (name == "removeprefix" || name == "removesuffix") {
    BoundArgs a(args, fn, {"affix"});
    const std::string& affix = expect_string(a.get(0, Value()), "affix");
    if (name == "removeprefix" && text.compare(0, affix.size(), affix) == 0) {
      return Value(text.substr(affix.size()));
    }
    if (name == "removesuffix" && !affix.empty() && text.size() >= affix.size() &&
        text.compare(text.size() - affix.size(), affix.size(), affix) == 0) {
      return Value(text.substr(0, text.size() - affix.size()));
    }
    return Value(text);
  }
  if (name == "center" || name == "ljust" || name == "rjust") {
    BoundArgs a(args, fn, {"width", "fillchar"});
    return pad(text, a[0], a[1], name == "ljust" ? -1 : name == "rjust" ? 1 : 0);
  }
  BoundArgs(args, fn, {});
  if (name == "isdigit" || name == "isdecimal" || name == "isnumeric") {
    return Value(all_code_points(text, [](char32_t c) { return c >= '0' && c <= '9'; }));
  }
  if (name == "isalpha") {
    return Value(all_code_points(text, [](char32_t c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0xC0;
    }));
  }
  if (name == "isalnum") {
    return Value(all_code_points(text, [](char32_t c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c >= 0xC0;
    }));
  }
  if (name == "isspace") return Value(all_code_points(text, python::is_space));
  if (name == "islower") return Value(python::is_lower(text));
  if (name == "isupper") return Value(python::is_upper(text));
  if (name == "istitle") return Value(python::is_title(text));
  type_error("'str' object has no attribute '" + std::string(name) + "'");
}

Value call_dict_method(const Value& self, std::string_view name, CallArgs& args) {
  const Dict& dict = self.dict();
  std::string fn = "dict." + std::string(name);
  if (name == "get") {
    BoundArgs a(args, fn, {"key", "default"});
    if (!a[0]) type_error("get expected at least 1 argument, got 0");
    if (const Value* value = dict.find(*a[0])) return *value;
    return a.get(1, Value::none());
  }
  BoundArgs(args, fn, {});
  if (name == "copy") return self;
  List out;
  for (const auto& [key, value] : dict.items) {
    if (name == "items") {
      out.push_back(Value::tuple({key, value}));
    } else {
      out.push_back(name == "keys" ? key : value);
    }
  }
  return Value::list(std::move(out));
}

Value call_list_method(const Value& self, std::string_view name, CallArgs& args) {
  std::string fn = type_name(self) + "." + std::string(name);
  if (name == "copy") {
    BoundArgs(args, fn, {});
    return self;
  }
  BoundArgs a(args, fn, {"value"});
  Value needle = a.get(0, Value());
  const List& items = self.items();
  if (name == "count") {
    return Value(static_cast<std::int64_t>(std::count_if(
        items.begin(), items.end(), [&](const Value& v) { return equals(v, needle); })));
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (equals(items[i], needle)) return Value(static_cast<std::int64_t>(i));
  }
  type_error(repr(needle) + " is not in list");
}

class BoundMethod : public Callable {
 public:
  BoundMethod(Value self, std::string name) : self_(std::move(self)), name_(std::move(name)) {}
  Value call(Interpreter&, CallArgs& args) override {
    if (self_.is_string()) return call_string_method(self_.str(), name_, args);
    if (self_.is_dict()) return call_dict_method(self_, name_, args);
    return call_list_method(self_, name_, args);
  }
  std::string repr() const override {
    return "<built-in method " + name_ + " of " + type_name(self_) + " object>";
  }

 private:
  Value self_;
  std::string name_;
};

Value bind(const Value& object, std::string_view name) {
  return Value::callable(std::make_shared<BoundMethod>(object, std::string(name)));
}

Value unsafe(const Value& object, std::string_view name) {
  return Value::undefined("access to attribute '" + std::string(name) + "' of '" +
                              type_name(object) + "' object is unsafe.",
                          true);
}

}  // namespace

std::optional<Value> method_of(const Value& object, std::string_view name) {
  switch (object.kind()) {
    case Kind::kString:
      if (contains(kStringMethods, name)) return bind(object, name);
      break;
    case Kind::kDict:
      if (contains(kDictMethods, name)) return bind(object, name);
      if (contains(kDictUnsafe, name)) return unsafe(object, name);
      break;
    case Kind::kList:
      if (contains(kListMethods, name)) return bind(object, name);
      if (contains(kListUnsafe, name)) return unsafe(object, name);
      break;
    case Kind::kTuple:
      if (name == "count" || name == "index") return bind(object, name);
      break;
    default:
      break;
  }
  return std::nullopt;
}

}  // namespace hfserve::chat
