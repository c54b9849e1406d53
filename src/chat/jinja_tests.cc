// jinja2's builtin tests (`x is defined`, `x is divisibleby 3`, ...).
#include <unordered_map>

#include "chat/builtins.h"
#include "chat/python_text.h"
#include "chat/template_error.h"

namespace hfserve::chat {
namespace {

using TestFn = bool (*)(Interpreter&, const Value&, CallArgs&);

[[noreturn]] void type_error(const std::string& message) {
  throw TemplateError(TemplateErrorKind::kType, message);
}

Value only_arg(CallArgs& args, const char* test) {
  BoundArgs a(args, test, {"other"});
  if (!a[0]) type_error(std::string(test) + "() missing 1 required positional argument");
  return *a[0];
}

bool t_defined(Interpreter&, const Value& v, CallArgs&) { return !v.is_undefined(); }
bool t_undefined(Interpreter&, const Value& v, CallArgs&) { return v.is_undefined(); }
bool t_none(Interpreter&, const Value& v, CallArgs&) { return v.is_none(); }
bool t_boolean(Interpreter&, const Value& v, CallArgs&) { return v.is_bool(); }
bool t_false(Interpreter&, const Value& v, CallArgs&) { return v.is_bool() && !v.as_bool(); }
bool t_true(Interpreter&, const Value& v, CallArgs&) { return v.is_bool() && v.as_bool(); }
bool t_integer(Interpreter&, const Value& v, CallArgs&) { return v.is_int(); }
bool t_float(Interpreter&, const Value& v, CallArgs&) { return v.is_float(); }
bool t_number(Interpreter&, const Value& v, CallArgs&) { return v.is_number(); }
bool t_string(Interpreter&, const Value& v, CallArgs&) { return v.is_string(); }
bool t_mapping(Interpreter&, const Value& v, CallArgs&) { return v.is_dict(); }
bool t_iterable(Interpreter&, const Value& v, CallArgs&) {
  return v.is_string() || v.is_sequence() || v.is_dict() || v.is_undefined();
}
bool t_sequence(Interpreter&, const Value& v, CallArgs&) {
  return v.is_string() || (v.is_sequence() && !v.is_generator()) || v.is_dict();
}
bool t_callable(Interpreter&, const Value& v, CallArgs&) { return v.is_callable(); }
bool t_escaped(Interpreter&, const Value&, CallArgs&) { return false; }

std::int64_t int_operand(const Value& v) {
  if (v.is_undefined()) raise_undefined(v);
  if (!v.is_int() && !v.is_bool()) {
    type_error("unsupported operand type(s) for %: '" + type_name(v) + "' and 'int'");
  }
  return v.as_int();
}

bool t_odd(Interpreter&, const Value& v, CallArgs&) { return int_operand(v) % 2 != 0; }
bool t_even(Interpreter&, const Value& v, CallArgs&) { return int_operand(v) % 2 == 0; }

bool t_divisibleby(Interpreter&, const Value& v, CallArgs& args) {
  Value num = only_arg(args, "divisibleby");
  Value rest = binary_op("%", v, num);
  return truthy(rest) == false;
}

bool t_eq(Interpreter&, const Value& v, CallArgs& args) { return equals(v, only_arg(args, "eq")); }
bool t_ne(Interpreter&, const Value& v, CallArgs& args) { return !equals(v, only_arg(args, "ne")); }

void check_ordered(const Value& a, const Value& b) {
  if (a.is_undefined()) raise_undefined(a);
  if (b.is_undefined()) raise_undefined(b);
}
bool t_lt(Interpreter&, const Value& v, CallArgs& args) {
  Value o = only_arg(args, "lt");
  check_ordered(v, o);
  return less_than(v, o);
}
bool t_le(Interpreter&, const Value& v, CallArgs& args) {
  Value o = only_arg(args, "le");
  check_ordered(v, o);
  return !less_than(o, v);
}
bool t_gt(Interpreter&, const Value& v, CallArgs& args) {
  Value o = only_arg(args, "gt");
  check_ordered(v, o);
  return less_than(o, v);
}
bool t_ge(Interpreter&, const Value& v, CallArgs& args) {
  Value o = only_arg(args, "ge");
  check_ordered(v, o);
  return !less_than(v, o);
}

bool t_in(Interpreter&, const Value& v, CallArgs& args) {
  Value container = only_arg(args, "in");
  switch (container.kind()) {
    case Kind::kString:
      if (!v.is_string()) {
        type_error("'in <string>' requires string as left operand, not " + type_name(v));
      }
      return container.str().find(v.str()) != std::string::npos;
    case Kind::kList:
    case Kind::kTuple:
      for (const Value& item : container.items()) {
        if (equals(item, v)) return true;
      }
      return false;
    case Kind::kDict:
      if (v.is_list() || v.is_dict()) type_error("unhashable type: '" + type_name(v) + "'");
      return container.dict().find(v) != nullptr;
    case Kind::kUndefined:
      if (container.undefined_is_security()) raise_undefined(container);
      return false;
    default:
      type_error("argument of type '" + type_name(container) + "' is not iterable");
  }
}

bool t_sameas(Interpreter&, const Value& v, CallArgs& args) {
  Value other = only_arg(args, "sameas");
  if (v.kind() != other.kind()) return false;
  switch (v.kind()) {
    case Kind::kNone:
    case Kind::kUndefined:
      return true;
    case Kind::kBool:
      return v.as_bool() == other.as_bool();
    case Kind::kInt:
    case Kind::kFloat:
      return equals(v, other);
    default:
      return v.identity() == other.identity();
  }
}

bool t_lower(Interpreter&, const Value& v, CallArgs&) { return python::is_lower(to_str(v)); }
bool t_upper(Interpreter&, const Value& v, CallArgs&) { return python::is_upper(to_str(v)); }
bool t_filter(Interpreter&, const Value& v, CallArgs&) {
  return v.is_string() && has_filter(v.str());
}
bool t_test(Interpreter&, const Value& v, CallArgs&) { return v.is_string() && has_test(v.str()); }

const std::unordered_map<std::string_view, TestFn>& tests() {
  static const std::unordered_map<std::string_view, TestFn> table = {
      {"!=", t_ne},
      {"<", t_lt},
      {"<=", t_le},
      {"==", t_eq},
      {">", t_gt},
      {">=", t_ge},
      {"boolean", t_boolean},
      {"callable", t_callable},
      {"defined", t_defined},
      {"divisibleby", t_divisibleby},
      {"eq", t_eq},
      {"equalto", t_eq},
      {"escaped", t_escaped},
      {"even", t_even},
      {"false", t_false},
      {"filter", t_filter},
      {"float", t_float},
      {"ge", t_ge},
      {"greaterthan", t_gt},
      {"gt", t_gt},
      {"in", t_in},
      {"integer", t_integer},
      {"iterable", t_iterable},
      {"le", t_le},
      {"lessthan", t_lt},
      {"lower", t_lower},
      {"lt", t_lt},
      {"mapping", t_mapping},
      {"ne", t_ne},
      {"none", t_none},
      {"number", t_number},
      {"odd", t_odd},
      {"sameas", t_sameas},
      {"sequence", t_sequence},
      {"string", t_string},
      {"test", t_test},
      {"true", t_true},
      {"undefined", t_undefined},
      {"upper", t_upper},
  };
  return table;
}

}  // namespace

bool has_test(std::string_view name) { return tests().count(name) > 0; }

bool run_test(Interpreter& interpreter, std::string_view name, const Value& subject,
              CallArgs& args) {
  auto it = tests().find(name);
  if (it == tests().end()) type_error("No test named '" + std::string(name) + "'.");
  return it->second(interpreter, subject, args);
}

}  // namespace hfserve::chat
