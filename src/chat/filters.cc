// jinja2's builtin filters (the ones chat templates use), with Hugging Face's tojson.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <unordered_map>

#include "chat/builtins.h"
#include "chat/python_text.h"
#include "chat/template_error.h"
#include "util/utf8.h"

namespace hfserve::chat {
namespace {

using FilterFn = Value (*)(Interpreter&, const Value&, CallArgs&);

[[noreturn]] void type_error(const std::string& message) {
  throw TemplateError(TemplateErrorKind::kType, message);
}

// jinja2's make_attrgetter: "a.b.0" walks items/attributes; `fallback` replaces undefined.
std::function<Value(const Value&)> attribute_getter(Interpreter& in, const Value& attribute,
                                                    std::optional<Value> fallback = std::nullopt) {
  std::vector<Value> parts;
  if (attribute.is_string()) {
    for (const std::string& part : python::split(attribute.str(), std::string("."), -1)) {
      bool digits = !part.empty() && std::all_of(part.begin(), part.end(),
                                                 [](char c) { return c >= '0' && c <= '9'; });
      parts.push_back(
          digits ? Value(static_cast<std::int64_t>(std::strtoll(part.c_str(), nullptr, 10)))
                 : Value(part));
    }
  } else {
    parts.push_back(attribute);
  }
  return [&in, parts, fallback](const Value& item) {
    Value current = item;
    for (const Value& part : parts) {
      current = in.get_item(current, part);
      if (fallback && current.is_undefined()) current = *fallback;
    }
    return current;
  };
}

Value lower_if_string(const Value& v, bool case_sensitive) {
  return !case_sensitive && v.is_string() ? Value(python::lower(v.str())) : v;
}

Value f_abs(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs(args, "abs", {});
  if (v.is_float()) return Value(std::fabs(v.as_double()));
  if (v.is_number()) {
    if (v.as_int() == INT64_MIN) throw TemplateError(TemplateErrorKind::kLimit, "integer overflow");
    return Value(v.as_int() < 0 ? -v.as_int() : v.as_int());
  }
  if (v.is_undefined()) raise_undefined(v);
  type_error("bad operand type for abs(): '" + type_name(v) + "'");
}

Value f_attr(Interpreter& in, const Value& v, CallArgs& args) {
  BoundArgs a(args, "attr", {"name"});
  return in.get_attribute(v, expect_string(a.get(0, Value()), "attribute name"));
}

Value f_batch(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs a(args, "batch", {"linecount", "fill_with"});
  std::int64_t count = expect_int(a.get(0, Value()), "linecount");
  if (count <= 0) type_error("batch size must be positive");
  List out;
  List current;
  for (const Value& item : iterate(v)) {
    current.push_back(item);
    if (static_cast<std::int64_t>(current.size()) == count) {
      out.push_back(Value::list(std::move(current)));
      current.clear();
    }
  }
  if (!current.empty()) {
    if (a[1]) {
      while (static_cast<std::int64_t>(current.size()) < count) current.push_back(*a[1]);
    }
    out.push_back(Value::list(std::move(current)));
  }
  return Value::list(std::move(out));
}

Value f_capitalize(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs(args, "capitalize", {});
  return Value(python::capitalize(to_str(v)));
}

Value f_center(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs a(args, "center", {"width"});
  std::string text = to_str(v);
  std::int64_t width = expect_int(a.get(0, Value(80)), "width");
  auto length = static_cast<std::int64_t>(utf8::count_code_points(text));
  if (width <= length) return Value(text);
  std::int64_t total = width - length;
  std::int64_t left = total / 2 + (total & width & 1);
  return Value(std::string(static_cast<std::size_t>(left), ' ') + text +
               std::string(static_cast<std::size_t>(total - left), ' '));
}

Value f_default(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs a(args, "default", {"default_value", "boolean"});
  bool boolean = truthy(a.get(1, Value(false)));
  if (v.is_undefined() || (boolean && !truthy(v))) return a.get(0, Value(""));
  return v;
}

Value f_dictsort(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs a(args, "dictsort", {"case_sensitive", "by", "reverse"});
  bool case_sensitive = truthy(a.get(0, Value(false)));
  std::string by = to_str(a.get(1, Value("key")));
  bool reverse = truthy(a.get(2, Value(false)));
  if (!v.is_dict()) type_error("You can only sort by either \"key\" or \"value\" of a dict");
  if (by != "key" && by != "value") type_error("You can only sort by either \"key\" or \"value\"");
  std::size_t pos = by == "key" ? 0 : 1;
  List items;
  for (const auto& [key, value] : v.dict().items) items.push_back(Value::tuple({key, value}));
  std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
    Value kx = lower_if_string(x.items()[pos], case_sensitive);
    Value ky = lower_if_string(y.items()[pos], case_sensitive);
    return reverse ? less_than(ky, kx) : less_than(kx, ky);
  });
  return Value::list(std::move(items));
}

Value f_escape(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs(args, "escape", {});
  return Value::markup(markup_text(v));
}

Value f_first(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs(args, "first", {});
  List items = iterate(v);
  if (items.empty()) return Value::undefined("No first item, sequence was empty.");
  return items.front();
}

Value f_last(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs(args, "last", {});
  if (v.is_undefined()) raise_undefined(v);
  if (v.is_generator()) type_error("'generator' object is not reversible");
  List items = iterate(v);
  if (items.empty()) return Value::undefined("No last item, sequence was empty.");
  return items.back();
}

std::optional<double> parse_python_float(const std::string& raw) {
  std::string text = python::strip(raw, python::StripSide::kBoth);
  std::erase(text, '_');
  if (text.empty()) return std::nullopt;
  std::string lowered = python::lower(text);
  std::string body = lowered[0] == '+' || lowered[0] == '-' ? lowered.substr(1) : lowered;
  double sign = lowered[0] == '-' ? -1.0 : 1.0;
  if (body == "inf" || body == "infinity") return sign * INFINITY;
  if (body == "nan") return NAN;
  if (body.find_first_not_of("0123456789.e+-") != std::string::npos) return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return value;
}

Value f_float(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs a(args, "float", {"default"});
  if (v.is_number()) return Value(v.as_double());
  if (v.is_string()) {
    if (auto parsed = parse_python_float(v.str())) return Value(*parsed);
  }
  return a.get(0, Value(0.0));
}

Value f_int(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs a(args, "int", {"default", "base"});
  Value fallback = a.get(0, Value(0));
  std::int64_t base = expect_int(a.get(1, Value(10)), "base");
  if (v.is_int() || v.is_bool()) return Value(v.as_int());
  if (v.is_float()) {
    double d = v.as_double();
    if (!std::isfinite(d) || std::fabs(d) >= 9.2e18) return fallback;
    return Value(static_cast<std::int64_t>(d));
  }
  if (!v.is_string()) return fallback;
  std::string text = python::strip(v.str(), python::StripSide::kBoth);
  std::erase(text, '_');
  if (!text.empty() && base >= 2 && base <= 36) {
    char* end = nullptr;
    errno = 0;
    long long parsed = std::strtoll(text.c_str(), &end, static_cast<int>(base));
    bool digits_only = text.find_first_of(" \t\n") == std::string::npos && text[0] != ' ';
    if (errno == 0 && digits_only && end == text.c_str() + text.size() && end != text.c_str() &&
        !(text.size() > 1 && (text[1] == 'x' || text[1] == 'X') && base == 10)) {
      return Value(static_cast<std::int64_t>(parsed));
    }
  }
  if (auto parsed = parse_python_float(v.str())) {
    if (std::isfinite(*parsed) && std::fabs(*parsed) < 9.2e18) {
      return Value(static_cast<std::int64_t>(*parsed));
    }
  }
  return fallback;
}

Value f_indent(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs a(args, "indent", {"width", "first", "blank"});
  Value width = a.get(0, Value(4));
  std::string indention =
      width.is_string()
          ? width.str()
          : std::string(
                static_cast<std::size_t>(std::max<std::int64_t>(0, expect_int(width, "width"))),
                ' ');
  bool first = truthy(a.get(1, Value(false)));
  bool blank = truthy(a.get(2, Value(false)));
  std::string text = to_str(v) + "\n";
  // str.splitlines() boundaries.
  std::vector<std::string> lines;
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
    lines.push_back(std::move(line));
    line.clear();
  }
  if (!line.empty()) lines.push_back(std::move(line));
  std::string out;
  if (blank) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i > 0) out += "\n" + indention;
      out += lines[i];
    }
  } else {
    out = lines.empty() ? std::string() : lines[0];
    for (std::size_t i = 1; i < lines.size(); ++i) {
      out += "\n";
      if (!lines[i].empty()) out += indention;
      out += lines[i];
    }
  }
  if (first) out = indention + out;
  return Value(std::move(out));
}

Value f_items(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs(args, "items", {});
  if (v.is_undefined()) return Value::list({});
  if (!v.is_dict()) type_error("Can only get item pairs from a mapping.");
  List out;
  for (const auto& [key, value] : v.dict().items) out.push_back(Value::tuple({key, value}));
  return Value::generator(std::move(out));
}

Value f_join(Interpreter& in, const Value& v, CallArgs& args) {
  BoundArgs a(args, "join", {"d", "attribute"});
  std::string sep = to_str(a.get(0, Value("")));
  List items = iterate(v);
  std::optional<std::function<Value(const Value&)>> getter;
  if (a[1] && !a[1]->is_none()) getter = attribute_getter(in, *a[1]);
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    append_str(out, getter ? (*getter)(items[i]) : items[i]);
    in.check_string_size(out.size());
  }
  return Value(std::move(out));
}

Value f_length(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs(args, "length", {});
  std::int64_t n = length_of(v);
  if (n < 0) type_error("object of type '" + type_name(v) + "' has no len()");
  return Value(n);
}

Value f_list(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs(args, "list", {});
  return Value::list(iterate(v));
}

Value f_lower(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs(args, "lower", {});
  return Value(python::lower(to_str(v)));
}

Value f_upper(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs(args, "upper", {});
  return Value(python::upper(to_str(v)));
}

Value f_map(Interpreter& in, const Value& v, CallArgs& args) {
  // jinja2 maps nothing over a false value (None included) instead of failing.
  List items = truthy(v) ? iterate(v) : List{};
  List out;
  if (args.positional.empty()) {
    BoundArgs a(args, "map", {"attribute", "default"});
    if (!a[0]) type_error("map() requires a filter name or attribute=");
    auto getter = attribute_getter(in, *a[0], a[1]);
    for (const Value& item : items) out.push_back(getter(item));
    return Value::generator(std::move(out));
  }
  std::string name = expect_string(args.positional[0], "filter name");
  if (!has_filter(name)) type_error("No filter named '" + name + "'.");
  CallArgs rest;
  rest.positional.assign(args.positional.begin() + 1, args.positional.end());
  rest.keyword = args.keyword;
  for (const Value& item : items) {
    CallArgs copy = rest;
    out.push_back(in.apply_filter(name, item, copy));
  }
  return Value::generator(std::move(out));
}

Value select_or_reject(Interpreter& in, const Value& v, CallArgs& args, bool keep, bool by_attr) {
  std::size_t skip = by_attr ? 1 : 0;
  std::function<Value(const Value&)> getter = [](const Value& item) { return item; };
  if (by_attr) {
    if (args.positional.empty()) type_error("Missing parameter for attribute name");
    getter = attribute_getter(in, args.positional[0]);
  }
  std::optional<std::string> test;
  CallArgs test_args;
  if (args.positional.size() > skip) {
    test = expect_string(args.positional[skip], "test name");
    if (!has_test(*test)) type_error("No test named '" + *test + "'.");
    test_args.positional.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(skip) + 1,
                                args.positional.end());
    test_args.keyword = args.keyword;
  }
  List out;
  for (const Value& item : truthy(v) ? iterate(v) : List{}) {
    Value subject = getter(item);
    bool result;
    if (test) {
      CallArgs copy = test_args;
      result = in.apply_test(*test, subject, copy);
    } else {
      result = truthy(subject);
    }
    if (result == keep) out.push_back(item);
  }
  return Value::generator(std::move(out));
}

Value f_select(Interpreter& in, const Value& v, CallArgs& args) {
  return select_or_reject(in, v, args, true, false);
}
Value f_reject(Interpreter& in, const Value& v, CallArgs& args) {
  return select_or_reject(in, v, args, false, false);
}
Value f_selectattr(Interpreter& in, const Value& v, CallArgs& args) {
  return select_or_reject(in, v, args, true, true);
}
Value f_rejectattr(Interpreter& in, const Value& v, CallArgs& args) {
  return select_or_reject(in, v, args, false, true);
}

Value min_or_max(Interpreter& in, const Value& v, CallArgs& args, bool max) {
  BoundArgs a(args, max ? "max" : "min", {"case_sensitive", "attribute"});
  bool case_sensitive = truthy(a.get(0, Value(false)));
  std::function<Value(const Value&)> getter = [](const Value& item) { return item; };
  if (a[1] && !a[1]->is_none()) getter = attribute_getter(in, *a[1]);
  List items = iterate(v);
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  std::size_t best = 0;
  for (std::size_t i = 1; i < items.size(); ++i) {
    Value candidate = lower_if_string(getter(items[i]), case_sensitive);
    Value current = lower_if_string(getter(items[best]), case_sensitive);
    if (max ? less_than(current, candidate) : less_than(candidate, current)) best = i;
  }
  return items[best];
}

Value f_max(Interpreter& in, const Value& v, CallArgs& args) {
  return min_or_max(in, v, args, true);
}
Value f_min(Interpreter& in, const Value& v, CallArgs& args) {
  return min_or_max(in, v, args, false);
}

Value f_replace(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs a(args, "replace", {"old", "new", "count"});
  std::string old_text = to_str(a.get(0, Value()));
  std::string new_text = to_str(a.get(1, Value()));
  Value count = a.get(2, Value::none());
  return Value(python::replace(to_str(v), old_text, new_text,
                               count.is_none() ? -1 : expect_int(count, "count")));
}

Value f_reverse(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs(args, "reverse", {});
  if (v.is_string()) {
    std::u32string cps = python::decode(v.str());
    std::reverse(cps.begin(), cps.end());
    return Value(python::encode(cps));
  }
  List items = iterate(v);
  std::reverse(items.begin(), items.end());
  return Value::generator(std::move(items));
}

Value f_round(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs a(args, "round", {"precision", "method"});
  std::int64_t precision = expect_int(a.get(0, Value(0)), "precision");
  std::string method = to_str(a.get(1, Value("common")));
  if (method != "common" && method != "ceil" && method != "floor") {
    type_error("method must be 'common', 'ceil' or 'floor'");
  }
  if (!v.is_number()) type_error("type " + type_name(v) + " doesn't define __round__ method");
  double scale = std::pow(10.0, static_cast<double>(precision));
  double x = v.as_double() * scale;
  double r = method == "common" ? std::nearbyint(x)
             : method == "ceil" ? std::ceil(x)
                                : std::floor(x);
  if (v.is_float() || method != "common") return Value(r / scale);
  return v.is_bool() ? Value(v.as_int()) : v;
}

Value f_safe(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs(args, "safe", {});
  return Value::markup(to_str(v));
}

Value f_sort(Interpreter& in, const Value& v, CallArgs& args) {
  BoundArgs a(args, "sort", {"reverse", "case_sensitive", "attribute"});
  bool reverse = truthy(a.get(0, Value(false)));
  bool case_sensitive = truthy(a.get(1, Value(false)));
  std::function<Value(const Value&)> getter = [](const Value& item) { return item; };
  if (a[2] && !a[2]->is_none()) getter = attribute_getter(in, *a[2]);
  List items = iterate(v);
  std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
    Value kx = lower_if_string(getter(x), case_sensitive);
    Value ky = lower_if_string(getter(y), case_sensitive);
    return reverse ? less_than(ky, kx) : less_than(kx, ky);
  });
  return Value::list(std::move(items));
}

Value f_string(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs(args, "string", {});
  return v.is_markup() ? v : Value(to_str(v));
}

Value f_sum(Interpreter& in, const Value& v, CallArgs& args) {
  BoundArgs a(args, "sum", {"attribute", "start"});
  std::function<Value(const Value&)> getter = [](const Value& item) { return item; };
  if (a[0] && !a[0]->is_none()) getter = attribute_getter(in, *a[0]);
  Value total = a.get(1, Value(0));
  for (const Value& item : iterate(v)) total = binary_op("+", total, getter(item));
  return total;
}

// jinja2's title filter: splits at runs of -, whitespace, ( { [ < (kept as they are) and
// makes each piece piece[0].upper() + piece[1:].lower(), so a piece's first letter gets
// the full upper mapping, not title case, and a final sigma is judged within piece[1:].
Value f_title(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs(args, "title", {});
  std::u32string cps = python::decode(to_str(v));
  auto separator = [](char32_t cp) {
    return cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<' || python::is_space(cp);
  };
  std::string out;
  std::size_t i = 0;
  while (i < cps.size()) {
    std::size_t start = i;
    bool is_separator = separator(cps[i]);
    while (i < cps.size() && separator(cps[i]) == is_separator) ++i;
    std::u32string_view piece = std::u32string_view(cps).substr(start, i - start);
    if (is_separator) {
      out += python::encode(piece);
    } else {
      out += python::upper(python::encode(piece.substr(0, 1)));
      out += python::lower(python::encode(piece.substr(1)));
    }
  }
  return Value(std::move(out));
}

Value f_tojson(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs a(args, "tojson", {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonOptions options;
  options.ensure_ascii = truthy(a.get(0, Value(false)));
  Value indent = a.get(1, Value::none());
  if (indent.is_string()) {
    options.indent = indent.str();
  } else if (!indent.is_none()) {
    options.indent = std::string(
        static_cast<std::size_t>(std::max<std::int64_t>(0, expect_int(indent, "indent"))), ' ');
  }
  Value separators = a.get(2, Value::none());
  if (!separators.is_none()) {
    if (!separators.is_sequence() || separators.items().size() != 2) {
      type_error("separators must be a (item_separator, key_separator) pair");
    }
    options.separators = std::make_pair(expect_string(separators.items()[0], "item separator"),
                                        expect_string(separators.items()[1], "key separator"));
  }
  options.sort_keys = truthy(a.get(3, Value(false)));
  return Value(to_json(v, options));
}

Value f_trim(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs a(args, "trim", {"chars"});
  std::optional<std::string> chars;
  if (a[0] && !a[0]->is_none()) chars = expect_string(*a[0], "chars");
  return Value(python::strip(to_str(v), python::StripSide::kBoth, chars));
}

Value f_unique(Interpreter& in, const Value& v, CallArgs& args) {
  BoundArgs a(args, "unique", {"case_sensitive", "attribute"});
  bool case_sensitive = truthy(a.get(0, Value(false)));
  std::function<Value(const Value&)> getter = [](const Value& item) { return item; };
  if (a[1] && !a[1]->is_none()) getter = attribute_getter(in, *a[1]);
  List out;
  List seen;
  for (const Value& item : iterate(v)) {
    Value key = lower_if_string(getter(item), case_sensitive);
    if (std::none_of(seen.begin(), seen.end(), [&](const Value& s) { return equals(s, key); })) {
      seen.push_back(key);
      out.push_back(item);
    }
  }
  return Value::generator(std::move(out));
}

Value f_format(Interpreter&, const Value& v, CallArgs& args) {
  if (!args.keyword.empty() && !args.positional.empty()) {
    type_error("can't handle positional and keyword arguments at the same time");
  }
  if (!args.keyword.empty()) {
    Dict dict;
    for (const auto& [key, value] : args.keyword) dict.set(Value(key), value);
    return binary_op("%", Value(to_str(v)), Value::dict(std::move(dict)));
  }
  return binary_op("%", Value(to_str(v)), Value::tuple(args.positional));
}

Value f_wordcount(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs(args, "wordcount", {});
  std::int64_t words = 0;
  bool in_word = false;
  for (char32_t cp : python::decode(to_str(v))) {
    bool word_char = (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') ||
                     (cp >= 'A' && cp <= 'Z') || cp == '_' || cp >= 0xC0;
    if (word_char && !in_word) ++words;
    in_word = word_char;
  }
  return Value(words);
}

const std::unordered_map<std::string_view, FilterFn>& filters() {
  static const std::unordered_map<std::string_view, FilterFn> table = {
      {"abs", f_abs},
      {"attr", f_attr},
      {"batch", f_batch},
      {"capitalize", f_capitalize},
      {"center", f_center},
      {"count", f_length},
      {"d", f_default},
      {"default", f_default},
      {"dictsort", f_dictsort},
      {"e", f_escape},
      {"escape", f_escape},
      {"first", f_first},
      {"float", f_float},
      {"forceescape", f_escape},
      {"format", f_format},
      {"indent", f_indent},
      {"int", f_int},
      {"items", f_items},
      {"join", f_join},
      {"last", f_last},
      {"length", f_length},
      {"list", f_list},
      {"lower", f_lower},
      {"map", f_map},
      {"max", f_max},
      {"min", f_min},
      {"reject", f_reject},
      {"rejectattr", f_rejectattr},
      {"replace", f_replace},
      {"reverse", f_reverse},
      {"round", f_round},
      {"safe", f_safe},
      {"select", f_select},
      {"selectattr", f_selectattr},
      {"sort", f_sort},
      {"string", f_string},
      {"sum", f_sum},
      {"title", f_title},
      {"tojson", f_tojson},
      {"trim", f_trim},
      {"unique", f_unique},
      {"upper", f_upper},
      {"wordcount", f_wordcount},
  };
  return table;
}

}  // namespace

bool has_filter(std::string_view name) { return filters().count(name) > 0; }

Value run_filter(Interpreter& interpreter, std::string_view name, const Value& subject,
                 CallArgs& args) {
  auto it = filters().find(name);
  if (it == filters().end()) type_error("No filter named '" + std::string(name) + "'.");
  return it->second(interpreter, subject, args);
}

}  // namespace hfserve::chat
