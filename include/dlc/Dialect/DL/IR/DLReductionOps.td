//===- DLReductionOps.td - Reductions, normalizations ------*- tablegen -*-===//
//
// Reductions over axes and the normalizations built from them (softmax,
// batch and layer norm), each with its VJP composed of dl ops.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DL_IR_DLREDUCTIONOPS_TD
#define DLC_DIALECT_DL_IR_DLREDUCTIONOPS_TD

include "dlc/Dialect/DL/IR/DLOpBase.td"

class DL_ReduceOp<string mnemonic, string what>
    : DL_Op<mnemonic, [Pure, DL_InferShape, DL_ReifyDimsOwn, DL_Differentiable,
                       DL_AcceptsEpilogue, DL_Reduction]> {
  let summary = what # " over the given axes";
  let description = [{
    Reduces over `axes` (all axes when empty; negative axes count from the
    end). With `keep_dims` the reduced axes stay as size 1.

    ```mlir
    %s = dl.}] # mnemonic # [{ %x axes = [1] keep_dims : (tensor<?x10xf32>) -> tensor<?x1xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DenseI64ArrayAttr:$axes,
                       UnitAttr:$keep_dims);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat = [{
    $input `axes` `=` $axes (`keep_dims` $keep_dims^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let extraClassDefinition = DL_SharedShapeRule<[{
    ::dlc::inferReduceShape(operands[0], getAxes(), getKeepDims(), emitError)
  }]>.definition # DL_SharedDimsRule<[{
    ::dlc::dl::reifyReduceDims(*this, getAxes(), getKeepDims(), b, loc,
                               operandDims, resultDims)
  }]>.definition;
}

def DL_ReduceSumOp : DL_ReduceOp<"reduce_sum", "sum">;
def DL_ReduceMeanOp : DL_ReduceOp<"reduce_mean", "arithmetic mean">;
def DL_ReduceMaxOp : DL_ReduceOp<"reduce_max", "maximum">;

class DL_SoftmaxLikeOp<string mnemonic, string formula>
    : DL_Op<mnemonic, [Pure, SameOperandsAndResultType, DL_ReifyDims,
                       DL_Differentiable, DL_AcceptsEpilogue]> {
  let summary = formula # " along one axis";
  let description = [{
    Computes }] # formula # [{ along `axis`, with the maximum subtracted
    first for numerical stability.

    ```mlir
    %p = dl.}] # mnemonic # [{ %logits axis = -1 : tensor<?x10xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat = "$input `axis` `=` $axis attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def DL_SoftmaxOp : DL_SoftmaxLikeOp<"softmax", "softmax exp(x_i) / sum_j exp(x_j)">;
def DL_LogSoftmaxOp
    : DL_SoftmaxLikeOp<"log_softmax", "log-softmax x_i - log(sum_j exp(x_j))">;

def DL_BatchNormOp : DL_Op<"batch_norm", [Pure, DL_InferShape, DL_ReifyDims, DL_Differentiable,
                                         DL_AcceptsEpilogue]> {
  let summary = "batch normalization with given statistics";
  let description = [{
    `(x - mean) / sqrt(variance + epsilon) * scale + bias` per channel of an
    `[N, C, ...]` input (Ioffe & Szegedy 2015), as
    torch.nn.functional.batch_norm in evaluation mode; `momentum` is the
    weight of the batch statistics in the running averages that training
    updates (PyTorch's convention).

    ```mlir
    %y = dl.batch_norm %x, %scale, %bias, %mean, %var {epsilon = 1.0e-05 : f64}
        : (tensor<?x32x28x28xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x32x28x28xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$scale,
                       DL_FloatTensor:$bias, DL_FloatTensor:$mean,
                       DL_FloatTensor:$variance,
                       DefaultValuedAttr<F64Attr, "1e-05">:$epsilon,
                       DefaultValuedAttr<F64Attr, "0.1">:$momentum);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias `,` $mean `,` $variance attr-dict `:`
    functional-type(operands, results)
  }];
}

def DL_LayerNormOp : DL_Op<"layer_norm", [Pure, DL_InferShape, DL_ReifyDims, DL_Differentiable,
                                         DL_AcceptsEpilogue]> {
  let summary = "layer normalization over the trailing dims";
  let description = [{
    Normalizes over dims `axis..rank-1` (Ba et al. 2016), then applies the
    elementwise affine `scale` and `bias` of shape `input.shape[axis:]`, as
    torch.nn.functional.layer_norm.

    ```mlir
    %y = dl.layer_norm %x, %g, %b axis = -1 : (tensor<?x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$scale,
                       DL_FloatTensor:$bias,
                       DefaultValuedAttr<I64Attr, "-1">:$axis,
                       DefaultValuedAttr<F64Attr, "1e-05">:$epsilon);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias `axis` `=` $axis attr-dict `:`
    functional-type(operands, results)
  }];
}

#endif // DLC_DIALECT_DL_IR_DLREDUCTIONOPS_TD
