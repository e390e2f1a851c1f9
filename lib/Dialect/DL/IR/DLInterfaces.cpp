//===- DLInterfaces.cpp - Shape inference for every dl op -----------------===//
//
// ShapeInferenceOpInterface's shared half: each op states its shape rule over
// operand shapes (`inferShapes`, in its family's file or its ODS class); the
// types-to-shapes conversion, the error wording and the verifier are here,
// once for all ops.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/DL/IR/DLOps.h"
#include "dlc/Dialect/DL/IR/ShapeFunctions.h"

#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace dlc;
using namespace dlc::dl;

#include "dlc/Dialect/DL/IR/DLOpsInterfaces.cpp.inc"

static std::string joinTypes(TypeRange types) {
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(types, os);
  return s;
}

LogicalResult dlc::dl::verifyInferredResultTypes(Operation *op) {
  SmallVector<Type> inferred;
  if (failed(cast<ShapeInferenceOpInterface>(op).inferResultTypes(op->getLoc(),
                                                                  inferred)))
    return failure();
  if (!areCompatibleReturnTypes(inferred, op->getResultTypes()))
    return op->emitOpError("result type ")
           << joinTypes(op->getResultTypes()) << " does not match the inferred "
           << joinTypes(inferred);
  return success();
}

bool dlc::dl::areCompatibleReturnTypes(TypeRange inferred, TypeRange actual) {
  if (inferred.size() != actual.size())
    return false;
  for (auto [a, b] : llvm::zip(inferred, actual)) {
    auto ta = llvm::dyn_cast<RankedTensorType>(a);
    auto tb = llvm::dyn_cast<RankedTensorType>(b);
    if (!ta || !tb || ta.getElementType() != tb.getElementType() ||
        failed(verifyCompatibleShape(ta, tb)))
      return false;
  }
  return true;
}

namespace {
/// Reports shape-function errors at an op's location, worded as the
/// verifier's own ("'dl.matmul' op ...").
struct OpErrors {
  std::optional<Location> loc;
  StringRef opName;
  void operator()(const Twine &msg) const {
    if (loc)
      mlir::emitError(*loc) << "'" << opName << "' op " << msg.str();
  }
};
} // namespace

LogicalResult
ShapeInferenceOpInterface::inferResultTypes(std::optional<Location> loc,
                                            SmallVectorImpl<Type> &types) {
  Operation *op = getOperation();
  OpErrors err{loc, op->getName().getStringRef()};
  SmallVector<TensorShape, 4> operands;
  for (Value v : op->getOperands()) {
    auto t = llvm::dyn_cast<RankedTensorType>(v.getType());
    if (!t) {
      err("expects ranked tensor operands");
      return failure();
    }
    operands.push_back(TensorShape::fromType(t));
  }
  SmallVector<TensorShape, 3> results;
  if (failed(inferShapes(operands, err, results)))
    return failure();
  for (const TensorShape &s : results)
    types.push_back(s.toType(op->getContext()));
  return success();
}
