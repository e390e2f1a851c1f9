//===- ReifyDims.cpp - Run-time dims of every dl op -----------------------===//
//
// ReifyDimsOpInterface's shared half. The host code sizes buffers and arena
// slots from the symbolic dims the caller passes (batch, ...), so it needs
// every tensor's dims as i64 values; each op states how its result dims
// follow from its operands' (its family's file, beside its shape rule).
// Here: the loop over the result dims that every rule shares (static dims
// are constants), the default rule (operand 0's dims) and NumPy
// broadcasting.
//
//===----------------------------------------------------------------------===//

#include "OpHelpers.h"

using namespace mlir;
using namespace dlc;
using namespace dlc::dl;

Value dlc::dl::broadcastDim(DimBuilder &d, ArrayRef<SmallVector<Value>> operands,
                            int64_t rank, int64_t i) {
  Value v;
  for (const SmallVector<Value> &o : operands) {
    int64_t k = i - (rank - (int64_t)o.size());
    if (k >= 0)
      v = v ? d.max(v, o[k]) : o[k];
  }
  return v;
}

LogicalResult dlc::dl::reifyEachDim(Operation *op, OpBuilder &b, Location loc,
                                    SmallVectorImpl<SmallVector<Value>> &resultDims,
                                    DynamicDimFn dynamicDim) {
  DimBuilder d{b, loc};
  for (OpResult r : op->getResults()) {
    auto t = cast<RankedTensorType>(r.getType());
    SmallVector<Value> &dims = resultDims.emplace_back();
    for (int64_t i = 0; i < t.getRank(); ++i) {
      if (!t.isDynamicDim(i)) {
        dims.push_back(d.c64(t.getDimSize(i)));
        continue;
      }
      FailureOr<Value> v = dynamicDim(r.getResultNumber(), i);
      if (failed(v))
        return failure();
      dims.push_back(*v);
      if (!*v)
        return success();
    }
  }
  return success();
}

LogicalResult
dlc::dl::reifySameAsOperand(Operation *op, OpBuilder &b, Location loc,
                            ArrayRef<SmallVector<Value>> operandDims,
                            unsigned operand,
                            SmallVectorImpl<SmallVector<Value>> &resultDims) {
  return reifyEachDim(op, b, loc, resultDims,
                      [&](unsigned, int64_t i) -> FailureOr<Value> {
                        return operandDims[operand][i];
                      });
}

LogicalResult
dlc::dl::reifyBroadcastDims(Operation *op, OpBuilder &b, Location loc,
                            ArrayRef<SmallVector<Value>> operandDims,
                            SmallVectorImpl<SmallVector<Value>> &resultDims) {
  DimBuilder d{b, loc};
  return reifyEachDim(op, b, loc, resultDims,
                      [&](unsigned r, int64_t i) -> FailureOr<Value> {
                        int64_t rank =
                            cast<RankedTensorType>(op->getResult(r).getType()).getRank();
                        return broadcastDim(d, operandDims, rank, i);
                      });
}
