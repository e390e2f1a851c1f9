//===- DLLossOps.td - Losses and metrics -------------------*- tablegen -*-===//
//
// Losses (scalars averaged over the batch), their gradient op and the
// accuracy metric, which share the loss kinds.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DL_IR_DLLOSSOPS_TD
#define DLC_DIALECT_DL_IR_DLLOSSOPS_TD

include "dlc/Dialect/DL/IR/DLOpBase.td"

// `kind` names the loss's LossKind (ShapeFunctions.h), whose rule checks the
// operands.
class DL_LossOp<string mnemonic, string kind, string what,
                dag extraArgs = (ins), string extraFormat = "">
    : DL_Op<mnemonic, [Pure, DL_InferShape, DL_ReifyDims, DL_Differentiable]> {
  let summary = what # ", averaged over the batch";
  let arguments = !con((ins DL_FloatTensor:$predictions, DL_Tensor:$targets),
                       extraArgs);
  let results = (outs DL_ScalarTensor:$loss);
  let assemblyFormat = "$predictions `,` $targets " # extraFormat #
                       " attr-dict `:` functional-type(operands, results)";
  let extraClassDefinition = DL_SharedShapeRule<
      "::dlc::dl::inferLossShape(::dlc::LossKind::" # kind #
      ", operands, emitError)">.definition;
}

def DL_MSELossOp : DL_LossOp<"mse_loss", "MeanSquaredError",
                             "mean squared error"> {
  let description = [{
    `mean((predictions - targets)^2)` over every element.

    ```mlir
    %l = dl.mse_loss %p, %t : (tensor<?x1xf32>, tensor<?x1xf32>) -> tensor<f32>
    ```
  }];
}

def DL_BinaryCrossEntropyOp : DL_LossOp<"binary_cross_entropy",
    "BinaryCrossEntropy", "binary cross-entropy", (ins UnitAttr:$from_logits),
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
    "CategoricalCrossEntropy",
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
    "sparse_categorical_cross_entropy", "SparseCategoricalCrossEntropy",
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

def DL_LossGradOp : DL_Op<"loss_grad", [Pure, DL_ReifyDims]> {
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

def DL_AccuracyOp : DL_Op<"accuracy", [Pure, DL_ReifyDims]> {
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

#endif // DLC_DIALECT_DL_IR_DLLOSSOPS_TD
