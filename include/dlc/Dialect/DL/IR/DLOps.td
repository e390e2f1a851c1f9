//===- DLOps.td - Operations of the dl dialect -------------*- tablegen -*-===//
//
// Every op: a verifier (ODS constraints plus a shape function from
// ShapeFunctions.h through InferTypeOpInterface), a readable assembly format,
// and a summary and description with an example.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DL_IR_DLOPS_TD
#define DLC_DIALECT_DL_IR_DLOPS_TD

include "dlc/Dialect/DL/IR/DLDialect.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

//===----------------------------------------------------------------------===//
// Types and base classes
//===----------------------------------------------------------------------===//

def DL_FloatTensor : RankedTensorOf<[AnyFloat]>;
def DL_IndexTensor : RankedTensorOf<[I32, I64]>;
def DL_Tensor : RankedTensorOf<[AnyFloat, I1, I32, I64]>;
def DL_ScalarTensor : TensorRankOf<[AnyFloat], [0]>;

class DL_Op<string mnemonic, list<Trait> traits = []>
    : Op<DL_Dialect, mnemonic, traits>;

// Result types come from the shape functions in ShapeFunctions.h, as in the
// Toy tutorial's ShapeInference interface. The verifier reports the shape
// function's own error (naming both shapes); a declared result type may be
// less precise than the inferred one (`?` where the inference knows a size),
// and dl-shape-inference then refines it.
def DL_ShapeInferenceOpInterface : OpInterface<"ShapeInferenceOpInterface"> {
  let cppNamespace = "::dlc::dl";
  let description = [{
    An op whose result types follow from its operand types and attributes.
  }];
  let methods = [
    InterfaceMethod<[{
        Infers the result types; on failure reports why at `loc` (if given).
      }], "::llvm::LogicalResult", "inferResultTypes",
      (ins "std::optional<::mlir::Location>":$loc,
           "::llvm::SmallVectorImpl<::mlir::Type> &":$types)>
  ];
  let verify = [{ return ::dlc::dl::verifyInferredResultTypes($_op); }];
}

def DL_InferShape : DeclareOpInterfaceMethods<DL_ShapeInferenceOpInterface>;

// Reverse-mode differentiation (dl-autodiff): each differentiable op builds
// its own vector-Jacobian product in dl, next to the op (DLOpsVJP.cpp).
def DL_DifferentiableOpInterface : OpInterface<"DifferentiableOpInterface"> {
  let cppNamespace = "::dlc::dl";
  let description = [{
    An op that can build its vector-Jacobian product (VJP): given the
    cotangents of its results, the cotangents of its operands, as dl ops
    built at the builder's insertion point.
  }];
  let methods = [
    InterfaceMethod<[{
        Builds the operand cotangents. `resultCotangents[i]` is the
        cotangent of result i, or null where no gradient reaches it (zero).
        Sets `operandCotangents` to one value per operand, null where the
        operand gets none (it is not differentiable, e.g. integer labels).
        Fails with a diagnostic on the op when the VJP cannot be built.
      }], "::llvm::LogicalResult", "buildVJP",
      (ins "::mlir::OpBuilder &":$builder,
           "::llvm::ArrayRef<::mlir::Value>":$resultCotangents,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandCotangents)>
  ];
}

def DL_Differentiable : DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>;

//===----------------------------------------------------------------------===//
// Constants, parameters and the model interface
//===----------------------------------------------------------------------===//

def DL_ConstantOp : DL_Op<"constant",
    [ConstantLike, Pure, AllTypesMatch<["value", "output"]>]> {
  let summary = "a constant tensor";
  let description = [{
    Produces a tensor from a dense or splat elements attribute.

    ```mlir
    %c = dl.constant dense<1.0> : tensor<10xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs DL_Tensor:$output);
  let assemblyFormat = "$value attr-dict";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def DL_ParameterOp : DL_Op<"parameter",
    [Symbol, HasParent<"::mlir::ModuleOp">]> {
  let summary = "declares a model parameter and its initializer";
  let description = [{
    A named tensor that persists across calls: a weight, a bias, or (with
    `non_trainable`) state such as batch-norm running statistics. The
    initializer follows Keras: `glorot_uniform` draws from
    U(-l, l), l = sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio 2010),
    `he_normal` from N(0, 2 / fan_in) (He et al. 2015), and so on; fans are
    computed as in PyTorch's `_calculate_fan_in_and_fan_out` for the
    `[out, in, ...]` layouts dl uses. Optional `mean`, `stddev`, `minval`,
    `maxval` and `value` tune the plain distributions (defaults as in Keras:
    normal N(0, 0.05), uniform U(-0.05, 0.05)). `state` marks training
    state (optimizer moments, step counters): saved in checkpoints, optional
    when weights are loaded.

    ```mlir
    dl.parameter @"fc1.weight" : tensor<128x784xf32> = glorot_uniform
    dl.parameter @"bn.running_var" : tensor<32xf32> = ones non_trainable
    dl.parameter @scale : tensor<f32> = constant {value = 0.5 : f64}
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<DL_FloatTensor>:$type,
                       DL_InitializerAttr:$initializer,
                       UnitAttr:$non_trainable,
                       UnitAttr:$state,
                       OptionalAttr<F64Attr>:$value,
                       OptionalAttr<F64Attr>:$mean,
                       OptionalAttr<F64Attr>:$stddev,
                       OptionalAttr<F64Attr>:$minval,
                       OptionalAttr<F64Attr>:$maxval);
  let assemblyFormat = [{
    $sym_name `:` $type `=` $initializer (`non_trainable` $non_trainable^)?
    (`state` $state^)? attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::RankedTensorType getTensorType() {
      return ::llvm::cast<::mlir::RankedTensorType>(getType());
    }
  }];
}

def DL_ParamOp : DL_Op<"param",
    [Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "reads the current value of a model parameter";
  let description = [{
    ```mlir
    %w = dl.param @"fc1.weight" : tensor<128x784xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat = "$name attr-dict `:` type($output)";
}

def DL_OptimizerOp : DL_Op<"optimizer", [HasParent<"::mlir::ModuleOp">]> {
  let summary = "the optimizer that the model's train step uses";
  let description = [{
    Records the optimizer and its hyperparameters from the `.dl` file's
    `train` section. `sgd` (with `momentum`, `nesterov`), `adam`
    (Kingma & Ba 2015) and `adamw` (Loshchilov & Hutter 2019, decoupled
    `weight_decay`); `l2` adds `l2 * sum(w^2)` over trainable weights to the
    loss (Keras's kernel_regularizer).

    ```mlir
    dl.optimizer adam {learning_rate = 1.000000e-03 : f64}
    ```
  }];
  let arguments = (ins DL_OptimizerKindAttr:$kind,
                       F64Attr:$learning_rate,
                       DefaultValuedAttr<F64Attr, "0.0">:$momentum,
                       UnitAttr:$nesterov,
                       DefaultValuedAttr<F64Attr, "0.9">:$beta1,
                       DefaultValuedAttr<F64Attr, "0.999">:$beta2,
                       DefaultValuedAttr<F64Attr, "1e-07">:$epsilon,
                       DefaultValuedAttr<F64Attr, "0.0">:$weight_decay,
                       DefaultValuedAttr<F64Attr, "0.0">:$l2);
  let assemblyFormat = "$kind attr-dict";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise ops
//===----------------------------------------------------------------------===//

class DL_BinaryOp<string mnemonic, string sym, list<Trait> traits = []>
    : DL_Op<mnemonic, !listconcat([Pure, SameOperandsElementType,
                                   DL_InferShape, DL_Differentiable], traits)> {
  let summary = "elementwise `" # sym # "` with NumPy broadcasting";
  let description = [{
    Applies the operation elementwise; operands broadcast as in NumPy.

    ```mlir
    %r = dl.}] # mnemonic # [{ %a, %b : (tensor<?x128xf32>, tensor<128xf32>) -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins DL_Tensor:$lhs, DL_Tensor:$rhs);
  let results = (outs DL_Tensor:$output);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def DL_AddOp : DL_BinaryOp<"add", "+", [Commutative]>;
def DL_SubOp : DL_BinaryOp<"sub", "-">;
def DL_MulOp : DL_BinaryOp<"mul", "*", [Commutative]>;
def DL_DivOp : DL_BinaryOp<"div", "/">;
def DL_PowOp : DL_BinaryOp<"pow", "pow">;
def DL_MaximumOp : DL_BinaryOp<"maximum", "max", [Commutative]>;
def DL_MinimumOp : DL_BinaryOp<"minimum", "min", [Commutative]>;

class DL_UnaryOp<string mnemonic, string formula,
                 list<Trait> traits = [DL_Differentiable]>
    : DL_Op<mnemonic, !listconcat([Pure, SameOperandsAndResultType],
                                  traits)> {
  let summary = "elementwise " # formula;
  let description = [{
    Computes }] # formula # [{ for every element.

    ```mlir
    %y = dl.}] # mnemonic # [{ %x : tensor<?x128xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasFolder = 1;
}

def DL_NegOp : DL_UnaryOp<"neg", "-x">;
def DL_AbsOp : DL_UnaryOp<"abs", "|x|">;
def DL_ExpOp : DL_UnaryOp<"exp", "e^x">;
def DL_LogOp : DL_UnaryOp<"log", "the natural logarithm ln(x)">;
def DL_SqrtOp : DL_UnaryOp<"sqrt", "sqrt(x)">;
def DL_RsqrtOp : DL_UnaryOp<"rsqrt", "1 / sqrt(x)">;
def DL_TanhOp : DL_UnaryOp<"tanh", "tanh(x)">;
def DL_SigmoidOp : DL_UnaryOp<"sigmoid", "the logistic sigmoid 1 / (1 + e^-x)">;
def DL_ReluOp : DL_UnaryOp<"relu", "max(x, 0)">;
def DL_StepOp : DL_UnaryOp<"step", "the unit step: 1 where x > 0, else 0 (a mask in gradients)">;

def DL_GeluOp : DL_Op<"gelu", [Pure, SameOperandsAndResultType, DL_Differentiable]> {
  let summary = "elementwise GELU";
  let description = [{
    The Gaussian error linear unit (Hendrycks & Gimpel 2016):
    `x * Phi(x)` with `approximate = none`, or
    `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))` with
    `approximate = tanh`, as torch.nn.functional.gelu.

    ```mlir
    %y = dl.gelu %x approximate = tanh : tensor<?x512xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input,
                       DefaultValuedAttr<DL_GeluApproximationAttr,
                         "::dlc::dl::GeluApproximation::none">:$approximate);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat =
      "$input (`approximate` `=` $approximate^)? attr-dict `:` type($input)";
}

def DL_CastOp : DL_Op<"cast", [Pure, SameOperandsAndResultShape, DL_Differentiable]> {
  let summary = "converts the element type";
  let description = [{
    Converts each element: integer to float exactly where representable,
    float to integer rounding toward zero (C semantics).

    ```mlir
    %f = dl.cast %labels : tensor<?xi32> to tensor<?xf32>
    ```
  }];
  let arguments = (ins DL_Tensor:$input);
  let results = (outs DL_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($output)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

def DL_MatmulOp : DL_Op<"matmul", [Pure, SameOperandsElementType, DL_InferShape,
                                   DL_Differentiable]> {
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
    [Pure, SameOperandsElementType, DL_InferShape, DL_Differentiable]> {
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

//===----------------------------------------------------------------------===//
// Reductions and normalizations
//===----------------------------------------------------------------------===//

class DL_ReduceOp<string mnemonic, string what>
    : DL_Op<mnemonic, [Pure, DL_InferShape, DL_Differentiable]> {
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
}

def DL_ReduceSumOp : DL_ReduceOp<"reduce_sum", "sum">;
def DL_ReduceMeanOp : DL_ReduceOp<"reduce_mean", "arithmetic mean">;
def DL_ReduceMaxOp : DL_ReduceOp<"reduce_max", "maximum">;

class DL_SoftmaxLikeOp<string mnemonic, string formula>
    : DL_Op<mnemonic, [Pure, SameOperandsAndResultType, DL_Differentiable]> {
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

def DL_BatchNormOp : DL_Op<"batch_norm", [Pure, DL_InferShape, DL_Differentiable]> {
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

def DL_LayerNormOp : DL_Op<"layer_norm", [Pure, DL_InferShape, DL_Differentiable]> {
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

def DL_DropoutOp : DL_Op<"dropout", [Pure, SameOperandsAndResultType, DL_Differentiable]> {
  let summary = "inverted dropout";
  let description = [{
    In training, zeroes each element with probability `rate` and scales the
    rest by `1 / (1 - rate)` (Srivastava et al. 2014); in inference, the
    identity. A rate of 0 folds away.

    ```mlir
    %y = dl.dropout %x rate = 2.000000e-01 : tensor<?x128xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, F64Attr:$rate);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat = "$input `rate` `=` $rate attr-dict `:` type($input)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

def DL_ReshapeOp : DL_Op<"reshape", [Pure, DL_InferShape, DL_Differentiable]> {
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

def DL_TransposeOp : DL_Op<"transpose", [Pure, DL_InferShape, DL_Differentiable]> {
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

def DL_BroadcastToOp : DL_Op<"broadcast_to", [Pure, DL_InferShape, DL_Differentiable]> {
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
                                   DL_Differentiable]> {
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

def DL_SliceOp : DL_Op<"slice", [Pure, DL_InferShape, DL_Differentiable]> {
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

def DL_GatherOp : DL_Op<"gather", [Pure, DL_InferShape, DL_Differentiable]> {
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

def DL_EmbeddingOp : DL_Op<"embedding", [Pure, DL_InferShape, DL_Differentiable]> {
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

//===----------------------------------------------------------------------===//
// Convolution, pooling, recurrence
//===----------------------------------------------------------------------===//

def DL_Conv2DOp : DL_Op<"conv2d", [Pure, SameOperandsElementType, DL_InferShape,
                                   DL_Differentiable]> {
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
    : DL_Op<mnemonic, [Pure, DL_InferShape, DL_Differentiable]> {
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

def DL_LSTMOp : DL_Op<"lstm", [Pure, DL_InferShape, DL_Differentiable]> {
  let summary = "a single-layer LSTM over a run-time number of time steps";
  let description = [{
    Hochreiter & Schmidhuber 1997, with PyTorch's equations and gate order
    (i, f, g, o): for each step t of an `[batch, time, features]` input,
    `gates = x_t @ w_ih^T + h @ w_hh^T + bias`, `c = f*c + i*g`,
    `h = o*tanh(c)`, starting from zero states. `time` may be dynamic.
    Results: every step's `h` `[batch, time, hidden]`, the last `h` and the
    last `c`.

    ```mlir
    %out, %h, %c = dl.lstm %x, %w_ih, %w_hh, %b
        : (tensor<?x?x32xf32>, tensor<256x32xf32>, tensor<256x64xf32>, tensor<256xf32>)
        -> (tensor<?x?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>)
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$w_ih,
                       DL_FloatTensor:$w_hh, DL_FloatTensor:$bias);
  let results = (outs DL_FloatTensor:$output, DL_FloatTensor:$h,
                      DL_FloatTensor:$c);
  let assemblyFormat = [{
    $input `,` $w_ih `,` $w_hh `,` $bias attr-dict `:`
    functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

class DL_LossOp<string mnemonic, string what, dag extraArgs = (ins),
                string extraFormat = "">
    : DL_Op<mnemonic, [Pure, DL_InferShape, DL_Differentiable]> {
  let summary = what # ", averaged over the batch";
  let arguments = !con((ins DL_FloatTensor:$predictions, DL_Tensor:$targets),
                       extraArgs);
  let results = (outs DL_ScalarTensor:$loss);
  let assemblyFormat = "$predictions `,` $targets " # extraFormat #
                       " attr-dict `:` functional-type(operands, results)";
}

def DL_MSELossOp : DL_LossOp<"mse_loss", "mean squared error"> {
  let description = [{
    `mean((predictions - targets)^2)` over every element.

    ```mlir
    %l = dl.mse_loss %p, %t : (tensor<?x1xf32>, tensor<?x1xf32>) -> tensor<f32>
    ```
  }];
}

def DL_BinaryCrossEntropyOp : DL_LossOp<"binary_cross_entropy",
    "binary cross-entropy", (ins UnitAttr:$from_logits),
    "(`from_logits` $from_logits^)?"> {
  let description = [{
    `-mean(t log p + (1 - t) log(1 - p))`; with `from_logits`, `p` is
    `sigmoid(predictions)` computed stably as
    torch.nn.functional.binary_cross_entropy_with_logits does.

    ```mlir
    %l = dl.binary_cross_entropy %z, %t from_logits : (tensor<?x1xf32>, tensor<?x1xf32>) -> tensor<f32>
    ```
  }];
}

def DL_CategoricalCrossEntropyOp : DL_LossOp<"categorical_cross_entropy",
    "categorical cross-entropy with one-hot or soft targets",
    (ins UnitAttr:$from_logits), "(`from_logits` $from_logits^)?"> {
  let description = [{
    `-mean_n sum_c t[n,c] log p[n,c]` over the last (class) dim; with
    `from_logits`, `log p` is a numerically stable log_softmax.

    ```mlir
    %l = dl.categorical_cross_entropy %logits, %onehot from_logits : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<f32>
    ```
  }];
}

def DL_SparseCategoricalCrossEntropyOp : DL_LossOp<
    "sparse_categorical_cross_entropy",
    "categorical cross-entropy with integer labels",
    (ins UnitAttr:$from_logits), "(`from_logits` $from_logits^)?"> {
  let description = [{
    `-mean_n log p[n, labels[n]]` with `predictions` `[..., C]` and integer
    `labels` `[...]`; with `from_logits`, as torch.nn.functional.cross_entropy.
    A label outside `[0, C)` is a run-time error.

    ```mlir
    %l = dl.sparse_categorical_cross_entropy %logits, %labels from_logits : (tensor<?x10xf32>, tensor<?xi32>) -> tensor<f32>
    ```
  }];
}

//===----------------------------------------------------------------------===//
// Training: gradients of fused ops, randomness, optimizer updates, state
//===----------------------------------------------------------------------===//

def DL_LossGradOp : DL_Op<"loss_grad", [Pure]> {
  let summary = "the gradient of a loss with respect to its predictions or targets";
  let description = [{
    `g * d loss / d predictions` for the loss `kind` (`mse`,
    `binary_cross_entropy`, `categorical_cross_entropy`,
    `sparse_categorical_cross_entropy`), where `g` is the scalar cotangent
    of the loss: built by the losses' VJPs, e.g. `(softmax(z) - onehot(y)) *
    g / N` for sparse categorical cross-entropy from logits. With
    `wrt_targets`, the gradient with respect to (float) targets instead,
    e.g. `-log_softmax(z) * g / N` for categorical cross-entropy.

    ```mlir
    %dz = dl.loss_grad "sparse_categorical_cross_entropy" %z, %y, %g from_logits
        : (tensor<?x10xf32>, tensor<?xi32>, tensor<f32>) -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins StrAttr:$kind, DL_FloatTensor:$predictions,
                       DL_Tensor:$targets, DL_ScalarTensor:$cotangent,
                       UnitAttr:$from_logits, UnitAttr:$wrt_targets);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat = [{
    $kind $predictions `,` $targets `,` $cotangent (`from_logits` $from_logits^)?
    (`wrt_targets` $wrt_targets^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def DL_AccuracyOp : DL_Op<"accuracy", [Pure]> {
  let summary = "the fraction of correct predictions";
  let description = [{
    For the classification loss `kind`: argmax over the last dim equal to
    the label (`sparse_categorical_cross_entropy`), to the target's argmax
    (`categorical_cross_entropy`), or prediction > 0.5 (> 0 from logits)
    equal to target > 0.5 (`binary_cross_entropy`), averaged over all
    predictions, as Keras's accuracy metrics.

    ```mlir
    %acc = dl.accuracy "sparse_categorical_cross_entropy" %z, %y from_logits
        : (tensor<?x10xf32>, tensor<?xi32>) -> tensor<f32>
    ```
  }];
  let arguments = (ins StrAttr:$kind, DL_FloatTensor:$predictions,
                       DL_Tensor:$targets, UnitAttr:$from_logits);
  let results = (outs DL_ScalarTensor:$output);
  let assemblyFormat = [{
    $kind $predictions `,` $targets (`from_logits` $from_logits^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

// Gradients of ops whose VJP is not a composition of other dl ops. Each
// takes the cotangent `grad` and returns a tensor of its `reference`
// operand's type (only the reference's shape is read where noted).

def DL_Conv2DGradInputOp : DL_Op<"conv2d_grad_input",
    [Pure, AllTypesMatch<["input", "output"]>]> {
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

def DL_LSTMGradOp : DL_Op<"lstm_grad",
    [Pure, AllTypesMatch<["input", "d_input"]>, AllTypesMatch<["w_ih", "d_w_ih"]>,
     AllTypesMatch<["w_hh", "d_w_hh"]>, AllTypesMatch<["bias", "d_bias"]>]> {
  let summary = "backpropagation through time of dl.lstm";
  let description = [{
    The gradients of `dl.lstm %input, %w_ih, %w_hh, %bias` with respect to
    its four operands, given the cotangents of its three results (every
    step's h `[batch, time, hidden]`, the last h and the last c, `[batch,
    hidden]` each; zeros where a result is unused). The forward pass is
    recomputed (h and c of every step), then the steps run in reverse
    (Werbos 1990), accumulating the weight gradients as
    torch.nn.LSTM's backward does.

    ```mlir
    %dx, %dwih, %dwhh, %db = dl.lstm_grad %x, %w_ih, %w_hh, %b, %d_out, %d_h, %d_c
        : (tensor<?x?x32xf32>, tensor<256x32xf32>, tensor<256x64xf32>, tensor<256xf32>,
           tensor<?x?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>)
        -> (tensor<?x?x32xf32>, tensor<256x32xf32>, tensor<256x64xf32>, tensor<256xf32>)
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$w_ih,
                       DL_FloatTensor:$w_hh, DL_FloatTensor:$bias,
                       DL_FloatTensor:$d_output, DL_FloatTensor:$d_h,
                       DL_FloatTensor:$d_c);
  let results = (outs DL_FloatTensor:$d_input, DL_FloatTensor:$d_w_ih,
                      DL_FloatTensor:$d_w_hh, DL_FloatTensor:$d_bias);
  let assemblyFormat = [{
    $input `,` $w_ih `,` $w_hh `,` $bias `,` $d_output `,` $d_h `,` $d_c
    attr-dict `:` functional-type(operands, results)
  }];
}

def DL_Conv2DGradFilterOp : DL_Op<"conv2d_grad_filter",
    [Pure, AllTypesMatch<["filter", "output"]>]> {
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
    : DL_Op<mnemonic, [Pure, AllTypesMatch<["input", "output"]>]> {
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

def DL_ScatterAddOp : DL_Op<"scatter_add", [Pure, AllTypesMatch<["reference", "output"]>]> {
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

def DL_SliceGradOp : DL_Op<"slice_grad", [Pure, AllTypesMatch<["input", "output"]>]> {
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

def DL_GeluGradOp : DL_Op<"gelu_grad", [Pure, AllTypesMatch<["input", "grad", "output"]>]> {
  let summary = "the gradient of gelu";
  let description = [{
    `grad * gelu'(input)`: `Phi(x) + x phi(x)` exactly, or the derivative of
    the tanh approximation.

    ```mlir
    %dx = dl.gelu_grad %x, %g approximate = tanh : tensor<?x512xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$grad,
                       DefaultValuedAttr<DL_GeluApproximationAttr,
                         "::dlc::dl::GeluApproximation::none">:$approximate);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat =
      "$input `,` $grad (`approximate` `=` $approximate^)? attr-dict `:` type($input)";
}

def DL_BroadcastLikeOp : DL_Op<"broadcast_like", [Pure, DL_Differentiable]> {
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

def DL_DropoutMaskOp : DL_Op<"dropout_mask",
    [Pure, AllTypesMatch<["input", "output"]>, DL_Differentiable]> {
  let summary = "a random inverted-dropout mask";
  let description = [{
    For each element of `input`'s shape: 0 with probability `rate`, else
    `1 / (1 - rate)` (Srivastava et al. 2014). The draw is a hash of the
    element's index, `salt` (one per dropout op) and `seed` (a scalar the
    train step advances), so the backward pass recomputes the same mask
    instead of saving it. Only `input`'s shape is used.

    ```mlir
    %mask = dl.dropout_mask %x, %seed rate = 2.000000e-01 salt = 1
        : (tensor<?x128xf32>, tensor<f32>) -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_ScalarTensor:$seed,
                       F64Attr:$rate, I64Attr:$salt);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $seed `rate` `=` $rate `salt` `=` $salt attr-dict `:`
    functional-type(operands, results)
  }];
}

def DL_AssignOp : DL_Op<"assign", [DeclareOpInterfaceMethods<SymbolUserOpInterface>,
                                   MemoryEffects<[MemWrite]>]> {
  let summary = "writes a new value into a parameter";
  let description = [{
    Stores `value` into the parameter `name` when the entry point returns;
    every `dl.param` of the same function reads the value from before the
    call. Optimizer updates and training counters use it.

    ```mlir
    dl.assign @"fc1.weight", %w1 : tensor<128x784xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name, DL_FloatTensor:$value);
  let assemblyFormat = "$name `,` $value attr-dict `:` type($value)";
}

def DL_AdamUpdateOp : DL_Op<"adam_update",
    [Pure, AllTypesMatch<["param", "grad", "m", "v", "new_param", "new_m", "new_v"]>]> {
  let summary = "one Adam / AdamW step for one parameter";
  let description = [{
    Kingma & Ba 2015, as torch.optim.Adam (AdamW, Loshchilov & Hutter 2019,
    with `weight_decay`): with step `t` (already counting this step) and
    learning rate `lr` (scalars),
    `m' = b1 m + (1 - b1) g`, `v' = b2 v + (1 - b2) g^2`,
    `p' = p (1 - lr wd) - lr (m' / (1 - b1^t)) / (sqrt(v' / (1 - b2^t)) + eps)`.

    ```mlir
    %p1, %m1, %v1 = dl.adam_update %p, %g, %m, %v, %t, %lr {beta1 = 0.9 : f64, beta2 = 0.999 : f64, epsilon = 1.0e-07 : f64, weight_decay = 0.0 : f64}
        : tensor<10xf32>, tensor<f32>, tensor<f32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$param, DL_FloatTensor:$grad,
                       DL_FloatTensor:$m, DL_FloatTensor:$v,
                       DL_ScalarTensor:$step, DL_ScalarTensor:$learning_rate,
                       F64Attr:$beta1, F64Attr:$beta2, F64Attr:$epsilon,
                       F64Attr:$weight_decay);
  let results = (outs DL_FloatTensor:$new_param, DL_FloatTensor:$new_m,
                      DL_FloatTensor:$new_v);
  let assemblyFormat = [{
    $param `,` $grad `,` $m `,` $v `,` $step `,` $learning_rate attr-dict `:`
    type($param) `,` type($step) `,` type($learning_rate)
  }];
}

def DL_SGDUpdateOp : DL_Op<"sgd_update",
    [Pure, AllTypesMatch<["param", "grad", "buffer", "new_param", "new_buffer"]>]> {
  let summary = "one SGD step (momentum, Nesterov) for one parameter";
  let description = [{
    As torch.optim.SGD: `b' = momentum b + g`; `p' = p - lr (g + momentum b')`
    with `nesterov`, else `p' = p - lr b'` (with momentum 0, `p - lr g`).

    ```mlir
    %p1, %b1 = dl.sgd_update %p, %g, %b, %lr {momentum = 0.9 : f64}
        : tensor<10xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$param, DL_FloatTensor:$grad,
                       DL_FloatTensor:$buffer, DL_ScalarTensor:$learning_rate,
                       F64Attr:$momentum, UnitAttr:$nesterov);
  let results = (outs DL_FloatTensor:$new_param, DL_FloatTensor:$new_buffer);
  let assemblyFormat = [{
    $param `,` $grad `,` $buffer `,` $learning_rate attr-dict `:`
    type($param) `,` type($learning_rate)
  }];
}

//===----------------------------------------------------------------------===//
// Fusion groups (formed by dl-fuse, scheduled by dl-tile)
//===----------------------------------------------------------------------===//

def DL_FusionOp : DL_Op<"fusion", [SingleBlock, RecursiveMemoryEffects]> {
  let summary = "a fusion group: ops compiled to one kernel";
  let description = [{
    The ops of the body are computed by one kernel (one Halide pipeline):
    intermediate values stay in registers or cache instead of memory. The
    body may read any value defined above it (parameters, arguments, views
    and other groups' results); the values it yields are the group's
    results. `name` identifies the group within its function (schedule
    override files refer to it as `<entry>/<name>`). dl-tile records the
    group's schedule in the `dl.schedule` attribute.

    ```mlir
    %h = dl.fusion "matmul_0" {
      %0 = dl.matmul %x, %wt : (tensor<?x784xf32>, tensor<784x128xf32>) -> tensor<?x128xf32>
      %1 = dl.add %0, %b : (tensor<?x128xf32>, tensor<128xf32>) -> tensor<?x128xf32>
      %2 = dl.relu %1 : tensor<?x128xf32>
      dl.yield %2 : tensor<?x128xf32>
    } : tensor<?x128xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name);
  let results = (outs Variadic<DL_Tensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$name attr-dict-with-keyword $body `:` type($results)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The op that gives the group its schedule: the first op of the body
    /// that is not elementwise (a matmul, conv, reduction, ...), else the
    /// op whose result is yielded.
    ::mlir::Operation *getAnchor();
    ::mlir::Operation *getYield() { return getBody().front().getTerminator(); }
  }];
}

def DL_YieldOp : DL_Op<"yield", [Pure, Terminator, HasParent<"FusionOp">,
                                 ReturnLike]> {
  let summary = "the results of a fusion group";
  let arguments = (ins Variadic<DL_Tensor>:$values);
  let assemblyFormat = "$values attr-dict `:` type($values)";
}

#endif // DLC_DIALECT_DL_IR_DLOPS_TD
