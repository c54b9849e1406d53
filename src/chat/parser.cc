#include "chat/parser.h"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "chat/builtins.h"
#include "chat/lexer.h"
#include "chat/template_error.h"

namespace hfserve::chat {
namespace {

std::string describe(const Token& token) {
  switch (token.type) {
    case TokenType::kData:
      return "template data";
    case TokenType::kVariableBegin:
      return "begin of print statement";
    case TokenType::kVariableEnd:
      return "end of print statement";
    case TokenType::kBlockBegin:
      return "begin of statement block";
    case TokenType::kBlockEnd:
      return "end of statement block";
    case TokenType::kEnd:
      return "end of template";
    case TokenType::kString:
      return "string";
    case TokenType::kInteger:
      return "integer";
    case TokenType::kFloat:
      return "float";
    default:
      return token.text;
  }
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Body run() {
    Body body = subparse({});
    if (current().type != TokenType::kEnd) fail("unexpected '" + describe(current()) + "'");
    return body;
  }

 private:
  // Guards recursion on untrusted input.
  class Nest {
   public:
    explicit Nest(Parser& parser) : parser_(parser) {
      if (++parser_.depth_ > kMaxNesting) {
        const Token& token = parser_.current();
        throw TemplateError(TemplateErrorKind::kLimit,
                            "template nests deeper than " + std::to_string(kMaxNesting) + " levels",
                            token.line, token.column);
      }
    }
    ~Nest() { --parser_.depth_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;

   private:
    Parser& parser_;
  };

  const Token& current() const { return tokens_[pos_]; }
  const Token& look() const { return tokens_[std::min(pos_ + 1, tokens_.size() - 1)]; }
  const Token& advance() {
    const Token& token = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return token;
  }

  [[noreturn]] void fail(const std::string& message) const { fail_at(message, current()); }
  [[noreturn]] static void fail_at(const std::string& message, const Token& token) {
    throw TemplateError(TemplateErrorKind::kSyntax, message, token.line, token.column);
  }

  bool is_op(std::string_view op) const {
    return current().type == TokenType::kOperator && current().text == op;
  }
  bool is_name(std::string_view name) const {
    return current().type == TokenType::kName && current().text == name;
  }
  bool skip_op(std::string_view op) {
    if (!is_op(op)) return false;
    advance();
    return true;
  }
  bool skip_name(std::string_view name) {
    if (!is_name(name)) return false;
    advance();
    return true;
  }
  void expect_op(std::string_view op) {
    if (!skip_op(op)) {
      fail("expected token '" + std::string(op) + "', got '" + describe(current()) + "'");
    }
  }
  void expect_name(std::string_view name) {
    if (!skip_name(name)) {
      fail("expected token '" + std::string(name) + "', got '" + describe(current()) + "'");
    }
  }
  std::string expect_any_name() {
    if (current().type != TokenType::kName) {
      fail("expected token 'name', got '" + describe(current()) + "'");
    }
    return advance().text;
  }
  void expect_block_end() {
    if (current().type != TokenType::kBlockEnd) {
      fail("expected token 'end of statement block', got '" + describe(current()) + "'");
    }
    advance();
  }

  ExprPtr make(ExprKind kind, const Token& at) {
    auto expr = std::make_unique<Expr>();
    expr->kind = kind;
    expr->line = at.line;
    expr->column = at.column;
    return expr;
  }

  // ---- statements ------------------------------------------------------------------

  // Statements until a block tag whose name is in `end_names` (left as the current token,
  // the `{%` consumed) or the end of the template.
  Body subparse(std::initializer_list<std::string_view> end_names) {
    Nest nest(*this);
    Body body;
    while (current().type != TokenType::kEnd) {
      const Token& token = current();
      if (token.type == TokenType::kData) {
        auto stmt = make_stmt(StmtKind::kData, token);
        stmt->text = token.text;
        body.push_back(std::move(stmt));
        advance();
      } else if (token.type == TokenType::kVariableBegin) {
        auto stmt = make_stmt(StmtKind::kOutput, token);
        advance();
        stmt->expr = parse_tuple(true, {}, false);
        if (current().type != TokenType::kVariableEnd) {
          fail("expected token 'end of print statement', got '" + describe(current()) + "'");
        }
        advance();
        body.push_back(std::move(stmt));
      } else if (token.type == TokenType::kBlockBegin) {
        advance();
        if (current().type == TokenType::kName &&
            std::find(end_names.begin(), end_names.end(), current().text) != end_names.end()) {
          return body;
        }
        parse_statement(body);
        expect_block_end();
      } else {
        fail("unexpected '" + describe(token) + "'");
      }
    }
    if (end_names.size() > 0) {
      std::string expected;
      for (std::string_view name : end_names) {
        if (!expected.empty()) expected += " or ";
        expected += "'" + std::string(name) + "'";
      }
      fail("unexpected end of template, expected " + expected);
    }
    return body;
  }

  // The body of a block statement: `%}`, statements, and the end tag's name (consumed
  // when drop_needle, else left current).
  Body parse_body(std::initializer_list<std::string_view> end_names, bool drop_needle) {
    skip_op(":");
    expect_block_end();
    Body body = subparse(end_names);
    if (drop_needle) advance();
    return body;
  }

  StmtPtr make_stmt(StmtKind kind, const Token& at) {
    auto stmt = std::make_unique<Stmt>();
    stmt->kind = kind;
    stmt->line = at.line;
    stmt->column = at.column;
    return stmt;
  }

  void parse_statement(Body& body) {
    const Token& token = current();
    if (token.type != TokenType::kName) fail("tag name expected");
    const std::string& name = token.text;
    if (name == "if") return body.push_back(parse_if());
    if (name == "for") return body.push_back(parse_for());
    if (name == "set") return body.push_back(parse_set());
    if (name == "macro") return body.push_back(parse_macro());
    if (name == "call") return body.push_back(parse_call_block());
    if (name == "filter") return body.push_back(parse_filter_block());
    if (name == "with") return body.push_back(parse_with());
    if (name == "print") {
      auto stmt = make_stmt(StmtKind::kOutput, token);
      advance();
      stmt->expr = parse_tuple(true, {}, false);
      return body.push_back(std::move(stmt));
    }
    if (name == "break" || name == "continue") {
      if (loop_depth_ == 0) fail("'" + name + "' outside of a loop");
      auto stmt = make_stmt(name == "break" ? StmtKind::kBreak : StmtKind::kContinue, token);
      advance();
      return body.push_back(std::move(stmt));
    }
    if (name == "generation") {
      auto stmt = make_stmt(StmtKind::kScope, token);
      advance();
      stmt->body = parse_body({"endgeneration"}, true);
      return body.push_back(std::move(stmt));
    }
    fail("encountered unknown tag '" + name + "'");
  }

  StmtPtr parse_if() {
    auto stmt = make_stmt(StmtKind::kIf, current());
    advance();
    ++if_depth_;
    while (true) {
      Branch branch;
      branch.condition = parse_tuple(false, {}, false);
      branch.body = parse_body({"elif", "else", "endif"}, false);
      stmt->branches.push_back(std::move(branch));
      std::string which = advance().text;
      if (which == "elif") continue;
      if (which == "else") {
        Branch otherwise;
        otherwise.body = parse_body({"endif"}, true);
        stmt->branches.push_back(std::move(otherwise));
      }
      break;
    }
    --if_depth_;
    return stmt;
  }

  StmtPtr parse_for() {
    auto stmt = make_stmt(StmtKind::kFor, current());
    advance();
    stmt->target = parse_assign_target(true, {"in"}, false);
    expect_name("in");
    stmt->expr = parse_tuple(false, {"recursive"}, false);
    if (skip_name("if")) stmt->condition = parse_expression(true);
    stmt->recursive = skip_name("recursive");
    ++loop_depth_;
    stmt->body = parse_body({"endfor", "else"}, false);
    --loop_depth_;
    if (advance().text == "else") stmt->else_body = parse_body({"endfor"}, true);
    return stmt;
  }

  StmtPtr parse_set() {
    const Token& at = current();
    advance();
    ExprPtr target = parse_assign_target(true, {}, true);
    if (skip_op("=")) {
      auto stmt = make_stmt(StmtKind::kSet, at);
      stmt->target = std::move(target);
      stmt->expr = parse_tuple(true, {}, false);
      return stmt;
    }
    auto stmt = make_stmt(StmtKind::kSetBlock, at);
    stmt->target = std::move(target);
    if (is_op("|")) stmt->expr = parse_filters(make(ExprKind::kBlockBody, current()), false);
    stmt->body = parse_body({"endset"}, true);
    return stmt;
  }

  void parse_signature(Stmt& stmt) {
    expect_op("(");
    while (!is_op(")")) {
      if (!stmt.params.empty()) expect_op(",");
      const Token& at = current();
      std::string param = expect_any_name();
      if (param == "true" || param == "false" || param == "none" || param == "True" ||
          param == "False" || param == "None") {
        fail_at("can't assign to 'const'", at);
      }
      ExprPtr default_value;
      if (skip_op("=")) {
        default_value = parse_expression(true);
      } else if (std::any_of(stmt.defaults.begin(), stmt.defaults.end(),
                             [](const ExprPtr& d) { return d != nullptr; })) {
        fail_at("non-default argument follows default argument", at);
      }
      stmt.params.push_back(param);
      stmt.defaults.push_back(std::move(default_value));
    }
    expect_op(")");
  }

  StmtPtr parse_macro() {
    auto stmt = make_stmt(StmtKind::kMacro, current());
    advance();
    stmt->text = expect_any_name();
    parse_signature(*stmt);
    int saved_loops = std::exchange(loop_depth_, 0);
    stmt->body = parse_body({"endmacro"}, true);
    loop_depth_ = saved_loops;
    return stmt;
  }

  StmtPtr parse_call_block() {
    auto stmt = make_stmt(StmtKind::kCallBlock, current());
    advance();
    if (is_op("(")) parse_signature(*stmt);
    const Token& at = current();
    stmt->expr = parse_expression(true);
    if (stmt->expr->kind != ExprKind::kCall) fail_at("expected call", at);
    int saved_loops = std::exchange(loop_depth_, 0);
    stmt->body = parse_body({"endcall"}, true);
    loop_depth_ = saved_loops;
    return stmt;
  }

  StmtPtr parse_filter_block() {
    auto stmt = make_stmt(StmtKind::kFilterBlock, current());
    advance();
    stmt->expr = parse_filters(make(ExprKind::kBlockBody, current()), true);
    stmt->body = parse_body({"endfilter"}, true);
    return stmt;
  }

  StmtPtr parse_with() {
    auto stmt = make_stmt(StmtKind::kWith, current());
    advance();
    while (current().type != TokenType::kBlockEnd) {
      if (!stmt->assignments.empty()) expect_op(",");
      ExprPtr target = parse_assign_target(true, {}, false);
      expect_op("=");
      stmt->assignments.emplace_back(std::move(target), parse_expression(true));
    }
    stmt->body = parse_body({"endwith"}, true);
    return stmt;
  }

  // A name, a tuple of names, or (with_namespace) `ns.attribute`.
  ExprPtr parse_assign_target(bool with_tuple, std::initializer_list<std::string_view> extra_end,
                              bool with_namespace) {
    const Token& at = current();
    if (with_namespace && current().type == TokenType::kName &&
        look().type == TokenType::kOperator && look().text == ".") {
      auto name = make(ExprKind::kName, at);
      name->name = advance().text;
      advance();
      auto target = make(ExprKind::kAttribute, at);
      target->name = expect_any_name();
      target->children.push_back(std::move(name));
      return target;
    }
    ExprPtr target = with_tuple ? parse_tuple_of_primaries(extra_end) : parse_primary();
    auto assignable = [](const Expr& e) { return e.kind == ExprKind::kName; };
    bool ok =
        assignable(*target) || (target->kind == ExprKind::kTuple &&
                                std::all_of(target->children.begin(), target->children.end(),
                                            [&](const ExprPtr& c) { return assignable(*c); }));
    if (!ok) fail_at("can't assign to '" + describe_target(*target) + "'", at);
    return target;
  }

  static std::string describe_target(const Expr& e) {
    switch (e.kind) {
      case ExprKind::kLiteral:
        return "const";
      case ExprKind::kTuple:
        return "tuple";
      case ExprKind::kList:
        return "list";
      case ExprKind::kDict:
        return "dict";
      default:
        return "expression";
    }
  }

  // ---- expressions -----------------------------------------------------------------

  bool is_tuple_end(std::initializer_list<std::string_view> extra_end) const {
    const Token& token = current();
    if (token.type == TokenType::kVariableEnd || token.type == TokenType::kBlockEnd ||
        token.type == TokenType::kEnd ||
        (token.type == TokenType::kOperator && token.text == ")")) {
      return true;
    }
    return token.type == TokenType::kName &&
           std::find(extra_end.begin(), extra_end.end(), token.text) != extra_end.end();
  }

  ExprPtr parse_tuple_of_primaries(std::initializer_list<std::string_view> extra_end) {
    const Token& at = current();
    std::vector<ExprPtr> items;
    bool is_tuple = false;
    while (true) {
      if (!items.empty()) expect_op(",");
      if (is_tuple_end(extra_end)) break;
      items.push_back(parse_primary());
      if (!is_op(",")) break;
      is_tuple = true;
    }
    return finish_tuple(std::move(items), is_tuple, false, at);
  }

  ExprPtr parse_tuple(bool with_conditional, std::initializer_list<std::string_view> extra_end,
                      bool explicit_parentheses) {
    const Token& at = current();
    std::vector<ExprPtr> items;
    bool is_tuple = false;
    while (true) {
      if (!items.empty()) expect_op(",");
      if (is_tuple_end(extra_end)) break;
      items.push_back(parse_expression(with_conditional));
      if (!is_op(",")) break;
      is_tuple = true;
    }
    return finish_tuple(std::move(items), is_tuple, explicit_parentheses, at);
  }

  ExprPtr finish_tuple(std::vector<ExprPtr> items, bool is_tuple, bool explicit_parentheses,
                       const Token& at) {
    if (!is_tuple) {
      if (!items.empty()) return std::move(items.front());
      if (!explicit_parentheses) {
        fail("expected an expression, got '" + describe(current()) + "'");
      }
    }
    auto tuple = make(ExprKind::kTuple, at);
    tuple->children = std::move(items);
    return tuple;
  }

  ExprPtr parse_expression(bool with_conditional) {
    Nest nest(*this);
    return with_conditional ? parse_conditional() : parse_or();
  }

  ExprPtr parse_conditional() {
    ExprPtr expr = parse_or();
    while (is_name("if")) {
      auto cond = make(ExprKind::kConditional, current());
      advance();
      ExprPtr test = parse_or();
      ExprPtr otherwise;
      if (skip_name("else")) otherwise = parse_conditional();
      cond->children.push_back(std::move(expr));
      cond->children.push_back(std::move(test));
      cond->children.push_back(std::move(otherwise));
      expr = std::move(cond);
    }
    return expr;
  }

  ExprPtr binary(ExprKind kind, const Token& at, ExprPtr left, ExprPtr right, std::string op = {}) {
    auto node = make(kind, at);
    node->name = std::move(op);
    node->children.push_back(std::move(left));
    node->children.push_back(std::move(right));
    return node;
  }

  ExprPtr parse_or() {
    ExprPtr left = parse_and();
    while (is_name("or")) {
      const Token& at = advance();
      left = binary(ExprKind::kOr, at, std::move(left), parse_and());
    }
    return left;
  }

  ExprPtr parse_and() {
    ExprPtr left = parse_not();
    while (is_name("and")) {
      const Token& at = advance();
      left = binary(ExprKind::kAnd, at, std::move(left), parse_not());
    }
    return left;
  }

  ExprPtr parse_not() {
    if (is_name("not")) {
      Nest nest(*this);
      auto node = make(ExprKind::kNot, advance());
      node->children.push_back(parse_not());
      return node;
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    const Token& at = current();
    ExprPtr first = parse_math1();
    std::vector<std::string> ops;
    std::vector<ExprPtr> operands;
    while (true) {
      const Token& token = current();
      if (token.type == TokenType::kOperator &&
          (token.text == "==" || token.text == "!=" || token.text == "<" || token.text == "<=" ||
           token.text == ">" || token.text == ">=")) {
        ops.push_back(advance().text);
      } else if (skip_name("in")) {
        ops.emplace_back("in");
      } else if (is_name("not") && look().type == TokenType::kName && look().text == "in") {
        advance();
        advance();
        ops.emplace_back("notin");
      } else {
        break;
      }
      operands.push_back(parse_math1());
    }
    if (ops.empty()) return first;
    auto node = make(ExprKind::kCompare, at);
    node->children.push_back(std::move(first));
    for (auto& operand : operands) node->children.push_back(std::move(operand));
    node->ops = std::move(ops);
    return node;
  }

  ExprPtr parse_math1() {
    ExprPtr left = parse_concat();
    while (is_op("+") || is_op("-")) {
      const Token& at = advance();
      left = binary(ExprKind::kBinary, at, std::move(left), parse_concat(), at.text);
    }
    return left;
  }

  ExprPtr parse_concat() {
    const Token& at = current();
    ExprPtr first = parse_math2();
    if (!is_op("~")) return first;
    auto node = make(ExprKind::kConcat, at);
    node->children.push_back(std::move(first));
    while (skip_op("~")) node->children.push_back(parse_math2());
    return node;
  }

  ExprPtr parse_math2() {
    ExprPtr left = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      const Token& at = advance();
      left = binary(ExprKind::kBinary, at, std::move(left), parse_pow(), at.text);
    }
    return left;
  }

  ExprPtr parse_pow() {
    ExprPtr left = parse_unary(true);
    while (is_op("**")) {
      const Token& at = advance();
      left = binary(ExprKind::kBinary, at, std::move(left), parse_unary(true), at.text);
    }
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    Nest nest(*this);
    ExprPtr node;
    if (is_op("-") || is_op("+")) {
      const Token& at = advance();
      node = make(at.text == "-" ? ExprKind::kNegate : ExprKind::kPlus, at);
      node->children.push_back(parse_unary(false));
    } else {
      node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
  }

  ExprPtr parse_primary() {
    Nest nest(*this);
    const Token& token = current();
    switch (token.type) {
      case TokenType::kName: {
        advance();
        const std::string& name = token.text;
        if (name == "true" || name == "True" || name == "false" || name == "False") {
          auto node = make(ExprKind::kLiteral, token);
          node->literal = Value(name == "true" || name == "True");
          return node;
        }
        if (name == "none" || name == "None") {
          auto node = make(ExprKind::kLiteral, token);
          node->literal = Value::none();
          return node;
        }
        auto node = make(ExprKind::kName, token);
        node->name = name;
        return node;
      }
      case TokenType::kString: {
        auto node = make(ExprKind::kLiteral, token);
        std::string text;
        while (current().type == TokenType::kString) text += advance().text;
        node->literal = Value(std::move(text));
        return node;
      }
      case TokenType::kInteger:
      case TokenType::kFloat: {
        auto node = make(ExprKind::kLiteral, token);
        node->literal =
            token.type == TokenType::kInteger ? Value(token.integer) : Value(token.number);
        advance();
        return node;
      }
      case TokenType::kOperator:
        if (token.text == "(") {
          advance();
          ExprPtr inner = parse_tuple(true, {}, true);
          expect_op(")");
          return inner;
        }
        if (token.text == "[") return parse_list();
        if (token.text == "{") return parse_dict();
        break;
      default:
        break;
    }
    fail("unexpected '" + describe(token) + "'");
  }

  ExprPtr parse_list() {
    auto node = make(ExprKind::kList, advance());
    while (!is_op("]")) {
      if (!node->children.empty()) expect_op(",");
      if (is_op("]")) break;
      node->children.push_back(parse_expression(true));
    }
    expect_op("]");
    return node;
  }

  ExprPtr parse_dict() {
    auto node = make(ExprKind::kDict, advance());
    while (!is_op("}")) {
      if (!node->children.empty()) expect_op(",");
      if (is_op("}")) break;
      node->children.push_back(parse_expression(true));
      expect_op(":");
      node->children.push_back(parse_expression(true));
    }
    expect_op("}");
    return node;
  }

  ExprPtr parse_postfix(ExprPtr node) {
    while (true) {
      if (is_op(".") || is_op("[")) {
        node = parse_subscript(std::move(node));
      } else if (is_op("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_filter_expr(ExprPtr node) {
    while (true) {
      if (is_op("|")) {
        node = parse_filters(std::move(node), false);
      } else if (is_name("is")) {
        node = parse_test(std::move(node));
      } else if (is_op("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr node) {
    const Token& at = advance();
    if (at.text == ".") {
      const Token& attr = current();
      if (attr.type == TokenType::kName) {
        auto getattr = make(ExprKind::kAttribute, at);
        getattr->name = advance().text;
        getattr->children.push_back(std::move(node));
        return getattr;
      }
      if (attr.type != TokenType::kInteger) fail("expected name or number");
      auto getitem = make(ExprKind::kItem, at);
      auto key = make(ExprKind::kLiteral, attr);
      key->literal = Value(attr.integer);
      advance();
      getitem->children.push_back(std::move(node));
      getitem->children.push_back(std::move(key));
      return getitem;
    }
    std::vector<ExprPtr> args;
    while (!is_op("]")) {
      if (!args.empty()) expect_op(",");
      args.push_back(parse_subscribed());
    }
    expect_op("]");
    auto getitem = make(ExprKind::kItem, at);
    getitem->children.push_back(std::move(node));
    if (args.size() == 1) {
      getitem->children.push_back(std::move(args.front()));
    } else {
      auto tuple = make(ExprKind::kTuple, at);
      tuple->children = std::move(args);
      getitem->children.push_back(std::move(tuple));
    }
    return getitem;
  }

  ExprPtr parse_subscribed() {
    const Token& at = current();
    std::vector<ExprPtr> parts;
    if (skip_op(":")) {
      parts.emplace_back();
    } else {
      ExprPtr node = parse_expression(true);
      if (!skip_op(":")) return node;
      parts.push_back(std::move(node));
    }
    if (is_op(":") || is_op("]") || is_op(",")) {
      parts.emplace_back();
    } else {
      parts.push_back(parse_expression(true));
    }
    if (skip_op(":")) {
      if (is_op("]") || is_op(",")) {
        parts.emplace_back();
      } else {
        parts.push_back(parse_expression(true));
      }
    } else {
      parts.emplace_back();
    }
    auto slice = make(ExprKind::kSlice, at);
    slice->children = std::move(parts);
    return slice;
  }

  // Fills node's children (after children[0]), keywords and star arguments from `( ... )`.
  void parse_call_args(Expr& node) {
    expect_op("(");
    bool require_comma = false;
    auto ensure = [&](bool ok) {
      if (!ok) fail("invalid syntax for function call expression");
    };
    while (!is_op(")")) {
      if (require_comma) {
        expect_op(",");
        if (is_op(")")) break;
      }
      if (is_op("*")) {
        ensure(!node.star_args && !node.star_kwargs);
        advance();
        node.star_args = parse_expression(true);
      } else if (is_op("**")) {
        ensure(!node.star_kwargs);
        advance();
        node.star_kwargs = parse_expression(true);
      } else if (current().type == TokenType::kName && look().type == TokenType::kOperator &&
                 look().text == "=") {
        ensure(!node.star_kwargs);
        std::string key = advance().text;
        advance();
        node.keywords.emplace_back(std::move(key), parse_expression(true));
      } else {
        ensure(!node.star_args && !node.star_kwargs && node.keywords.empty());
        node.children.push_back(parse_expression(true));
      }
      require_comma = true;
    }
    expect_op(")");
  }

  ExprPtr parse_call(ExprPtr callee) {
    auto call = make(ExprKind::kCall, current());
    call->children.push_back(std::move(callee));
    parse_call_args(*call);
    return call;
  }

  ExprPtr parse_filters(ExprPtr node, bool start_inline) {
    while (is_op("|") || start_inline) {
      if (!start_inline) advance();
      start_inline = false;
      const Token& at = current();
      std::string name = expect_any_name();
      while (skip_op(".")) {
        name += '.';
        name += expect_any_name();
      }
      auto filter = make(ExprKind::kFilter, at);
      filter->name = name;
      filter->children.push_back(std::move(node));
      if (is_op("(")) parse_call_args(*filter);
      check_known(*filter, has_filter(name), "filter", at);
      node = std::move(filter);
    }
    return node;
  }

  ExprPtr parse_test(ExprPtr node) {
    advance();
    bool negated = skip_name("not");
    const Token& at = current();
    std::string name = expect_any_name();
    while (skip_op(".")) {
      name += '.';
      name += expect_any_name();
    }
    auto test = make(ExprKind::kTest, at);
    test->name = name;
    test->negated = negated;
    test->children.push_back(std::move(node));
    const Token& next = current();
    bool starts_argument =
        next.type == TokenType::kName || next.type == TokenType::kString ||
        next.type == TokenType::kInteger || next.type == TokenType::kFloat ||
        (next.type == TokenType::kOperator && (next.text == "[" || next.text == "{"));
    if (is_op("(")) {
      parse_call_args(*test);
    } else if (starts_argument && !is_name("else") && !is_name("or") && !is_name("and")) {
      if (is_name("is")) fail("You cannot chain multiple tests with is");
      test->children.push_back(parse_postfix(parse_primary()));
    }
    check_known(*test, has_test(name), "test", at);
    return test;
  }

  // jinja2 rejects an unknown filter or test when compiling, except inside an `if`
  // body, where the failure is deferred to when (if ever) it runs.
  void check_known(Expr& node, bool known, const char* what, const Token& at) {
    if (known) return;
    if (if_depth_ == 0) fail_at(std::string("no ") + what + " named '" + node.name + "'", at);
    node.unknown_name = true;
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  int if_depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace

Body parse_template(std::string_view source) { return Parser(tokenize(source)).run(); }

}  // namespace hfserve::chat
