//===- AST.h - Abstract syntax tree of the .dl language ---------*- C++ -*-===//
//
// The tree the parser builds and MLIRGen lowers to the dl dialect. Every node
// keeps the source location of its first token. The grammar is in
// docs/language.md.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_FRONTEND_AST_H
#define DLC_FRONTEND_AST_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Casting.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace llvm {
class SourceMgr;
}

namespace dlc::ast {

//===----------------------------------------------------------------------===//
// Types: `f32[batch, 28, 28]`, `i32[batch]`, `i64`
//===----------------------------------------------------------------------===//

struct DimSpec {
  llvm::SMLoc loc;
  /// A static size, or the name of a symbolic dim.
  std::variant<int64_t, std::string> value;
};

struct TypeSpec {
  llvm::SMLoc loc;
  std::string dtype; // f32, f64, f16, bf16, i32, i64, bool
  std::vector<DimSpec> dims;
};

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

class Expr {
public:
  enum class Kind { Number, Bool, None, String, Ident, List, Unary, Binary, Call };
  Expr(Kind kind, llvm::SMLoc loc) : kind(kind), loc(loc) {}
  virtual ~Expr() = default;
  Kind getKind() const { return kind; }
  llvm::SMLoc getLoc() const { return loc; }

private:
  Kind kind;
  llvm::SMLoc loc;
};
using ExprPtr = std::unique_ptr<Expr>;

class NumberExpr : public Expr {
public:
  NumberExpr(llvm::SMLoc loc, double value, bool isInteger, int64_t intValue)
      : Expr(Kind::Number, loc), value(value), integer(isInteger),
        intValue(intValue) {}
  double getValue() const { return value; }
  bool isInteger() const { return integer; }
  int64_t getInt() const { return intValue; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::Number; }

private:
  double value;
  bool integer;
  int64_t intValue;
};

class BoolExpr : public Expr {
public:
  BoolExpr(llvm::SMLoc loc, bool value) : Expr(Kind::Bool, loc), value(value) {}
  bool getValue() const { return value; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::Bool; }

private:
  bool value;
};

class NoneExpr : public Expr {
public:
  explicit NoneExpr(llvm::SMLoc loc) : Expr(Kind::None, loc) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::None; }
};

class StringExpr : public Expr {
public:
  StringExpr(llvm::SMLoc loc, std::string value)
      : Expr(Kind::String, loc), value(std::move(value)) {}
  llvm::StringRef getValue() const { return value; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::String; }

private:
  std::string value;
};

class IdentExpr : public Expr {
public:
  IdentExpr(llvm::SMLoc loc, std::string name)
      : Expr(Kind::Ident, loc), name(std::move(name)) {}
  llvm::StringRef getName() const { return name; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::Ident; }

private:
  std::string name;
};

/// `[a, b, c]`: shapes, permutations, axes, concat operands.
class ListExpr : public Expr {
public:
  ListExpr(llvm::SMLoc loc, std::vector<ExprPtr> elements)
      : Expr(Kind::List, loc), elements(std::move(elements)) {}
  const std::vector<ExprPtr> &getElements() const { return elements; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::List; }

private:
  std::vector<ExprPtr> elements;
};

class UnaryExpr : public Expr {
public:
  UnaryExpr(llvm::SMLoc loc, char op, ExprPtr operand)
      : Expr(Kind::Unary, loc), op(op), operand(std::move(operand)) {}
  char getOp() const { return op; }
  const Expr &getOperand() const { return *operand; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::Unary; }

private:
  char op;
  ExprPtr operand;
};

/// `lhs op rhs` for op in + - * / @.
class BinaryExpr : public Expr {
public:
  BinaryExpr(llvm::SMLoc loc, char op, ExprPtr lhs, ExprPtr rhs)
      : Expr(Kind::Binary, loc), op(op), lhs(std::move(lhs)),
        rhs(std::move(rhs)) {}
  char getOp() const { return op; }
  const Expr &getLhs() const { return *lhs; }
  const Expr &getRhs() const { return *rhs; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::Binary; }

private:
  char op;
  ExprPtr lhs, rhs;
};

struct Argument {
  llvm::SMLoc loc;
  std::string keyword; // empty for a positional argument
  ExprPtr value;
};

/// `callee(args)`, where keyword arguments follow positional ones.
class CallExpr : public Expr {
public:
  CallExpr(llvm::SMLoc loc, std::string callee, std::vector<Argument> args)
      : Expr(Kind::Call, loc), callee(std::move(callee)),
        args(std::move(args)) {}
  llvm::StringRef getCallee() const { return callee; }
  const std::vector<Argument> &getArgs() const { return args; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::Call; }

private:
  std::string callee;
  std::vector<Argument> args;
};

//===----------------------------------------------------------------------===//
// Statements and declarations
//===----------------------------------------------------------------------===//

struct LetStmt {
  std::string name;
  ExprPtr value;
};
struct ReturnStmt {
  ExprPtr value;
};
/// `input image: f32[batch, 28, 28]` (model) or `label y: i32[batch]` (train).
struct InputStmt {
  std::string name;
  TypeSpec type;
};
/// `param w: f32[784, 10] = glorot_uniform` or `= normal(stddev=0.01)`.
struct ParamStmt {
  std::string name;
  TypeSpec type;
  ExprPtr initializer;
};
/// `output logits` or `output probs = softmax(logits)`.
struct OutputStmt {
  std::string name; // empty when the expression names itself
  ExprPtr value;
};
/// `loss = ...`, `optimizer = ...`, `regularizer = ...` inside `train`.
struct SettingStmt {
  std::string key;
  ExprPtr value;
};

struct Stmt {
  llvm::SMLoc loc;
  std::variant<LetStmt, ReturnStmt, InputStmt, ParamStmt, OutputStmt,
               SettingStmt>
      node;
};

struct TrainSection {
  llvm::SMLoc loc;
  std::vector<InputStmt> labels;
  std::vector<llvm::SMLoc> labelLocs;
  std::vector<Stmt> settings; // SettingStmt only
};

struct FunctionParam {
  llvm::SMLoc loc;
  std::string name;
  std::optional<TypeSpec> type;
};

struct FunctionDecl {
  llvm::SMLoc loc;
  std::string name;
  std::vector<FunctionParam> params;
  std::optional<TypeSpec> resultType;
  std::vector<Stmt> body; // Let and one final Return
};

struct ModelDecl {
  llvm::SMLoc loc;
  std::string name;
  std::vector<Stmt> body; // Input, Param, Let, Output
  std::optional<TrainSection> train;
};

struct Module {
  std::vector<FunctionDecl> functions;
  std::vector<ModelDecl> models;
};

/// Prints the tree, one node a line with `line:col`, for `dlc --emit=ast`.
void dump(const Module &module, const llvm::SourceMgr &sourceMgr,
          llvm::raw_ostream &os);

} // namespace dlc::ast

#endif // DLC_FRONTEND_AST_H
