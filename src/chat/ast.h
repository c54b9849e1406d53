// The syntax tree of a parsed chat template. Built once by the parser, owned by the
// Template and only read while rendering, so many threads may render one tree at once.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/value.h"

namespace hfserve::chat {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

enum class ExprKind {
  kLiteral,      // literal
  kName,         // name
  kList,         // children: items
  kTuple,        // children: items
  kDict,         // children: key, value, key, value...
  kAttribute,    // children[0].name
  kItem,         // children[0][children[1]]
  kSlice,        // children: start, stop, step (each may be null); only as kItem's key
  kCall,         // children[0](children[1..], keywords, *star_args, **star_kwargs)
  kFilter,       // children[0] | name(children[1..], keywords)
  kTest,         // children[0] is [not] name(children[1..], keywords)
  kNot,          // not children[0]
  kNegate,       // -children[0]
  kPlus,         // +children[0]
  kBinary,       // children[0] op children[1], op in + - * / // % **
  kConcat,       // children joined with ~
  kCompare,      // children[0] ops[0] children[1] ops[1] children[2]...
  kAnd,          // children[0] and children[1]
  kOr,           // children[0] or children[1]
  kConditional,  // children[0] if children[1] else children[2] (null: undefined)
  kBlockBody,    // the rendered body of a filter block or a set block with a filter
};

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  int line = 0;
  int column = 0;
  Value literal;
  std::string name;  // kName, kAttribute, kFilter, kTest; the operator of kBinary
  std::vector<ExprPtr> children;
  std::vector<std::string> ops;  // kCompare: == != < <= > >= in notin
  std::vector<std::pair<std::string, ExprPtr>> keywords;
  ExprPtr star_args;
  ExprPtr star_kwargs;
  bool negated = false;       // kTest written `is not`
  bool unknown_name = false;  // kFilter/kTest whose name no builtin has (fails when run)
};

enum class StmtKind {
  kData,         // text
  kOutput,       // {{ expr }}
  kIf,           // branches
  kFor,          // for target in expr [if condition] ... [else ...]
  kSet,          // set target = expr
  kSetBlock,     // set target [| filter] ... endset
  kMacro,        // macro name(params) ... endmacro
  kCallBlock,    // call [(params)] expr ... endcall
  kFilterBlock,  // filter chain ... endfilter
  kWith,         // with a = x, b = y ... endwith
  kBreak,
  kContinue,
  kScope,  // a body rendered in its own scope: HF's {% generation %}
};

struct Branch {
  ExprPtr condition;  // null for else
  Body body;
};

struct Stmt {
  StmtKind kind = StmtKind::kData;
  int line = 0;
  int column = 0;
  std::string text;              // kData; kMacro name
  ExprPtr expr;                  // kOutput, kFor iterable, kSet value, kCallBlock call, filters
  ExprPtr target;                // kFor, kSet, kSetBlock
  ExprPtr condition;             // kFor filter
  std::vector<Branch> branches;  // kIf
  Body body;
  Body else_body;  // kFor
  bool recursive = false;
  // kMacro and kCallBlock (caller's parameters): names with optional defaults.
  std::vector<std::string> params;
  std::vector<ExprPtr> defaults;  // aligned with params, null where none
  // kWith
  std::vector<std::pair<ExprPtr, ExprPtr>> assignments;
};

}  // namespace hfserve::chat
