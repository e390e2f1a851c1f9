//===- Values.h - Compile-time values of the .dl front end ------*- C++ -*-===//
//
// What an expression of a `.dl` file evaluates to while MLIRGen runs it: a
// tensor (an SSA value with its symbolic shape) or one of the constants the
// language computes with before any op exists (numbers, lists, strings,
// dims, function names, initializers). Built-in functions receive their
// arguments as these, bound by name (Args). Private to lib/Frontend.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_LIB_FRONTEND_VALUES_H
#define DLC_LIB_FRONTEND_VALUES_H

#include "dlc/Dialect/DL/IR/DLOps.h"
#include "dlc/Dialect/DL/IR/ShapeFunctions.h"

#include "mlir/IR/Value.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dlc::frontend {

/// A compile-time value: a tensor (an SSA value with its symbolic shape) or
/// a constant the language computes with (numbers, lists, strings, dims,
/// function names, initializers).
struct Val {
  enum class Kind {
    Tensor,
    Int,
    Float,
    Bool,
    String,
    None,
    List,
    Dim,
    Func,
    Init
  };
  Kind kind = Kind::None;
  llvm::SMLoc loc;
  mlir::Value value;
  TensorShape shape;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  std::string s; // String, Func name
  std::vector<Val> list;
  dlc::Dim dim;
  // Init
  dl::Initializer init = dl::Initializer::zeros;
  std::optional<double> initValue, mean, stddev, minval, maxval;

  bool isTensor() const { return kind == Kind::Tensor; }
  bool isNumber() const { return kind == Kind::Int || kind == Kind::Float; }
  double number() const { return kind == Kind::Int ? (double)i : f; }
};

/// A fractional number as the user would write it: "0.5", "2.0", "1e-07".
std::string formatNumber(double v);

/// The element type a .dl type or cast() names ("f32", "bool", ...), the
/// inverse of stringifyDType; DType::Unknown for any other name.
DType parseDType(llvm::StringRef name);

/// The kind as a message names it: "a tensor", "an integer", ...
llvm::StringRef kindName(Val::Kind k);

/// Evaluated call arguments, bound to a signature.
struct Args {
  llvm::StringRef callee;
  llvm::SMLoc loc;
  std::string nameHint; // the `let` name the call is bound to, if any
  std::map<std::string, Val> values;
  bool has(llvm::StringRef k) const { return values.count(k.str()); }
  const Val *get(llvm::StringRef k) const {
    auto it = values.find(k.str());
    return it == values.end() || it->second.kind == Val::Kind::None
               ? nullptr
               : &it->second;
  }
};

} // namespace dlc::frontend

#endif // DLC_LIB_FRONTEND_VALUES_H
