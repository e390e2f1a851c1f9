//===- Autodiff.cpp - dl-autodiff: reverse-mode differentiation -----------===//
//
// The classic tape-free reverse mode over an SSA block (as in JAX's
// backward_pass, Griewank & Walther's "Evaluating Derivatives"): walk the
// forward ops in reverse, give each op on a path from a differentiated value
// to the loss the cotangents of its results, and let the op's VJP produce
// its operands' cotangents, summed where a value fans out.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/DL/Transforms/Autodiff.h"
#include "dlc/Dialect/DL/IR/DLOps.h"
#include "dlc/Dialect/DL/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseSet.h"

namespace dlc::dl {
#define GEN_PASS_DEF_DLAUTODIFF
#include "dlc/Dialect/DL/Transforms/Passes.h.inc"
} // namespace dlc::dl

using namespace mlir;
using namespace dlc::dl;

namespace {
bool isFloatTensor(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && isa<FloatType>(t.getElementType());
}
} // namespace

FailureOr<SmallVector<Value>>
dlc::dl::buildGradients(OpBuilder &b, Value loss,
                        ArrayRef<SmallVector<Value, 1>> wrt, Operation **missingVJP) {
  Block *block = loss.getParentBlock();
  SmallVector<Operation *> ops;
  for (Operation &op : *block)
    if (!op.hasTrait<OpTrait::IsTerminator>())
      ops.push_back(&op);

  // Values that depend on something differentiated...
  DenseSet<Value> varied;
  for (auto &group : wrt)
    varied.insert(group.begin(), group.end());
  for (Operation *op : ops)
    if (llvm::any_of(op->getOperands(), [&](Value v) { return varied.contains(v); }))
      for (Value r : op->getResults())
        if (isFloatTensor(r))
          varied.insert(r);
  // ...and that the loss depends on.
  DenseSet<Value> useful;
  useful.insert(loss);
  for (Operation *op : llvm::reverse(ops))
    if (llvm::any_of(op->getResults(), [&](Value v) { return useful.contains(v); }))
      for (Value v : op->getOperands())
        useful.insert(v);

  DenseMap<Value, Value> cotangent;
  auto lossType = cast<RankedTensorType>(loss.getType());
  cotangent[loss] = b.create<ConstantOp>(
      loss.getLoc(), lossType,
      DenseElementsAttr::get(lossType, b.getFloatAttr(lossType.getElementType(), 1.0)));
  auto accumulate = [&](Value v, Value ct) {
    auto it = cotangent.find(v);
    if (it == cotangent.end()) {
      cotangent[v] = ct;
      return;
    }
    // Fan-out: cotangents add up.
    it->second = b.create<AddOp>(v.getLoc(), v.getType(), it->second, ct);
  };

  for (Operation *op : llvm::reverse(ops)) {
    bool active = llvm::any_of(op->getOperands(), [&](Value v) {
      return varied.contains(v) && useful.contains(v);
    });
    SmallVector<Value> cts;
    bool any = false;
    for (Value r : op->getResults()) {
      cts.push_back(cotangent.lookup(r));
      any |= (bool)cts.back();
    }
    if (!active || !any)
      continue;
    auto diff = dyn_cast<DifferentiableOpInterface>(op);
    if (!diff) {
      if (missingVJP) {
        *missingVJP = op;
        return failure();
      }
      return op->emitOpError("is on a gradient path to the loss but has no "
                             "VJP (DifferentiableOpInterface)"),
             failure();
    }
    SmallVector<Value> operandCts;
    if (failed(diff.buildVJP(b, cts, operandCts)))
      return failure();
    for (auto [operand, ct] : llvm::zip(op->getOperands(), operandCts))
      if (ct && varied.contains(operand) && isFloatTensor(operand))
        accumulate(operand, ct);
  }

  SmallVector<Value> grads;
  for (auto &group : wrt) {
    Value sum;
    for (Value v : group)
      if (Value ct = cotangent.lookup(v))
        sum = sum ? b.create<AddOp>(v.getLoc(), v.getType(), sum, ct).getResult() : ct;
    if (!sum) {
      // No path to the loss: a zero gradient of the value's shape.
      Value v = group.front();
      auto t = cast<RankedTensorType>(v.getType());
      auto zeroType = RankedTensorType::get({}, t.getElementType());
      Value zero = b.create<ConstantOp>(
          v.getLoc(), zeroType,
          DenseElementsAttr::get(zeroType, b.getFloatAttr(t.getElementType(), 0.0)));
      sum = b.create<BroadcastLikeOp>(v.getLoc(), t, zero, v);
    }
    grads.push_back(sum);
  }
  return grads;
}

namespace {
struct AutodiffPass : public dlc::dl::impl::DLAutodiffBase<AutodiffPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto params = llvm::to_vector(module.getOps<ParameterOp>());
    for (auto fn : llvm::to_vector(module.getOps<func::FuncOp>())) {
      auto entry = fn->getAttrOfType<StringAttr>(DLDialect::kEntryAttrName);
      if (!entry || fn.getNumResults() != 1 || entry.getValue().ends_with("_grad"))
        continue;
      auto rt = dyn_cast<RankedTensorType>(fn.getResultTypes()[0]);
      if (!rt || rt.getRank() != 0 || !isa<FloatType>(rt.getElementType()))
        continue;
      if (!fn.getOps<AssignOp>().empty() || fn.getBody().getBlocks().size() != 1)
        continue;
      if (failed(differentiate(module, fn, entry.getValue(), params)))
        return signalPassFailure();
    }
  }

  LogicalResult differentiate(ModuleOp module, func::FuncOp fn, StringRef entry,
                              ArrayRef<ParameterOp> params) {
    OpBuilder b(module.getContext());
    b.setInsertionPointAfter(fn);
    auto grad = cast<func::FuncOp>(b.clone(*fn));
    std::string name = (fn.getSymName() + "_grad").str();
    grad.setSymName(name);
    grad->setAttr(DLDialect::kEntryAttrName, b.getStringAttr(entry.str() + "_grad"));

    Block &body = grad.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    Value loss = ret.getOperand(0);
    SmallVector<SmallVector<Value, 1>> wrt;
    SmallVector<Type> types = {loss.getType()};
    SmallVector<Attribute> resultAttrs = {grad.getResultAttrDict(0)
                                              ? (Attribute)grad.getResultAttrDict(0)
                                              : b.getDictionaryAttr({})};
    auto named = [&](StringRef n, ArrayAttr dims) {
      SmallVector<NamedAttribute> attrs = {
          b.getNamedAttr(DLDialect::kNameAttrName, b.getStringAttr(n))};
      if (dims)
        attrs.push_back(b.getNamedAttr(DLDialect::kDimsAttrName, dims));
      return b.getDictionaryAttr(attrs);
    };
    // Parameters, each read by its dl.param ops in this function.
    for (ParameterOp p : params) {
      if (p.getNonTrainable() || p.getState())
        continue;
      SmallVector<Value, 1> reads;
      for (auto read : body.getOps<ParamOp>())
        if (read.getName() == p.getSymName())
          reads.push_back(read.getResult());
      if (reads.empty()) {
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPointToStart(&body);
        reads.push_back(b.create<ParamOp>(p.getLoc(), p.getTensorType(),
                                          FlatSymbolRefAttr::get(p.getSymNameAttr())));
      }
      wrt.push_back(reads);
      types.push_back(p.getTensorType());
      resultAttrs.push_back(named(("d_" + p.getSymName()).str(), ArrayAttr()));
    }
    for (unsigned i = 0; i < grad.getNumArguments(); ++i) {
      Value arg = grad.getArgument(i);
      if (!isFloatTensor(arg))
        continue;
      wrt.push_back({arg});
      types.push_back(arg.getType());
      auto argName = grad.getArgAttrOfType<StringAttr>(i, DLDialect::kNameAttrName);
      resultAttrs.push_back(named(
          "d_" + (argName ? argName.str() : "arg" + std::to_string(i)),
          grad.getArgAttrOfType<ArrayAttr>(i, DLDialect::kDimsAttrName)));
    }
    b.setInsertionPoint(ret);
    Operation *missing = nullptr;
    auto grads = buildGradients(b, loss, wrt, &missing);
    if (failed(grads)) {
      grad.erase();
      if (!missing)
        return failure();
      // Inference still compiles; the gradient waits for the op's VJP.
      mlir::emitWarning(missing->getLoc())
          << "no gradient entry point for '" << entry << "': '"
          << missing->getName() << "' has no VJP yet";
      return success();
    }
    SmallVector<Value> results = {loss};
    results.append(grads->begin(), grads->end());
    b.create<func::ReturnOp>(ret.getLoc(), results);
    ret.erase();
    grad.setFunctionType(b.getFunctionType(grad.getArgumentTypes(), types));
    grad.setAllResultAttrs(resultAttrs);
    return success();
  }
};
} // namespace
