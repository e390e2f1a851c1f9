//===- DLDialect.cpp - The dl dialect -------------------------------------===//

#include "llvm/ADT/StringExtras.h"
#include "dlc/Dialect/DL/IR/DLDialect.h"
#include "dlc/Dialect/DL/IR/DLOps.h"
#include "dlc/Dialect/DL/IR/Schedule.h"
#include "dlc/Dialect/DL/IR/ShapeFunctions.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

using namespace mlir;
using namespace dlc::dl;

#include "dlc/Dialect/DL/IR/DLOpsDialect.cpp.inc"
#include "dlc/Dialect/DL/IR/DLOpsEnums.cpp.inc"

void DLDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dlc/Dialect/DL/IR/DLOps.cpp.inc"
      >();
}

Operation *DLDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                          Type type, Location loc) {
  auto elements = llvm::dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return builder.create<ConstantOp>(loc, elements);
}

/// Every tensor of an entry point within the kernels' 32-bit indexing (see
/// kMaxTensorExtent): a .mlir input must not reach Halide with a dim or an
/// element count it cannot index.
static LogicalResult verifyEntryLimits(func::FuncOp fn) {
  auto check = [](Operation *at, Type type) -> LogicalResult {
    auto tensor = llvm::dyn_cast<RankedTensorType>(type);
    if (!tensor)
      return success();
    std::string why = dlc::tensorLimitViolation(dlc::TensorShape::fromType(tensor));
    if (why.empty())
      return success();
    return at->emitError() << "tensor " << tensor << ": " << why;
  };
  for (Type t : fn.getArgumentTypes())
    if (failed(check(fn, t)))
      return failure();
  WalkResult r = fn.walk([&](Operation *op) {
    for (Type t : op->getResultTypes())
      if (failed(check(op, t)))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return failure(r.wasInterrupted());
}

LogicalResult DLDialect::verifyOperationAttribute(Operation *op,
                                                  NamedAttribute attr) {
  if (attr.getName() == kEntryAttrName) {
    auto kind = llvm::dyn_cast<StringAttr>(attr.getValue());
    if (!isa<func::FuncOp>(op))
      return op->emitError() << "'" << kEntryAttrName
                             << "' may only be set on a func.func";
    // The entry's name becomes part of a C symbol (<model>_<entry>).
    auto isIdent = [](StringRef s) {
      return !s.empty() && (llvm::isAlpha(s[0]) || s[0] == '_') &&
             llvm::all_of(s, [](char c) { return llvm::isAlnum(c) || c == '_'; });
    };
    if (!kind || !isIdent(kind.getValue()))
      return op->emitError() << "'" << kEntryAttrName
                             << "' must name the entry point with a C "
                                "identifier, such as \"forward\" or \"loss\"";
    return verifyEntryLimits(cast<func::FuncOp>(op));
  }
  if (attr.getName() == kModelAttrName) {
    if (!isa<ModuleOp>(op) || !isa<StringAttr>(attr.getValue()))
      return op->emitError() << "'" << kModelAttrName
                             << "' must be a string on a builtin.module";
    return success();
  }
  if (attr.getName() == Schedule::kAttrName) {
    auto dict = dyn_cast<DictionaryAttr>(attr.getValue());
    if (!isa<FusionOp>(op) || !dict)
      return op->emitError() << "'" << Schedule::kAttrName
                             << "' must be a dictionary on a dl.fusion";
    Schedule s;
    std::string error;
    if (!Schedule::fromAttr(dict, s, error))
      return op->emitError() << "bad '" << Schedule::kAttrName << "': " << error;
    return success();
  }
  return op->emitError() << "unknown dl attribute '"
                         << attr.getName().getValue() << "'";
}

/// Checks `dl.name` and `dl.dims` on an entry point's argument or result.
static LogicalResult verifyValueAttr(Operation *op, Type type,
                                     NamedAttribute attr) {
  if (attr.getName() == DLDialect::kNameAttrName) {
    if (!isa<StringAttr>(attr.getValue()))
      return op->emitError() << "'" << DLDialect::kNameAttrName
                             << "' must be a string";
    return success();
  }
  if (attr.getName() != DLDialect::kDimsAttrName)
    return op->emitError() << "unknown dl attribute '"
                           << attr.getName().getValue() << "'";
  auto dims = llvm::dyn_cast<ArrayAttr>(attr.getValue());
  auto tensor = llvm::dyn_cast<RankedTensorType>(type);
  if (!dims || !tensor)
    return op->emitError() << "'" << DLDialect::kDimsAttrName
                           << "' must be an array on a ranked tensor";
  if ((int64_t)dims.size() != tensor.getRank())
    return op->emitError() << "'" << DLDialect::kDimsAttrName << "' has "
                           << dims.size() << " dims but the type is "
                           << tensor;
  for (auto [dim, size] : llvm::zip(dims, tensor.getShape())) {
    if (auto name = llvm::dyn_cast<StringAttr>(dim)) {
      if (!ShapedType::isDynamic(size) || name.getValue().empty())
        return op->emitError()
               << "symbolic dim '" << name.getValue()
               << "' must correspond to a dynamic dim of " << tensor;
      continue;
    }
    auto fixed = llvm::dyn_cast<IntegerAttr>(dim);
    if (!fixed || fixed.getInt() != size)
      return op->emitError() << "'" << DLDialect::kDimsAttrName << "' "
                             << dims << " does not match " << tensor;
  }
  return success();
}

LogicalResult DLDialect::verifyRegionArgAttribute(Operation *op,
                                                  unsigned regionIndex,
                                                  unsigned argIndex,
                                                  NamedAttribute attr) {
  auto fn = dyn_cast<FunctionOpInterface>(op);
  if (!fn)
    return op->emitError() << "dl argument attributes need a function";
  return verifyValueAttr(op, fn.getArgumentTypes()[argIndex], attr);
}

LogicalResult DLDialect::verifyRegionResultAttribute(Operation *op,
                                                     unsigned regionIndex,
                                                     unsigned resultIndex,
                                                     NamedAttribute attr) {
  auto fn = dyn_cast<FunctionOpInterface>(op);
  if (!fn)
    return op->emitError() << "dl result attributes need a function";
  return verifyValueAttr(op, fn.getResultTypes()[resultIndex], attr);
}
