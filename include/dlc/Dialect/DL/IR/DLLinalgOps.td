//===- DLLinalgOps.td - Matrix products --------------------*- tablegen -*-===//
//
// Matrix products. Their kernels accumulate in registers, so an elementwise
// epilogue (bias, activation) is applied before the store
// (DL_AcceptsEpilogue).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DL_IR_DLLINALGOPS_TD
#define DLC_DIALECT_DL_IR_DLLINALGOPS_TD

include "dlc/Dialect/DL/IR/DLOpBase.td"

def DL_MatmulOp : DL_Op<"matmul", [Pure, SameOperandsElementType, DL_InferShape,
                                   DL_ReifyDimsOwn, DL_Differentiable,
                                   DL_AcceptsEpilogue]> {
  let summary = "matrix product of two rank-2 tensors";
  let description = [{
    `[M, K] @ [K, N] -> [M, N]`.

    ```mlir
    %y = dl.matmul %x, %w : (tensor<?x784xf32>, tensor<784x128xf32>) -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$lhs, DL_FloatTensor:$rhs);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def DL_BatchMatmulOp : DL_Op<"batch_matmul",
    [Pure, SameOperandsElementType, DL_InferShape, DL_ReifyDimsOwn,
     DL_Differentiable, DL_AcceptsEpilogue]> {
  let summary = "batched matrix product with broadcast batch dims";
  let description = [{
    `[..., M, K] @ [..., K, N] -> [..., M, N]`; the leading (batch) dims
    broadcast as in NumPy, as torch.matmul for operands of rank >= 2 (one of
    rank >= 3).

    ```mlir
    %s = dl.batch_matmul %q, %k : (tensor<?x8x16x64xf32>, tensor<?x8x64x16xf32>) -> tensor<?x8x16x16xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$lhs, DL_FloatTensor:$rhs);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

#endif // DLC_DIALECT_DL_IR_DLLINALGOPS_TD
