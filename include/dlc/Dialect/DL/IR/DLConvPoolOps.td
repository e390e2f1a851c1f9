//===- DLConvPoolOps.td - Convolution and pooling ----------*- tablegen -*-===//
//
// 2-D convolution and pooling over NCHW, with their gradient ops.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DL_IR_DLCONVPOOLOPS_TD
#define DLC_DIALECT_DL_IR_DLCONVPOOLOPS_TD

include "dlc/Dialect/DL/IR/DLOpBase.td"

def DL_Conv2DOp : DL_Op<"conv2d", [Pure, SameOperandsElementType, DL_InferShape,
                                   DL_ReifyDimsOwn, DL_Differentiable,
                                   DL_AcceptsEpilogue]> {
  let summary = "2-D convolution, NCHW input and OIHW filter";
  let description = [{
    Cross-correlation as torch.nn.functional.conv2d: `filter` is
    `[out_channels, in_channels / groups, kH, kW]`, `padding` is
    `[top, left, bottom, right]` in zeros.

    ```mlir
    %y = dl.conv2d %x, %w strides = [1, 1] padding = [2, 2, 2, 2]
        dilation = [1, 1] groups = 1
        : (tensor<?x1x28x28xf32>, tensor<32x1x5x5xf32>) -> tensor<?x32x28x28xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$filter,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$padding,
                       DenseI64ArrayAttr:$dilation, I64Attr:$groups);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $filter `strides` `=` $strides `padding` `=` $padding
    `dilation` `=` $dilation `groups` `=` $groups attr-dict `:`
    functional-type(operands, results)
  }];
}

class DL_Pool2DOp<string mnemonic, string what, dag extraArgs = (ins)>
    : DL_Op<mnemonic, [Pure, DL_InferShape, DL_ReifyDimsOwn, DL_Differentiable,
                       DL_AcceptsEpilogue]> {
  let summary = "2-D " # what # " pooling over NCHW";
  let description = [{
    Slides a `kernel` window with `strides` over H and W; `padding` is
    `[top, left, bottom, right]` and never reaches a whole window.

    ```mlir
    %p = dl.}] # mnemonic # [{ %x kernel = [2, 2] strides = [2, 2] padding = [0, 0, 0, 0]
        : (tensor<?x32x28x28xf32>) -> tensor<?x32x14x14xf32>
    ```
  }];
  let arguments = !con((ins DL_FloatTensor:$input, DenseI64ArrayAttr:$kernel,
                            DenseI64ArrayAttr:$strides,
                            DenseI64ArrayAttr:$padding), extraArgs);
  let results = (outs DL_FloatTensor:$output);
  let extraClassDefinition = DL_SharedShapeRule<[{
    ::dlc::inferPool2DShape(operands[0], getKernel(), getStrides(),
                            getPadding(), emitError)
  }]>.definition # DL_SharedDimsRule<[{
    ::dlc::dl::reifyConvPoolDims(*this, b, loc, operandDims, resultDims)
  }]>.definition;
}

def DL_MaxPool2DOp : DL_Pool2DOp<"max_pool2d", "max"> {
  let assemblyFormat = [{
    $input `kernel` `=` $kernel `strides` `=` $strides `padding` `=` $padding
    attr-dict `:` functional-type(operands, results)
  }];
}

def DL_AvgPool2DOp : DL_Pool2DOp<"avg_pool2d", "average",
                                 (ins UnitAttr:$count_include_pad)> {
  let assemblyFormat = [{
    $input `kernel` `=` $kernel `strides` `=` $strides `padding` `=` $padding
    (`count_include_pad` $count_include_pad^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

def DL_Conv2DGradInputOp : DL_Op<"conv2d_grad_input",
    [Pure, AllTypesMatch<["input", "output"]>, DL_ReifyDimsOwn, DL_AcceptsEpilogue]> {
  let summary = "the gradient of conv2d with respect to its input";
  let description = [{
    The transposed convolution of `grad` ([N, O, OH, OW]) with `filter`,
    shaped like `input` (only its shape is read), for the conv2d attributes
    given.

    ```mlir
    %dx = dl.conv2d_grad_input %g, %w, %x strides = [1, 1] padding = [2, 2, 2, 2] dilation = [1, 1] groups = 1
        : (tensor<?x32x28x28xf32>, tensor<32x1x5x5xf32>, tensor<?x1x28x28xf32>) -> tensor<?x1x28x28xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$grad, DL_FloatTensor:$filter,
                       DL_FloatTensor:$input, DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$padding, DenseI64ArrayAttr:$dilation,
                       I64Attr:$groups);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat = [{
    $grad `,` $filter `,` $input `strides` `=` $strides `padding` `=` $padding
    `dilation` `=` $dilation `groups` `=` $groups attr-dict `:`
    functional-type(operands, results)
  }];
}

def DL_Conv2DGradFilterOp : DL_Op<"conv2d_grad_filter",
    [Pure, AllTypesMatch<["filter", "output"]>, DL_ReifyDimsOwn, DL_AcceptsEpilogue]> {
  let summary = "the gradient of conv2d with respect to its filter";
  let description = [{
    The correlation of `input` with `grad` over the batch and output
    positions, shaped like `filter` (only its shape is read).

    ```mlir
    %dw = dl.conv2d_grad_filter %g, %x, %w strides = [1, 1] padding = [2, 2, 2, 2] dilation = [1, 1] groups = 1
        : (tensor<?x32x28x28xf32>, tensor<?x1x28x28xf32>, tensor<32x1x5x5xf32>) -> tensor<32x1x5x5xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$grad, DL_FloatTensor:$input,
                       DL_FloatTensor:$filter, DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$padding, DenseI64ArrayAttr:$dilation,
                       I64Attr:$groups);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat = [{
    $grad `,` $input `,` $filter `strides` `=` $strides `padding` `=` $padding
    `dilation` `=` $dilation `groups` `=` $groups attr-dict `:`
    functional-type(operands, results)
  }];
}

class DL_Pool2DGradOp<string mnemonic, string what, dag extraArgs = (ins)>
    : DL_Op<mnemonic, [Pure, AllTypesMatch<["input", "output"]>, DL_ReifyDimsOwn]> {
  let summary = "the gradient of " # what # " pooling";
  let description = [{
    Routes each window's cotangent back to its input positions: to the
    window's first maximum (row-major, as PyTorch) for max pooling, spread
    evenly over the counted positions for average pooling.

    ```mlir
    %dx = dl.}] # mnemonic # [{ %g, %x kernel = [2, 2] strides = [2, 2] padding = [0, 0, 0, 0]
        : (tensor<?x32x14x14xf32>, tensor<?x32x28x28xf32>) -> tensor<?x32x28x28xf32>
    ```
  }];
  let arguments = !con((ins DL_FloatTensor:$grad, DL_FloatTensor:$input,
                            DenseI64ArrayAttr:$kernel, DenseI64ArrayAttr:$strides,
                            DenseI64ArrayAttr:$padding), extraArgs);
  let results = (outs DL_FloatTensor:$output);
  // The input's dims.
  let extraClassDefinition = DL_SharedDimsRule<[{
    ::dlc::dl::reifySameAsOperand(*this, b, loc, operandDims, 1, resultDims)
  }]>.definition;
}

def DL_MaxPool2DGradOp : DL_Pool2DGradOp<"max_pool2d_grad", "max"> {
  let assemblyFormat = [{
    $grad `,` $input `kernel` `=` $kernel `strides` `=` $strides `padding` `=` $padding
    attr-dict `:` functional-type(operands, results)
  }];
}

def DL_AvgPool2DGradOp : DL_Pool2DGradOp<"avg_pool2d_grad", "average",
                                         (ins UnitAttr:$count_include_pad)> {
  let assemblyFormat = [{
    $grad `,` $input `kernel` `=` $kernel `strides` `=` $strides `padding` `=` $padding
    (`count_include_pad` $count_include_pad^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

#endif // DLC_DIALECT_DL_IR_DLCONVPOOLOPS_TD
