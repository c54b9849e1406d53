// The evaluator: renders a parsed template (ast.h) with jinja2's semantics under Hugging
// Face's sandbox (ImmutableSandboxedEnvironment, default Undefined). One Interpreter per
// render; it owns the scopes, counts the work done against the limits and is used by
// one thread. Errors are TemplateErrors located at the expression that failed.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chat/ast.h"
#include "chat/value.h"

namespace hfserve::chat {

// Bounds on the work an untrusted template may do in one render.
struct RenderLimits {
  std::int64_t max_loop_iterations = 1'000'000;  // for-loop iterations, all loops together
  int max_call_depth = 100;                      // nested macro and caller() calls
  std::size_t max_output_bytes = 64 << 20;       // bytes emitted, and the size of any string
};

// A scope: variables set here, and the scope it reads through to.
struct Frame {
  std::vector<std::pair<std::string, Value>> vars;
  std::shared_ptr<Frame> parent;

  const Value* find(std::string_view name) const;
  void set(std::string_view name, Value value);
};

class Interpreter {
 public:
  // `globals` are read when no scope has a name (range, namespace, ...); `now` is what
  // strftime_now formats (the wall clock when empty).
  Interpreter(const RenderLimits& limits, std::shared_ptr<Frame> globals,
              std::optional<std::chrono::system_clock::time_point> now);
  // Releases the frames closures captured and the objects the render made (see
  // Object::release), so that cyclic references among them are freed.
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Registers an object for release when the render ends.
  void track(std::shared_ptr<Object> object) { objects_.push_back(std::move(object)); }

  // Renders `body` with the variables of `root` (whose parent should be the globals).
  std::string render(const Body& body, std::shared_ptr<Frame> root);

  Value eval(const Expr& expr);
  // Calls a value (macro, builtin, bound method); throws for what cannot be called.
  Value call(const Value& callee, CallArgs& args);
  // jinja2's getattr / getitem under the sandbox.
  Value get_attribute(const Value& object, std::string_view name);
  Value get_item(const Value& object, const Value& key);
  // Runs a named filter or test (map/select take their names as arguments).
  Value apply_filter(std::string_view name, const Value& subject, CallArgs& args);
  bool apply_test(std::string_view name, const Value& subject, CallArgs& args);

  // Accounting against the limits; throw TemplateError(kLimit) when exceeded.
  void count_iterations(std::int64_t n);
  void check_string_size(std::size_t bytes) const;

  std::chrono::system_clock::time_point now() const;
  bool clock_is_fixed() const { return now_.has_value(); }

  // Renders a `recursive` for loop's body again over `iterable` (what `loop(x)` does).
  std::string recurse_loop(const Stmt& stmt, const Value& iterable, int depth,
                           const std::shared_ptr<Frame>& outer);

  // Renders a macro-like body in a fresh frame over `closure` with `vars` bound.
  std::string render_in_frame(const Body& body, std::shared_ptr<Frame> closure,
                              std::vector<std::pair<std::string, Value>> vars);

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  Flow exec_body(const Body& body, std::string& out);
  Flow exec(const Stmt& stmt, std::string& out);
  void exec_for(const Stmt& stmt, std::string& out);
  void run_loop(const Stmt& stmt, const Value& iterable, int depth, std::shared_ptr<Frame> outer,
                std::string& out);
  void exec_macro(const Stmt& stmt);
  void exec_call_block(const Stmt& stmt, std::string& out);
  void assign(const Expr& target, const Value& value);
  void emit(std::string& out, std::string_view text);
  std::string render_child(const Body& body);

  Value eval_impl(const Expr& expr);
  Value eval_call(const Expr& expr, std::optional<std::pair<std::string, Value>> extra);
  CallArgs eval_args(const Expr& expr, std::size_t first);
  Value eval_compare(const Expr& expr);
  Value lookup(const std::string& name) const;

  RenderLimits limits_;
  std::shared_ptr<Frame> globals_;
  std::shared_ptr<Frame> frame_;
  std::optional<std::chrono::system_clock::time_point> now_;
  std::int64_t iterations_ = 0;
  std::size_t emitted_ = 0;
  int call_depth_ = 0;
  const Value* block_body_ = nullptr;
  std::vector<std::shared_ptr<Frame>> captured_;  // frames held by macros and loops
  std::vector<std::shared_ptr<Object>> objects_;

  friend class MacroCallable;
};

// Python's binary operators on template values (+ - * / // % **).
Value binary_op(std::string_view op, const Value& a, const Value& b);
// Iterates a value as a for loop does: list items, dict keys, string characters.
List iterate(const Value& value);
// markupsafe.escape's HTML escaping, and the text a value contributes to Markup (escaped
// unless it already is Markup).
std::string html_escape(std::string_view text);
std::string markup_text(const Value& value);
// Raises the error an undefined value carries (undefined or security).
[[noreturn]] void raise_undefined(const Value& value);

}  // namespace hfserve::chat
