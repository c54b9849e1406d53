#include "chat/interpreter.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "chat/builtins.h"
#include "chat/python_text.h"
#include "chat/template_error.h"
#include "util/utf8.h"

namespace hfserve::chat {
namespace {

// The interpreter rendering on this thread, so that helpers without one at hand (iterate,
// repetition) charge their work to its limits.
thread_local Interpreter* t_current = nullptr;

[[noreturn]] void type_error(const std::string& message) {
  throw TemplateError(TemplateErrorKind::kType, message);
}

std::string object_description(const Value& value) {
  if (value.is_none()) return "None";
  return type_name(value) + " object";
}

// A loop variable: loop.index, loop.first, loop.cycle(...) and the rest.
class LoopObject : public Object {
 public:
  // `recursive` is the loop statement when it was declared `recursive` (then `loop(x)`
  // renders the body again over x, one level deeper), else null.
  LoopObject(std::shared_ptr<const List> items, int depth, const Stmt* recursive,
             std::shared_ptr<Frame> outer)
      : items_(std::move(items)), depth_(depth), recursive_(recursive), outer_(std::move(outer)) {}

  Value call(Interpreter& interpreter, CallArgs& args) override {
    if (recursive_ == nullptr) return Object::call(interpreter, args);
    if (args.positional.size() != 1 || !args.keyword.empty()) {
      type_error("loop() takes exactly one argument, the iterable to recurse into");
    }
    return Value(interpreter.recurse_loop(*recursive_, args.positional[0], depth_ + 1, outer_));
  }

  void set_index(std::size_t index) { index_ = index; }

  Value attribute(std::string_view name) const override {
    const List& items = *items_;
    auto length = static_cast<std::int64_t>(items.size());
    auto index = static_cast<std::int64_t>(index_);
    if (name == "index") return Value(index + 1);
    if (name == "index0") return Value(index);
    if (name == "revindex") return Value(length - index);
    if (name == "revindex0") return Value(length - index - 1);
    if (name == "first") return Value(index == 0);
    if (name == "last") return Value(index + 1 == length);
    if (name == "length") return Value(length);
    if (name == "depth") return Value(depth_);
    if (name == "depth0") return Value(depth_ - 1);
    if (name == "previtem") {
      return index > 0 ? items[index_ - 1] : Value::undefined("there is no previous item");
    }
    if (name == "nextitem") {
      return index + 1 < length ? items[index_ + 1] : Value::undefined("there is no next item");
    }
    if (name == "cycle") {
      return Value::callable(std::make_shared<CycleCallable>(index_));
    }
    if (name == "changed") return Value::callable(std::make_shared<ChangedCallable>(changed_));
    return Value::undefined("'LoopContext object' has no attribute '" + std::string(name) + "'");
  }
  std::string type_name() const override { return "LoopContext"; }
  void release() override {
    outer_.reset();
    changed_->reset();
  }
  std::string repr() const override {
    return "<LoopContext " + std::to_string(index_ + 1) + "/" + std::to_string(items_->size()) +
           ">";
  }

 private:
  class CycleCallable : public Callable {
   public:
    explicit CycleCallable(std::size_t index) : index_(index) {}
    Value call(Interpreter&, CallArgs& args) override {
      if (args.positional.empty()) type_error("no items for cycling given");
      return args.positional[index_ % args.positional.size()];
    }
    std::string repr() const override { return "<bound method LoopContext.cycle>"; }

   private:
    std::size_t index_;
  };
  // loop.changed(*values): true when the values differ from the previous call's.
  class ChangedCallable : public Callable {
   public:
    explicit ChangedCallable(std::shared_ptr<std::optional<Value>> last) : last_(std::move(last)) {}
    Value call(Interpreter&, CallArgs& args) override {
      Value current = Value::list(args.positional);
      if (*last_ && equals(**last_, current)) return Value(false);
      *last_ = current;
      return Value(true);
    }
    std::string repr() const override { return "<bound method LoopContext.changed>"; }

   private:
    std::shared_ptr<std::optional<Value>> last_;
  };

  std::shared_ptr<const List> items_;
  int depth_;
  const Stmt* recursive_;
  std::shared_ptr<Frame> outer_;
  std::size_t index_ = 0;
  std::shared_ptr<std::optional<Value>> changed_ = std::make_shared<std::optional<Value>>();
};

[[noreturn]] void overflow() {
  throw TemplateError(TemplateErrorKind::kLimit,
                      "integer overflow: results beyond 64 bits are not supported");
}

// a op b on int64, failing instead of wrapping.
template <typename Op>
std::int64_t checked(Op op, std::int64_t a, std::int64_t b) {
  std::int64_t result = 0;
  if (op(a, b, &result)) overflow();
  return result;
}

bool add_overflows(std::int64_t a, std::int64_t b, std::int64_t* r) {
  return __builtin_add_overflow(a, b, r);
}
bool sub_overflows(std::int64_t a, std::int64_t b, std::int64_t* r) {
  return __builtin_sub_overflow(a, b, r);
}
bool mul_overflows(std::int64_t a, std::int64_t b, std::int64_t* r) {
  return __builtin_mul_overflow(a, b, r);
}

double python_fmod(double a, double b) {
  double r = std::fmod(a, b);
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

Value repeat(const Value& sequence, std::int64_t times) {
  if (times <= 0) return sequence.is_string() ? Value("") : Value::list({});
  if (sequence.is_string()) {
    // Checked before allocating: the product could exhaust memory.
    if (static_cast<double>(sequence.str().size()) * static_cast<double>(times) > (1 << 30)) {
      throw TemplateError(TemplateErrorKind::kLimit, "string repetition too large");
    }
    if (t_current != nullptr)
      t_current->check_string_size(sequence.str().size() * static_cast<std::size_t>(times));
    std::string out;
    for (std::int64_t i = 0; i < times; ++i) out += sequence.str();
    return Value(std::move(out));
  }
  if (static_cast<double>(sequence.items().size()) * static_cast<double>(times) > (1 << 24)) {
    throw TemplateError(TemplateErrorKind::kLimit, "list repetition too large");
  }
  if (t_current != nullptr) {
    t_current->count_iterations(static_cast<std::int64_t>(sequence.items().size()) * times);
  }
  List out;
  for (std::int64_t i = 0; i < times; ++i) {
    out.insert(out.end(), sequence.items().begin(), sequence.items().end());
  }
  return sequence.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

// printf-style `text % args`: %[flags][width][.precision] with s r d i f F e E g G x X o c %.
Value percent_format(const std::string& format, const Value& args) {
  List values = args.is_tuple() ? args.items() : List{args};
  std::string out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    std::size_t start = i++;
    while (i < format.size() &&
           std::string_view("-+ #0").find(format[i]) != std::string_view::npos) {
      ++i;
    }
    while (i < format.size() && format[i] >= '0' && format[i] <= '9') ++i;
    if (i < format.size() && format[i] == '.') {
      ++i;
      while (i < format.size() && format[i] >= '0' && format[i] <= '9') ++i;
    }
    if (i >= format.size()) type_error("incomplete format");
    char spec = format[i];
    std::string flags = format.substr(start, i - start);  // "%-10.3" without the type
    if (flags.size() > 12) type_error("format specification too long");
    if (spec == '%') {
      out += '%';
      continue;
    }
    if (next >= values.size()) type_error("not enough arguments for format string");
    const Value& v = values[next++];
    char buffer[512];
    if (spec == 's' || spec == 'r') {
      std::string text = spec == 's' ? to_str(v) : repr(v);
      if (flags.size() == 1) {
        out += text;
        continue;
      }
      // Width and precision count code points, as in Python.
      std::u32string cps = python::decode(text);
      std::size_t dot = flags.find('.');
      if (dot != std::string::npos) {
        cps.resize(
            std::min<std::size_t>(cps.size(), std::strtoul(flags.c_str() + dot + 1, nullptr, 10)));
      }
      bool left = flags.find('-') != std::string::npos;
      std::size_t digits = flags.find_first_of("123456789");
      std::size_t width = digits != std::string::npos && (dot == std::string::npos || digits < dot)
                              ? std::strtoul(flags.c_str() + digits, nullptr, 10)
                              : 0;
      std::string body = python::encode(cps);
      std::string padding(width > cps.size() ? std::min<std::size_t>(width - cps.size(), 4096) : 0,
                          ' ');
      out += left ? body + padding : padding + body;
    } else if (std::string_view("diouxXc").find(spec) != std::string_view::npos) {
      if (!v.is_number())
        type_error("%" + std::string(1, spec) + " format: a real number is required, not " +
                   type_name(v));
      if (spec == 'c') type_error("%c format is not supported");
      long long n = v.is_float() ? static_cast<long long>(v.as_double()) : v.as_int();
      std::string f = flags + "ll" + (spec == 'i' || spec == 'u' ? 'd' : spec);
      std::snprintf(buffer, sizeof buffer, f.c_str(), n);
      out += buffer;
    } else if (std::string_view("fFeEgG").find(spec) != std::string_view::npos) {
      if (!v.is_number()) type_error("must be real number, not " + type_name(v));
      std::string f = flags + spec;
      std::snprintf(buffer, sizeof buffer, f.c_str(), v.as_double());
      out += buffer;
    } else {
      type_error(std::string("unsupported format character '") + spec + "'");
    }
  }
  if (next < values.size()) type_error("not all arguments converted during string formatting");
  return Value(std::move(out));
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '"':
        out += "&#34;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string markup_text(const Value& value) {
  if (value.is_markup()) return value.str();
  return html_escape(to_str(value));
}

const Value* Frame::find(std::string_view name) const {
  for (const Frame* frame = this; frame != nullptr; frame = frame->parent.get()) {
    for (const auto& [key, value] : frame->vars) {
      if (key == name) return &value;
    }
  }
  return nullptr;
}

void Frame::set(std::string_view name, Value value) {
  for (auto& [key, existing] : vars) {
    if (key == name) {
      existing = std::move(value);
      return;
    }
  }
  vars.emplace_back(std::string(name), std::move(value));
}

[[noreturn]] void raise_undefined(const Value& value) {
  const std::string& hint = value.undefined_hint();
  throw TemplateError(
      value.undefined_is_security() ? TemplateErrorKind::kSecurity : TemplateErrorKind::kUndefined,
      hint.empty() ? "value is undefined" : hint);
}

List iterate(const Value& value) {
  // Every walk over a sequence (loops, filters, joins) counts against the iteration limit.
  if (t_current != nullptr) {
    std::int64_t n = value.is_string() ? static_cast<std::int64_t>(value.str().size())
                     : value.is_list() || value.is_tuple()
                         ? static_cast<std::int64_t>(value.items().size())
                     : value.is_dict() ? static_cast<std::int64_t>(value.dict().items.size())
                                       : 0;
    t_current->count_iterations(n);
  }
  switch (value.kind()) {
    case Kind::kList:
    case Kind::kTuple:
      return value.items();
    case Kind::kDict: {
      List keys;
      keys.reserve(value.dict().items.size());
      for (const auto& item : value.dict().items) keys.push_back(item.first);
      return keys;
    }
    case Kind::kString: {
      List chars;
      const std::string& text = value.str();
      std::size_t pos = 0;
      while (pos < text.size()) {
        std::size_t start = pos;
        utf8::decode(text, pos);
        chars.emplace_back(text.substr(start, pos - start));
      }
      return chars;
    }
    case Kind::kUndefined:
      if (value.undefined_is_security()) raise_undefined(value);
      return {};
    default:
      type_error("'" + type_name(value) + "' object is not iterable");
  }
}

Value binary_op(std::string_view op, const Value& a, const Value& b) {
  if (a.is_undefined()) raise_undefined(a);
  if (b.is_undefined()) raise_undefined(b);
  auto unsupported = [&]() -> Value {
    type_error("unsupported operand type(s) for " + std::string(op) + ": '" + type_name(a) +
               "' and '" + type_name(b) + "'");
  };
  bool numbers = a.is_number() && b.is_number();
  bool floats = numbers && (a.is_float() || b.is_float());
  std::int64_t x = a.as_int();
  std::int64_t y = b.as_int();
  if (op == "+") {
    if (floats) return Value(a.as_double() + b.as_double());
    if (numbers) return Value(checked(add_overflows, x, y));
    if (a.is_string() && b.is_string()) {
      if (a.is_markup() || b.is_markup()) {
        return Value::markup(markup_text(a) + markup_text(b));
      }
      return Value(a.str() + b.str());
    }
    if (a.kind() == b.kind() && a.is_sequence() && !a.is_generator() && !b.is_generator()) {
      List out = a.items();
      out.insert(out.end(), b.items().begin(), b.items().end());
      return a.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
    }
    if (a.is_string()) type_error("can only concatenate str (not \"" + type_name(b) + "\") to str");
    if (a.is_list()) type_error("can only concatenate list (not \"" + type_name(b) + "\") to list");
    return unsupported();
  }
  if (op == "-") {
    if (floats) return Value(a.as_double() - b.as_double());
    if (numbers) return Value(checked(sub_overflows, x, y));
    return unsupported();
  }
  if (op == "*") {
    if (floats) return Value(a.as_double() * b.as_double());
    if (numbers) return Value(checked(mul_overflows, x, y));
    if ((a.is_string() || a.is_sequence()) && (b.is_int() || b.is_bool())) return repeat(a, y);
    if ((b.is_string() || b.is_sequence()) && (a.is_int() || a.is_bool())) return repeat(b, x);
    if (a.is_string() || b.is_string()) {
      type_error("can't multiply sequence by non-int of type '" + type_name(a.is_string() ? b : a) +
                 "'");
    }
    return unsupported();
  }
  if (op == "/") {
    if (!numbers) return unsupported();
    if (b.as_double() == 0) type_error(floats ? "float division by zero" : "division by zero");
    return Value(a.as_double() / b.as_double());
  }
  if (op == "//") {
    if (!numbers) return unsupported();
    if (floats) {
      if (b.as_double() == 0) type_error("float floor division by zero");
      return Value(std::floor(a.as_double() / b.as_double()));
    }
    if (y == 0) type_error("integer division or modulo by zero");
    if (x == std::numeric_limits<std::int64_t>::min() && y == -1) overflow();
    return Value(floor_div(x, y));
  }
  if (op == "%") {
    if (a.is_string()) return percent_format(a.str(), b);
    if (!numbers) return unsupported();
    if (floats) {
      if (b.as_double() == 0) type_error("float modulo");
      return Value(python_fmod(a.as_double(), b.as_double()));
    }
    if (y == 0) type_error("integer modulo by zero");
    if (y == -1) return Value(std::int64_t{0});
    return Value(x - floor_div(x, y) * y);
  }
  if (op == "**") {
    if (!numbers) return unsupported();
    if (floats || y < 0) {
      if (a.as_double() == 0 && b.as_double() < 0) {
        type_error("0.0 cannot be raised to a negative power");
      }
      return Value(std::pow(a.as_double(), b.as_double()));
    }
    std::int64_t result = 1;
    std::int64_t base = x;
    for (std::int64_t e = y; e > 0; e >>= 1) {
      if (e & 1) result = checked(mul_overflows, result, base);
      if (e > 1) base = checked(mul_overflows, base, base);
    }
    return Value(result);
  }
  return unsupported();
}

Interpreter::Interpreter(const RenderLimits& limits, std::shared_ptr<Frame> globals,
                         std::optional<std::chrono::system_clock::time_point> now)
    : limits_(limits), globals_(std::move(globals)), now_(now) {}

Interpreter::~Interpreter() {
  for (const auto& frame : captured_) frame->vars.clear();
  for (const auto& object : objects_) object->release();
}

std::string Interpreter::render(const Body& body, std::shared_ptr<Frame> root) {
  frame_ = std::move(root);
  Interpreter* previous = std::exchange(t_current, this);
  std::string out;
  try {
    exec_body(body, out);
  } catch (...) {
    t_current = previous;
    throw;
  }
  t_current = previous;
  return out;
}

void Interpreter::count_iterations(std::int64_t n) {
  iterations_ += n;
  if (iterations_ > limits_.max_loop_iterations) {
    throw TemplateError(
        TemplateErrorKind::kLimit,
        "more than " + std::to_string(limits_.max_loop_iterations) + " loop iterations");
  }
}

void Interpreter::check_string_size(std::size_t bytes) const {
  if (bytes > limits_.max_output_bytes) {
    throw TemplateError(
        TemplateErrorKind::kLimit,
        "output larger than " + std::to_string(limits_.max_output_bytes) + " bytes");
  }
}

std::chrono::system_clock::time_point Interpreter::now() const {
  return now_ ? *now_ : std::chrono::system_clock::now();
}

void Interpreter::emit(std::string& out, std::string_view text) {
  emitted_ += text.size();
  check_string_size(emitted_);
  out += text;
}

Interpreter::Flow Interpreter::exec_body(const Body& body, std::string& out) {
  for (const StmtPtr& stmt : body) {
    Flow flow = exec(*stmt, out);
    if (flow != Flow::kNormal) return flow;
  }
  return Flow::kNormal;
}

std::string Interpreter::render_child(const Body& body) {
  auto child = std::make_shared<Frame>();
  child->parent = frame_;
  std::swap(frame_, child);
  std::string out;
  try {
    exec_body(body, out);
  } catch (...) {
    frame_ = std::move(child);
    throw;
  }
  frame_ = std::move(child);
  return out;
}

std::string Interpreter::render_in_frame(const Body& body, std::shared_ptr<Frame> closure,
                                         std::vector<std::pair<std::string, Value>> vars) {
  if (++call_depth_ > limits_.max_call_depth) {
    --call_depth_;
    throw TemplateError(TemplateErrorKind::kLimit,
                        "macro calls nest deeper than " + std::to_string(limits_.max_call_depth));
  }
  auto frame = std::make_shared<Frame>();
  frame->parent = std::move(closure);
  frame->vars = std::move(vars);
  std::swap(frame_, frame);
  std::string out;
  try {
    exec_body(body, out);
  } catch (...) {
    frame_ = std::move(frame);
    --call_depth_;
    throw;
  }
  frame_ = std::move(frame);
  --call_depth_;
  return out;
}

Interpreter::Flow Interpreter::exec(const Stmt& stmt, std::string& out) {
  switch (stmt.kind) {
    case StmtKind::kData:
      emit(out, stmt.text);
      return Flow::kNormal;
    case StmtKind::kOutput: {
      Value value = eval(*stmt.expr);
      if (value.is_string()) {
        emit(out, value.str());
      } else {
        emit(out, to_str(value));
      }
      return Flow::kNormal;
    }
    case StmtKind::kIf:
      for (const Branch& branch : stmt.branches) {
        if (!branch.condition || truthy(eval(*branch.condition))) {
          return exec_body(branch.body, out);
        }
      }
      return Flow::kNormal;
    case StmtKind::kFor:
      exec_for(stmt, out);
      return Flow::kNormal;
    case StmtKind::kSet:
      assign(*stmt.target, eval(*stmt.expr));
      return Flow::kNormal;
    case StmtKind::kSetBlock: {
      Value body(render_child(stmt.body));
      if (stmt.expr) {
        const Value* saved = std::exchange(block_body_, &body);
        Value filtered = eval(*stmt.expr);
        block_body_ = saved;
        body = filtered;
      }
      assign(*stmt.target, body);
      return Flow::kNormal;
    }
    case StmtKind::kMacro:
      exec_macro(stmt);
      return Flow::kNormal;
    case StmtKind::kCallBlock:
      exec_call_block(stmt, out);
      return Flow::kNormal;
    case StmtKind::kFilterBlock: {
      Value body(render_child(stmt.body));
      const Value* saved = std::exchange(block_body_, &body);
      Value filtered = eval(*stmt.expr);
      block_body_ = saved;
      emit(out, to_str(filtered));
      return Flow::kNormal;
    }
    case StmtKind::kWith: {
      std::vector<std::pair<const Expr*, Value>> values;
      for (const auto& [target, value] : stmt.assignments) {
        values.emplace_back(target.get(), eval(*value));
      }
      auto child = std::make_shared<Frame>();
      child->parent = frame_;
      std::swap(frame_, child);
      try {
        for (const auto& [target, value] : values) assign(*target, value);
        exec_body(stmt.body, out);
      } catch (...) {
        frame_ = std::move(child);
        throw;
      }
      frame_ = std::move(child);
      return Flow::kNormal;
    }
    case StmtKind::kBreak:
      return Flow::kBreak;
    case StmtKind::kContinue:
      return Flow::kContinue;
    case StmtKind::kScope:
      emit(out, render_child(stmt.body));
      return Flow::kNormal;
  }
  return Flow::kNormal;
}

void Interpreter::exec_for(const Stmt& stmt, std::string& out) {
  run_loop(stmt, eval(*stmt.expr), 1, frame_, out);
}

std::string Interpreter::recurse_loop(const Stmt& stmt, const Value& iterable, int depth,
                                      const std::shared_ptr<Frame>& outer) {
  if (++call_depth_ > limits_.max_call_depth) {
    --call_depth_;
    throw TemplateError(TemplateErrorKind::kLimit, "recursive loop nests deeper than " +
                                                       std::to_string(limits_.max_call_depth));
  }
  std::shared_ptr<Frame> saved = frame_;
  std::string out;
  try {
    run_loop(stmt, iterable, depth, outer, out);
  } catch (...) {
    frame_ = saved;
    --call_depth_;
    throw;
  }
  frame_ = saved;
  --call_depth_;
  return out;
}

void Interpreter::run_loop(const Stmt& stmt, const Value& iterable, int depth,
                           std::shared_ptr<Frame> outer, std::string& out) {
  frame_ = outer;
  List items = iterate(iterable);
  if (stmt.condition) {
    // The loop's filter sees each item bound to the target, in a scope of its own.
    List kept;
    auto scratch = std::make_shared<Frame>();
    scratch->parent = outer;
    frame_ = scratch;
    try {
      for (const Value& item : items) {
        assign(*stmt.target, item);
        if (truthy(eval(*stmt.condition))) kept.push_back(item);
      }
    } catch (...) {
      frame_ = outer;
      throw;
    }
    frame_ = outer;
    items = std::move(kept);
  }
  if (items.empty()) {
    exec_body(stmt.else_body, out);
    return;
  }
  auto shared_items = std::make_shared<const List>(std::move(items));
  const List& loop_items = *shared_items;
  auto loop =
      std::make_shared<LoopObject>(shared_items, depth, stmt.recursive ? &stmt : nullptr, outer);
  track(loop);
  Value loop_value = Value::object(loop);
  try {
    for (std::size_t i = 0; i < loop_items.size(); ++i) {
      loop->set_index(i);
      auto frame = std::make_shared<Frame>();
      frame->parent = outer;
      frame->vars.emplace_back("loop", loop_value);
      frame_ = frame;
      assign(*stmt.target, loop_items[i]);
      if (exec_body(stmt.body, out) == Flow::kBreak) break;
    }
  } catch (...) {
    frame_ = outer;
    throw;
  }
  frame_ = outer;
}

// A macro, or the body of a call block when called as caller().
class MacroCallable : public Callable {
 public:
  MacroCallable(const Stmt& definition, std::shared_ptr<Frame> closure, std::string name,
                std::optional<Value> caller)
      : definition_(definition),
        closure_(std::move(closure)),
        name_(std::move(name)),
        caller_(std::move(caller)) {}

  Value call(Interpreter& interpreter, CallArgs& args) override {
    const auto& params = definition_.params;
    std::vector<std::pair<std::string, Value>> vars;
    List varargs;
    Dict kwargs;
    std::vector<std::optional<Value>> bound(params.size());
    for (std::size_t i = 0; i < args.positional.size(); ++i) {
      if (i < params.size()) {
        bound[i] = args.positional[i];
      } else {
        varargs.push_back(args.positional[i]);
      }
    }
    std::optional<Value> caller = caller_;
    for (auto& [key, value] : args.keyword) {
      auto it = std::find(params.begin(), params.end(), key);
      if (it != params.end()) {
        auto index = static_cast<std::size_t>(it - params.begin());
        if (bound[index]) {
          type_error("macro '" + name_ + "' got multiple values for argument '" + key + "'");
        }
        bound[index] = value;
      } else if (key == "caller") {
        caller = value;
      } else {
        kwargs.set(Value(key), value);
      }
    }
    // Defaults are evaluated in the macro's scope, after the parameters before them.
    auto frame = std::make_shared<Frame>();
    frame->parent = closure_;
    for (std::size_t i = 0; i < params.size(); ++i) {
      Value value;
      if (bound[i]) {
        value = *bound[i];
      } else if (definition_.defaults[i]) {
        std::shared_ptr<Frame> saved = interpreter.frame_;
        interpreter.frame_ = frame;
        try {
          value = interpreter.eval(*definition_.defaults[i]);
        } catch (...) {
          interpreter.frame_ = saved;
          throw;
        }
        interpreter.frame_ = saved;
      } else {
        value = Value::undefined("parameter '" + params[i] + "' was not provided");
      }
      frame->set(params[i], value);
    }
    vars = std::move(frame->vars);
    vars.emplace_back("varargs", Value::tuple(std::move(varargs)));
    vars.emplace_back("kwargs", Value::dict(std::move(kwargs)));
    if (caller) vars.emplace_back("caller", *caller);
    return Value(interpreter.render_in_frame(definition_.body, closure_, std::move(vars)));
  }

  std::string repr() const override { return "<Macro '" + name_ + "'>"; }

 private:
  const Stmt& definition_;
  std::shared_ptr<Frame> closure_;
  std::string name_;
  std::optional<Value> caller_;
};

void Interpreter::exec_macro(const Stmt& stmt) {
  captured_.push_back(frame_);
  frame_->set(stmt.text, Value::callable(std::make_shared<MacroCallable>(stmt, frame_, stmt.text,
                                                                         std::nullopt)));
}

void Interpreter::exec_call_block(const Stmt& stmt, std::string& out) {
  captured_.push_back(frame_);
  Value caller =
      Value::callable(std::make_shared<MacroCallable>(stmt, frame_, "caller", std::nullopt));
  Value result = eval_call(*stmt.expr, std::make_pair(std::string("caller"), caller));
  emit(out, to_str(result));
}

void Interpreter::assign(const Expr& target, const Value& value) {
  if (target.kind == ExprKind::kName) {
    frame_->set(target.name, value);
    return;
  }
  if (target.kind == ExprKind::kAttribute) {
    Value object = lookup(target.children[0]->name);
    if (!object.is_object() || !object.object().set_attribute(target.name, value)) {
      throw TemplateError(TemplateErrorKind::kType,
                          "cannot assign attribute on non-namespace object", target.line,
                          target.column);
    }
    return;
  }
  List items = iterate(value);
  if (items.size() != target.children.size()) {
    std::string message =
        items.size() < target.children.size()
            ? "not enough values to unpack (expected " + std::to_string(target.children.size()) +
                  ", got " + std::to_string(items.size()) + ")"
            : "too many values to unpack (expected " + std::to_string(target.children.size()) + ")";
    throw TemplateError(TemplateErrorKind::kType, message, target.line, target.column);
  }
  for (std::size_t i = 0; i < items.size(); ++i) assign(*target.children[i], items[i]);
}

Value Interpreter::lookup(const std::string& name) const {
  if (const Value* value = frame_->find(name)) return *value;
  if (const Value* value = globals_->find(name)) return *value;
  return Value::undefined("'" + name + "' is undefined");
}

Value Interpreter::eval(const Expr& expr) {
  try {
    return eval_impl(expr);
  } catch (const TemplateError& error) {
    if (error.has_position()) throw;
    throw error.at(expr.line, expr.column);
  }
}

CallArgs Interpreter::eval_args(const Expr& expr, std::size_t first) {
  CallArgs args;
  for (std::size_t i = first; i < expr.children.size(); ++i) {
    args.positional.push_back(eval(*expr.children[i]));
  }
  if (expr.star_args) {
    Value extra = eval(*expr.star_args);
    for (Value& item : iterate(extra)) args.positional.push_back(std::move(item));
  }
  for (const auto& [key, value] : expr.keywords) args.keyword.emplace_back(key, eval(*value));
  if (expr.star_kwargs) {
    Value extra = eval(*expr.star_kwargs);
    if (!extra.is_dict())
      type_error("argument after ** must be a mapping, not " + type_name(extra));
    for (const auto& [key, value] : extra.dict().items) {
      if (!key.is_string()) type_error("keywords must be strings");
      args.keyword.emplace_back(key.str(), value);
    }
  }
  return args;
}

Value Interpreter::eval_call(const Expr& expr, std::optional<std::pair<std::string, Value>> extra) {
  Value callee = eval(*expr.children[0]);
  CallArgs args = eval_args(expr, 1);
  if (extra) args.keyword.push_back(std::move(*extra));
  return call(callee, args);
}

Value Interpreter::call(const Value& callee, CallArgs& args) {
  if (callee.is_callable()) return callee.callable().call(*this, args);
  if (callee.is_object()) return callee.object().call(*this, args);
  if (callee.is_undefined()) raise_undefined(callee);
  type_error("'" + type_name(callee) + "' object is not callable");
}

Value Interpreter::get_attribute(const Value& object, std::string_view name) {
  switch (object.kind()) {
    case Kind::kUndefined:
      raise_undefined(object);
    case Kind::kObject:
      return object.object().attribute(name);
    case Kind::kDict:
      if (auto method = method_of(object, name)) return *method;
      if (const Value* value = object.dict().find(name)) return *value;
      break;
    case Kind::kString:
    case Kind::kList:
    case Kind::kTuple:
      if (auto method = method_of(object, name)) return *method;
      break;
    default:
      break;
  }
  return Value::undefined("'" + object_description(object) + "' has no attribute '" +
                          std::string(name) + "'");
}

Value Interpreter::get_item(const Value& object, const Value& key) {
  if (object.is_undefined()) raise_undefined(object);
  if (object.is_dict()) {
    if (const Value* value = object.dict().find(key)) return *value;
  } else if (((object.is_sequence() && !object.is_generator()) || object.is_string()) &&
             (key.is_int() || key.is_bool())) {
    std::int64_t index = key.as_int();
    if (object.is_string()) {
      const std::string& text = object.str();
      if (python::is_ascii(text)) {
        auto size = static_cast<std::int64_t>(text.size());
        if (index < 0) index += size;
        if (index >= 0 && index < size)
          return Value(text.substr(static_cast<std::size_t>(index), 1));
      } else {
        std::u32string cps = python::decode(text);
        auto size = static_cast<std::int64_t>(cps.size());
        if (index < 0) index += size;
        if (index >= 0 && index < size) {
          return Value(
              python::encode(std::u32string_view(cps).substr(static_cast<std::size_t>(index), 1)));
        }
      }
    } else {
      const List& items = object.items();
      auto size = static_cast<std::int64_t>(items.size());
      if (index < 0) index += size;
      if (index >= 0 && index < size) return items[static_cast<std::size_t>(index)];
    }
  }
  if (key.is_string()) {
    if (object.is_object()) return object.object().attribute(key.str());
    if (auto method = method_of(object, key.str())) return *method;
    return Value::undefined("'" + object_description(object) + "' has no attribute '" + key.str() +
                            "'");
  }
  return Value::undefined("'" + object_description(object) + "' has no element " + repr(key));
}

namespace {

// Python slice semantics: the indices a[start:stop:step] selects.
std::vector<std::size_t> slice_indices(std::int64_t size, const Value& start_v, const Value& stop_v,
                                       const Value& step_v) {
  auto as_index = [](const Value& v, const char* what) -> std::optional<std::int64_t> {
    if (v.is_none() || v.is_undefined()) return std::nullopt;
    if (!v.is_int() && !v.is_bool()) {
      type_error(std::string("slice ") + what +
                 " indices must be integers or None or have an __index__ method");
    }
    return v.as_int();
  };
  std::int64_t step = as_index(step_v, "step").value_or(1);
  if (step == 0) type_error("slice step cannot be zero");
  auto clamp = [&](std::optional<std::int64_t> v, std::int64_t fallback) {
    if (!v) return fallback;
    std::int64_t x = *v;
    if (x < 0) x += size;
    if (step > 0) return std::clamp<std::int64_t>(x, 0, size);
    return std::clamp<std::int64_t>(x, -1, size - 1);
  };
  std::int64_t start = clamp(as_index(start_v, "start"), step > 0 ? 0 : size - 1);
  std::int64_t stop = clamp(as_index(stop_v, "stop"), step > 0 ? size : -1);
  std::vector<std::size_t> indices;
  if (step > 0) {
    for (std::int64_t i = start; i < stop; i += step)
      indices.push_back(static_cast<std::size_t>(i));
  } else {
    for (std::int64_t i = start; i > stop; i += step)
      indices.push_back(static_cast<std::size_t>(i));
  }
  return indices;
}

}  // namespace

Value Interpreter::eval_compare(const Expr& expr) {
  Value left = eval(*expr.children[0]);
  for (std::size_t i = 0; i < expr.ops.size(); ++i) {
    Value right = eval(*expr.children[i + 1]);
    const std::string& op = expr.ops[i];
    bool result;
    if (op == "==") {
      result = equals(left, right);
    } else if (op == "!=") {
      result = !equals(left, right);
    } else if (op == "in" || op == "notin") {
      CallArgs args;
      args.positional.push_back(right);
      result = apply_test("in", left, args);
      if (op == "notin") result = !result;
    } else {
      if (left.is_undefined()) raise_undefined(left);
      if (right.is_undefined()) raise_undefined(right);
      try {
        if (op == "<") {
          result = less_than(left, right);
        } else if (op == ">") {
          result = less_than(right, left);
        } else if (op == "<=") {
          result = !less_than(right, left);
        } else {
          result = !less_than(left, right);
        }
      } catch (const TemplateError& error) {
        type_error("'" + op + "' not supported between instances of '" + type_name(left) +
                   "' and '" + type_name(right) + "'");
      }
    }
    if (!result) return Value(false);
    left = std::move(right);
  }
  return Value(true);
}

Value Interpreter::eval_impl(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::kLiteral:
      return expr.literal;
    case ExprKind::kName:
      return lookup(expr.name);
    case ExprKind::kList:
    case ExprKind::kTuple: {
      List items;
      items.reserve(expr.children.size());
      for (const ExprPtr& child : expr.children) items.push_back(eval(*child));
      return expr.kind == ExprKind::kList ? Value::list(std::move(items))
                                          : Value::tuple(std::move(items));
    }
    case ExprKind::kDict: {
      Dict dict;
      for (std::size_t i = 0; i + 1 < expr.children.size(); i += 2) {
        Value key = eval(*expr.children[i]);
        if (key.is_sequence() && key.is_list()) type_error("unhashable type: 'list'");
        if (key.is_dict()) type_error("unhashable type: 'dict'");
        dict.set(std::move(key), eval(*expr.children[i + 1]));
      }
      return Value::dict(std::move(dict));
    }
    case ExprKind::kAttribute:
      return get_attribute(eval(*expr.children[0]), expr.name);
    case ExprKind::kItem: {
      Value object = eval(*expr.children[0]);
      const Expr& key = *expr.children[1];
      if (key.kind != ExprKind::kSlice) return get_item(object, eval(key));
      Value parts[3];
      for (std::size_t i = 0; i < 3; ++i) {
        if (key.children[i]) parts[i] = eval(*key.children[i]);
      }
      if (object.is_undefined()) raise_undefined(object);
      if (object.is_string()) {
        std::u32string cps = python::decode(object.str());
        std::u32string out;
        for (std::size_t i :
             slice_indices(static_cast<std::int64_t>(cps.size()), parts[0], parts[1], parts[2])) {
          out += cps[i];
        }
        return Value(python::encode(out));
      }
      if (object.is_sequence() && !object.is_generator()) {
        List out;
        const List& items = object.items();
        for (std::size_t i :
             slice_indices(static_cast<std::int64_t>(items.size()), parts[0], parts[1], parts[2])) {
          out.push_back(items[i]);
        }
        return object.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
      }
      return Value::undefined("'" + object_description(object) + "' has no element slice");
    }
    case ExprKind::kSlice:
      type_error("unexpected slice");
    case ExprKind::kCall:
      return eval_call(expr, std::nullopt);
    case ExprKind::kFilter: {
      if (expr.unknown_name) {
        throw TemplateError(TemplateErrorKind::kType, "No filter named '" + expr.name + "'.");
      }
      Value subject = eval(*expr.children[0]);
      CallArgs args = eval_args(expr, 1);
      return apply_filter(expr.name, subject, args);
    }
    case ExprKind::kTest: {
      if (expr.unknown_name) {
        throw TemplateError(TemplateErrorKind::kType, "No test named '" + expr.name + "'.");
      }
      Value subject = eval(*expr.children[0]);
      CallArgs args = eval_args(expr, 1);
      bool result = apply_test(expr.name, subject, args);
      return Value(expr.negated ? !result : result);
    }
    case ExprKind::kNot:
      return Value(!truthy(eval(*expr.children[0])));
    case ExprKind::kNegate:
    case ExprKind::kPlus: {
      Value operand = eval(*expr.children[0]);
      if (operand.is_undefined()) raise_undefined(operand);
      if (!operand.is_number()) {
        type_error(std::string("bad operand type for unary ") +
                   (expr.kind == ExprKind::kNegate ? "-" : "+") + ": '" + type_name(operand) + "'");
      }
      if (expr.kind == ExprKind::kPlus) {
        return operand.is_float() ? operand : Value(operand.as_int());
      }
      if (operand.is_float()) return Value(-operand.as_double());
      if (operand.as_int() == std::numeric_limits<std::int64_t>::min()) overflow();
      return Value(-operand.as_int());
    }
    case ExprKind::kBinary: {
      Value result = binary_op(expr.name, eval(*expr.children[0]), eval(*expr.children[1]));
      if (result.is_string()) check_string_size(result.str().size());
      return result;
    }
    case ExprKind::kConcat: {
      std::string out;
      for (const ExprPtr& child : expr.children) {
        append_str(out, eval(*child));
        check_string_size(out.size());
      }
      return Value(std::move(out));
    }
    case ExprKind::kCompare:
      return eval_compare(expr);
    case ExprKind::kAnd: {
      Value left = eval(*expr.children[0]);
      return truthy(left) ? eval(*expr.children[1]) : left;
    }
    case ExprKind::kOr: {
      Value left = eval(*expr.children[0]);
      return truthy(left) ? left : eval(*expr.children[1]);
    }
    case ExprKind::kConditional:
      if (truthy(eval(*expr.children[1]))) return eval(*expr.children[0]);
      if (expr.children[2]) return eval(*expr.children[2]);
      return Value::undefined("the inline if-expression on line " + std::to_string(expr.line) +
                              " evaluated to false and no else section was defined.");
    case ExprKind::kBlockBody:
      return block_body_ != nullptr ? *block_body_ : Value("");
  }
  return Value();
}

Value Interpreter::apply_filter(std::string_view name, const Value& subject, CallArgs& args) {
  Value result = run_filter(*this, name, subject, args);
  if (result.is_string()) check_string_size(result.str().size());
  return result;
}

bool Interpreter::apply_test(std::string_view name, const Value& subject, CallArgs& args) {
  return run_test(*this, name, subject, args);
}

}  // namespace hfserve::chat
