// The global functions of Hugging Face's template environment: jinja2's range, namespace,
// dict, cycler and joiner, and HF's raise_exception and strftime_now.
#include <ctime>

#include "chat/builtins.h"
#include "chat/template_error.h"

namespace hfserve::chat {
namespace {

// jinja2.sandbox.MAX_RANGE: longer ranges are refused.
constexpr std::int64_t kMaxRange = 100000;

[[noreturn]] void type_error(const std::string& message) {
  throw TemplateError(TemplateErrorKind::kType, message);
}

class Function : public Callable {
 public:
  using Fn = Value (*)(Interpreter&, CallArgs&);
  Function(std::string name, Fn fn) : name_(std::move(name)), fn_(fn) {}
  Value call(Interpreter& interpreter, CallArgs& args) override { return fn_(interpreter, args); }
  std::string repr() const override { return "<function " + name_ + ">"; }

 private:
  std::string name_;
  Fn fn_;
};

// namespace(): the one object a template may assign attributes to.
class Namespace : public Object {
 public:
  explicit Namespace(Dict attributes) : attributes_(std::move(attributes)) {}
  Value attribute(std::string_view name) const override {
    if (const Value* value = attributes_.find(name)) return *value;
    return Value::undefined("'Namespace object' has no attribute '" + std::string(name) + "'");
  }
  bool set_attribute(std::string_view name, Value value) override {
    attributes_.set(Value(name), std::move(value));
    return true;
  }
  std::string type_name() const override { return "Namespace"; }
  void release() override { attributes_.items.clear(); }
  std::string repr() const override {
    return "<Namespace " + chat::repr(Value::dict(attributes_)) + ">";
  }

 private:
  Dict attributes_;
};

// Dict(*mapping, **kwargs) as namespace() and dict() take it.
Dict dict_from_args(CallArgs& args, const char* function) {
  Dict dict;
  if (args.positional.size() > 1) {
    type_error(std::string(function) + " expected at most 1 argument, got " +
               std::to_string(args.positional.size()));
  }
  if (!args.positional.empty()) {
    const Value& source = args.positional[0];
    if (source.is_dict()) {
      dict = source.dict();
    } else {
      for (const Value& pair : iterate(source)) {
        if (!pair.is_sequence() || pair.items().size() != 2) {
          type_error("dictionary update sequence element has wrong length");
        }
        dict.set(pair.items()[0], pair.items()[1]);
      }
    }
  }
  for (const auto& [key, value] : args.keyword) dict.set(Value(key), value);
  return dict;
}

Value g_range(Interpreter& in, CallArgs& args) {
  if (!args.keyword.empty()) type_error("range() takes no keyword arguments");
  std::int64_t start = 0;
  std::int64_t stop = 0;
  std::int64_t step = 1;
  switch (args.positional.size()) {
    case 1:
      stop = expect_int(args.positional[0], "range() argument");
      break;
    case 2:
    case 3:
      start = expect_int(args.positional[0], "range() argument");
      stop = expect_int(args.positional[1], "range() argument");
      if (args.positional.size() == 3) step = expect_int(args.positional[2], "range() argument");
      break;
    default:
      type_error("range expected at least 1 argument, got " +
                 std::to_string(args.positional.size()));
  }
  if (step == 0) type_error("range() arg 3 must not be zero");
  // Python's len(range(...)), in unsigned arithmetic so that extreme bounds cannot overflow.
  std::uint64_t count = 0;
  if (step > 0 && stop > start) {
    std::uint64_t distance = static_cast<std::uint64_t>(stop) - static_cast<std::uint64_t>(start);
    auto stride = static_cast<std::uint64_t>(step);
    count = distance / stride + (distance % stride != 0 ? 1 : 0);
  } else if (step < 0 && stop < start) {
    std::uint64_t distance = static_cast<std::uint64_t>(start) - static_cast<std::uint64_t>(stop);
    std::uint64_t stride = 0 - static_cast<std::uint64_t>(step);
    count = distance / stride + (distance % stride != 0 ? 1 : 0);
  }
  if (count > static_cast<std::uint64_t>(kMaxRange)) {
    type_error("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
  }
  in.count_iterations(static_cast<std::int64_t>(count));
  List items;
  items.reserve(count);
  // start + k * step stays between start and stop, so it cannot overflow.
  for (std::uint64_t k = 0; k < count; ++k) {
    items.emplace_back(static_cast<std::int64_t>(static_cast<std::uint64_t>(start) +
                                                 k * static_cast<std::uint64_t>(step)));
  }
  return Value::list(std::move(items));
}

Value g_namespace(Interpreter& in, CallArgs& args) {
  auto ns = std::make_shared<Namespace>(dict_from_args(args, "namespace"));
  in.track(ns);
  return Value::object(std::move(ns));
}

Value g_dict(Interpreter&, CallArgs& args) { return Value::dict(dict_from_args(args, "dict")); }

Value g_raise_exception(Interpreter&, CallArgs& args) {
  BoundArgs a(args, "raise_exception", {"message"});
  throw TemplateError(TemplateErrorKind::kRaised, to_str(a.get(0, Value())));
}

Value g_strftime_now(Interpreter& in, CallArgs& args) {
  BoundArgs a(args, "strftime_now", {"format"});
  const std::string& format = expect_string(a.get(0, Value()), "format");
  std::time_t t = std::chrono::system_clock::to_time_t(in.now());
  std::tm parts{};
  // A fixed clock is a wall-clock time given in UTC; the real clock is local, as Python's
  // datetime.now() is.
  if (in.clock_is_fixed()) {
    gmtime_r(&t, &parts);
  } else {
    localtime_r(&t, &parts);
  }
  if (format.empty()) return Value("");
  std::string buffer(format.size() * 4 + 64, '\0');
  for (int attempt = 0; attempt < 4; ++attempt) {
    std::size_t n = std::strftime(buffer.data(), buffer.size(), format.c_str(), &parts);
    if (n > 0) return Value(buffer.substr(0, n));
    buffer.resize(buffer.size() * 4);
  }
  return Value("");
}

// cycler(*items): .next(), .reset(), .current.
class Cycler : public Object, public std::enable_shared_from_this<Cycler> {
 public:
  explicit Cycler(List items) : items_(std::move(items)) {}
  Value attribute(std::string_view name) const override {
    // The bound next()/reset() keep the cycler alive: they may outlive the expression.
    auto self = std::const_pointer_cast<Cycler>(shared_from_this());
    if (name == "current") return items_.empty() ? Value::none() : items_[position_];
    if (name == "next") return Value::callable(std::make_shared<Step>(self, false));
    if (name == "reset") return Value::callable(std::make_shared<Step>(self, true));
    return Value::undefined("'Cycler object' has no attribute '" + std::string(name) + "'");
  }
  std::string type_name() const override { return "Cycler"; }

 private:
  class Step : public Callable {
   public:
    Step(std::shared_ptr<Cycler> owner, bool reset) : owner_(std::move(owner)), reset_(reset) {}
    Value call(Interpreter&, CallArgs&) override {
      if (reset_) {
        owner_->position_ = 0;
        return Value::none();
      }
      if (owner_->items_.empty()) return Value::none();
      Value current = owner_->items_[owner_->position_];
      owner_->position_ = (owner_->position_ + 1) % owner_->items_.size();
      return current;
    }
    std::string repr() const override { return "<bound method Cycler>"; }

   private:
    std::shared_ptr<Cycler> owner_;
    bool reset_;
  };

  List items_;
  std::size_t position_ = 0;
};

Value g_cycler(Interpreter&, CallArgs& args) {
  if (args.positional.empty()) type_error("at least one item has to be provided");
  return Value::object(std::make_shared<Cycler>(args.positional));
}

// joiner(sep): returns "" the first time it is called, then sep.
class Joiner : public Callable {
 public:
  explicit Joiner(std::string separator) : separator_(std::move(separator)) {}
  Value call(Interpreter&, CallArgs&) override {
    if (!used_) {
      used_ = true;
      return Value("");
    }
    return Value(separator_);
  }
  std::string repr() const override { return "<Joiner>"; }

 private:
  std::string separator_;
  bool used_ = false;
};

Value g_joiner(Interpreter&, CallArgs& args) {
  BoundArgs a(args, "joiner", {"sep"});
  return Value::callable(std::make_shared<Joiner>(to_str(a.get(0, Value(", ")))));
}

}  // namespace

std::shared_ptr<Frame> make_globals() {
  auto frame = std::make_shared<Frame>();
  auto add = [&](const char* name, Function::Fn fn) {
    frame->vars.emplace_back(name, Value::callable(std::make_shared<Function>(name, fn)));
  };
  add("range", g_range);
  add("namespace", g_namespace);
  add("dict", g_dict);
  add("cycler", g_cycler);
  add("joiner", g_joiner);
  add("raise_exception", g_raise_exception);
  add("strftime_now", g_strftime_now);
  return frame;
}

}  // namespace hfserve::chat
