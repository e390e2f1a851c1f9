//===- MLIRGenImpl.h - The .dl-to-dl generator's state ----------*- C++ -*-===//
//
// The generator behind dlc::mlirGen, shared by its files: MLIRGen.cpp
// (value conversions and the entry), Expressions.cpp (expressions, calls,
// inlined user functions), Statements.cpp (statements and parameters),
// Model.cpp (entry points and the train section) and the built-in families
// in Builtins/. The public part is what built-in handlers use: building
// ops at a source position, converting arguments with located errors, and
// declaring layer parameters. Private to lib/Frontend.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_LIB_FRONTEND_MLIRGENIMPL_H
#define DLC_LIB_FRONTEND_MLIRGENIMPL_H

#include "Builtins/BuiltinRegistry.h"
#include "Values.h"

#include "dlc/Frontend/AST.h"
#include "dlc/Frontend/Diagnostics.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/Twine.h"

#include <functional>
#include <set>

namespace dlc::frontend {

struct Scope {
  std::map<std::string, Val> vars;
  /// Names whose definition failed: uses fail quietly instead of repeating
  /// "unknown name" for one mistake.
  std::set<std::string> poisoned;
  /// Dims bound by a function's parameter types (`x: f32[n, d]`).
  std::map<std::string, Dim> dimVars;
  /// Parameter-name prefix ("block1.") of the function call being expanded.
  std::string prefix;
};

class MLIRGenImpl {
public:
  MLIRGenImpl(mlir::MLIRContext &ctx, const llvm::SourceMgr &sm)
      : ctx(ctx), builder(&ctx), locator(sm, &ctx) {}

  mlir::OwningOpRef<mlir::ModuleOp> gen(const ast::Module &m);

  //===--------------------------------------------------------------------===//
  // For built-in handlers: diagnostics and building ops
  //===--------------------------------------------------------------------===//

  mlir::Location loc(llvm::SMLoc l) { return locator.getLoc(l); }
  mlir::InFlightDiagnostic error(llvm::SMLoc l) { return locator.emitError(l); }
  std::nullopt_t fail(llvm::SMLoc l, const llvm::Twine &msg) {
    error(l) << msg.str();
    return std::nullopt;
  }
  bool report(llvm::SMLoc l, const llvm::Twine &msg) {
    error(l) << msg.str();
    return false;
  }
  std::string didYouMean(llvm::StringRef name,
                         const std::vector<std::string> &c) {
    std::string m = closestMatch(name, c);
    return m.empty() ? "" : "; did you mean '" + m + "'?";
  }

  Val tensorVal(mlir::Value v, TensorShape shape, llvm::SMLoc l) {
    Val r;
    r.kind = Val::Kind::Tensor;
    r.value = v;
    r.shape = std::move(shape);
    r.loc = l;
    return r;
  }
  template <typename OpTy, typename... Ts>
  Val build(llvm::SMLoc l, const TensorShape &shape, Ts &&...args) {
    (void)checkLimits(shape, l, "the result");
    auto op = builder.create<OpTy>(loc(l), shape.toType(&ctx),
                                   std::forward<Ts>(args)...);
    return tensorVal(op->getResult(0), shape, l);
  }
  /// build, then the op's verifier: the checks of an op's own attributes
  /// (batch_norm's epsilon and momentum, dropout's rate) live there only,
  /// and its diagnostic carries the op's .dl location, so the user sees
  /// file:line:col and a caret as for the front end's own errors.
  template <typename OpTy, typename... Ts>
  std::optional<Val> buildVerified(llvm::SMLoc l, const TensorShape &shape,
                                   Ts &&...args) {
    Val v = build<OpTy>(l, shape, std::forward<Ts>(args)...);
    mlir::Operation *op = v.value.getDefiningOp();
    if (succeeded(mlir::verify(op)))
      return v;
    locator.noteError();
    op->erase();
    return std::nullopt;
  }
  /// Kernels index tensors with 32-bit integers (Halide): every static dim
  /// and every static element count must be at most 2^31 - 1. Reports the
  /// first violation only, since every later op inherits the shape.
  bool checkLimits(const TensorShape &shape, llvm::SMLoc l,
                   const llvm::Twine &what);
  Val scalarConstant(double v, DType dtype, llvm::SMLoc l);
  /// Error reporter for shape functions: "<op>: <message>".
  std::function<void(const llvm::Twine &)> shapeErr(llvm::SMLoc l,
                                                    llvm::StringRef op) {
    return [this, l, op = op.str()](const llvm::Twine &m) {
      error(l) << op << ": " << m.str();
    };
  }

  //===--------------------------------------------------------------------===//
  // For built-in handlers: arguments
  //===--------------------------------------------------------------------===//

  std::optional<Val> asTensor(const Val &v, llvm::StringRef what, llvm::SMLoc l,
                              DType like = DType::F32);
  std::optional<int64_t> asInt(const Val *v, llvm::StringRef what,
                               llvm::SMLoc l);
  std::optional<double> asNumber(const Val *v, llvm::StringRef what,
                                 llvm::SMLoc l);
  std::optional<std::vector<int64_t>> asInts(const Val *v, llvm::StringRef what,
                                             llvm::SMLoc l,
                                             size_t broadcastTo = 0);
  /// The boolean keyword argument `key` of `a`: `dflt` when it is absent, an
  /// error naming the expected kind for anything but true or false (none
  /// included: a boolean has no "unset" value to fall back on).
  std::optional<bool> asBool(const Args &a, llvm::StringRef key, bool dflt);
  /// The tensor argument `key`; numbers become scalar constants.
  std::optional<Val> tensorArg(const Args &a, llvm::StringRef key);
  /// tensorArg, which must be floating point.
  std::optional<Val> floatTensorArg(const Args &a, llvm::StringRef key);

  //===--------------------------------------------------------------------===//
  // For built-in handlers: calls, parameters and layers
  //===--------------------------------------------------------------------===//

  std::optional<Val> elementwise(char op, Val lhs, Val rhs, llvm::SMLoc l);
  std::optional<Val> applyActivation(const Val &act, Val x, llvm::SMLoc l);
  std::optional<Val> callByName(llvm::StringRef name,
                                std::vector<Val> positional, llvm::SMLoc l);

  /// A unique layer scope name: the `let` name or `kind`, `kind_1`, ...; an
  /// explicit `name=` that is not a new non-empty string is an error.
  std::optional<std::string> layerName(const Args &a, llvm::StringRef kind);
  std::optional<Val> param(llvm::StringRef name, const TensorShape &shape,
                           const Val &init, llvm::SMLoc l,
                           bool nonTrainable = false);
  Val initVal(dl::Initializer k) {
    Val v;
    v.kind = Val::Kind::Init;
    v.init = k;
    return v;
  }
  std::optional<Val> initializerArg(const Args &a, llvm::StringRef key,
                                    dl::Initializer dflt);

  mlir::MLIRContext &ctx;
  mlir::OpBuilder builder;

private:
  SourceLocator locator;

  //===--------------------------------------------------------------------===//
  // Evaluation (Expressions.cpp, Statements.cpp)
  //===--------------------------------------------------------------------===//

  std::optional<TensorShape> resolveType(const ast::TypeSpec &t, bool bindDims);
  std::optional<Val> eval(const ast::Expr &e, llvm::StringRef nameHint = "");
  std::optional<Val> evalIdent(const ast::IdentExpr &e);
  std::optional<Val> evalBinary(const ast::BinaryExpr &e);
  std::optional<Val> evalCall(const ast::CallExpr &e, llvm::StringRef nameHint);
  std::optional<Val>
  callFunction(const ast::FunctionDecl &fn, const ast::CallExpr &call,
               std::vector<std::pair<std::string, Val>> &args,
               llvm::StringRef nameHint);
  bool bindArgs(Args &out, const Builtin &b,
                std::vector<std::pair<std::string, Val>> &args);
  /// Every name a call may mean, for "did you mean" suggestions.
  std::vector<std::string> callableNames() const;

  /// Runs `let`/`param`/`output` statements of a body.
  bool runStatements(const std::vector<ast::Stmt> &body,
                     std::vector<std::pair<std::string, Val>> *outputs,
                     std::optional<Val> *returned);

  //===--------------------------------------------------------------------===//
  // The model (Model.cpp)
  //===--------------------------------------------------------------------===//

  bool genModel(const ast::ModelDecl &model);
  bool genOptimizer(const ast::TrainSection &train);

  bool limitReported = false;
  mlir::ModuleOp module;
  mlir::Operation *lastParam = nullptr;
  llvm::StringMap<const ast::FunctionDecl *> functions;
  BuiltinRegistry builtins;
  std::vector<Scope> scopes;
  std::set<std::string> modelDims;
  std::map<std::string, TensorShape> declaredParams;
  std::set<std::string> usedLayerNames;
  std::vector<std::string> callStack;
  /// false while re-running the body for the loss function: parameters are
  /// already declared and are only referenced.
  bool declareParams = true;
};

} // namespace dlc::frontend

#endif // DLC_LIB_FRONTEND_MLIRGENIMPL_H
