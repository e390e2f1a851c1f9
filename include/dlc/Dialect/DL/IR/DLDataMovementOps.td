//===- DLDataMovementOps.td - Data movement ----------------*- tablegen -*-===//
//
// Ops that move or select elements without arithmetic: reshapes, views
// (transpose, broadcasts), concatenation, slicing, gathers, and the
// gradient ops of slice and gather (slice_grad, scatter_add).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DL_IR_DLDATAMOVEMENTOPS_TD
#define DLC_DIALECT_DL_IR_DLDATAMOVEMENTOPS_TD

include "dlc/Dialect/DL/IR/DLOpBase.td"

def DL_ReshapeOp : DL_Op<"reshape", [Pure, DL_InferShape, DL_ReifyDimsOwn, DL_Differentiable,
                                   DL_Alias]> {
  let summary = "reshapes to a new shape with the same element count";
  let description = [{
    ONNX Reshape semantics: `0` copies the input's dim at the same index and
    at most one `-1` is inferred from the element count, so dynamic dims
    survive (`[0, -1]` flattens `?x28x28` to `?x784`).

    ```mlir
    %f = dl.reshape %x [0, 784] : (tensor<?x28x28xf32>) -> tensor<?x784xf32>
    ```
  }];
  let arguments = (ins DL_Tensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs DL_Tensor:$output);
  let assemblyFormat =
      "$input $shape attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def DL_TransposeOp : DL_Op<"transpose", [Pure, DL_InferShape, DL_ReifyDimsOwn, DL_Differentiable,
                                       DL_View]> {
  let summary = "permutes the dims";
  let description = [{
    Output dim `i` is input dim `perm[i]`.

    ```mlir
    %t = dl.transpose %w [1, 0] : (tensor<128x784xf32>) -> tensor<784x128xf32>
    ```
  }];
  let arguments = (ins DL_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs DL_Tensor:$output);
  let assemblyFormat =
      "$input $perm attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def DL_BroadcastToOp : DL_Op<"broadcast_to", [Pure, DL_InferShape, DL_ReifyDimsOwn, DL_Differentiable,
                                            DL_View]> {
  let summary = "broadcasts to a larger shape";
  let description = [{
    torch.Tensor.expand semantics: size-1 dims grow, new leading dims are
    added, `-1` keeps the input's dim.

    ```mlir
    %b = dl.broadcast_to %bias [4, 128] : (tensor<128xf32>) -> tensor<4x128xf32>
    ```
  }];
  let arguments = (ins DL_Tensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs DL_Tensor:$output);
  let assemblyFormat =
      "$input $shape attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def DL_ConcatOp : DL_Op<"concat", [Pure, SameOperandsElementType, DL_InferShape,
                                   DL_ReifyDimsOwn, DL_Differentiable]> {
  let summary = "concatenates tensors along an axis";
  let description = [{
    ```mlir
    %c = dl.concat %a, %b axis = 1 : (tensor<?x3xf32>, tensor<?x5xf32>) -> tensor<?x8xf32>
    ```
  }];
  let arguments = (ins Variadic<DL_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs DL_Tensor:$output);
  let assemblyFormat =
      "$inputs `axis` `=` $axis attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def DL_SliceOp : DL_Op<"slice", [Pure, DL_InferShape, DL_ReifyDimsOwn, DL_Differentiable]> {
  let summary = "strided slice along some axes";
  let description = [{
    Python slicing `x[start:end:step]` along each listed axis; negative
    `start`/`end` count from the end, and both are clamped to the dim.

    ```mlir
    %s = dl.slice %x axes = [1] starts = [0] ends = [64] steps = [1]
        : (tensor<?x192xf32>) -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins DL_Tensor:$input, DenseI64ArrayAttr:$axes,
                       DenseI64ArrayAttr:$starts, DenseI64ArrayAttr:$ends,
                       DenseI64ArrayAttr:$steps);
  let results = (outs DL_Tensor:$output);
  let assemblyFormat = [{
    $input `axes` `=` $axes `starts` `=` $starts `ends` `=` $ends
    `steps` `=` $steps attr-dict `:` functional-type(operands, results)
  }];
}

def DL_GatherOp : DL_Op<"gather", [Pure, DL_InferShape, DL_ReifyDimsOwn, DL_Differentiable]> {
  let summary = "takes slices along an axis at integer indices";
  let description = [{
    numpy.take: the result is `input.shape[:axis] + indices.shape +
    input.shape[axis+1:]`. Out-of-range indices are a run-time error.

    ```mlir
    %g = dl.gather %x, %idx axis = 0 : (tensor<10x4xf32>, tensor<?xi32>) -> tensor<?x4xf32>
    ```
  }];
  let arguments = (ins DL_Tensor:$input, DL_IndexTensor:$indices, I64Attr:$axis);
  let results = (outs DL_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $indices `axis` `=` $axis attr-dict `:`
    functional-type(operands, results)
  }];
}

def DL_EmbeddingOp : DL_Op<"embedding", [Pure, DL_InferShape, DL_ReifyDimsOwn,
                                         DL_Differentiable]> {
  let summary = "looks up rows of an embedding table";
  let description = [{
    `table[indices]` for a `[vocab, dim]` table, as
    torch.nn.functional.embedding; the result is `indices.shape + [dim]`.

    ```mlir
    %e = dl.embedding %table, %ids : (tensor<1000x64xf32>, tensor<?x?xi32>) -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$table, DL_IndexTensor:$indices);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat =
      "$table `,` $indices attr-dict `:` functional-type(operands, results)";
}

def DL_BroadcastLikeOp : DL_Op<"broadcast_like", [Pure, DL_ReifyDimsOwn, DL_Differentiable]> {
  let summary = "broadcasts a tensor to the run-time shape of another";
  let description = [{
    NumPy broadcasting of `input` to `reference`'s shape (only the shape of
    `reference` is used), also where that shape is dynamic: VJPs use it to
    spread a reduced cotangent back over the reduced dims.

    ```mlir
    %g2 = dl.broadcast_like %g, %x : (tensor<?x1xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins DL_Tensor:$input, DL_Tensor:$reference);
  let results = (outs DL_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $reference attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def DL_SliceGradOp : DL_Op<"slice_grad", [Pure, AllTypesMatch<["input", "output"]>,
                                         DL_ReifyDimsOwn]> {
  let summary = "the gradient of slice: the cotangent placed back, zeros elsewhere";
  let description = [{
    ```mlir
    %dx = dl.slice_grad %g, %x axes = [1] starts = [1] ends = [5] steps = [2]
        : (tensor<?x2xf32>, tensor<?x5xf32>) -> tensor<?x5xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$grad, DL_FloatTensor:$input,
                       DenseI64ArrayAttr:$axes, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$ends, DenseI64ArrayAttr:$steps);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat = [{
    $grad `,` $input `axes` `=` $axes `starts` `=` $starts `ends` `=` $ends
    `steps` `=` $steps attr-dict `:` functional-type(operands, results)
  }];
}

def DL_ScatterAddOp : DL_Op<"scatter_add", [Pure, AllTypesMatch<["reference", "output"]>,
                                           DL_ReifyDimsOwn]> {
  let summary = "sums slices of a cotangent into the rows they were gathered from";
  let description = [{
    The gradient of `dl.gather` (and of `dl.embedding`, a gather along axis
    0): a tensor shaped like `reference` (only its shape is read), zero
    except that `grad`'s slice for each index is added at that index along
    `axis` (negative indices count from the end; out-of-range ones, clamped
    in the forward op, are clamped here too).

    ```mlir
    %dtable = dl.scatter_add %g, %ids, %table axis = 0
        : (tensor<?x16x64xf32>, tensor<?x16xi32>, tensor<1000x64xf32>) -> tensor<1000x64xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$grad, DL_IndexTensor:$indices,
                       DL_FloatTensor:$reference, I64Attr:$axis);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat = [{
    $grad `,` $indices `,` $reference `axis` `=` $axis attr-dict `:`
    functional-type(operands, results)
  }];
}

#endif // DLC_DIALECT_DL_IR_DLDATAMOVEMENTOPS_TD
