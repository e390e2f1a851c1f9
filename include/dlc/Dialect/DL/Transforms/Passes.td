//===- Passes.td - Passes of the dl dialect ----------------*- tablegen -*-===//

#ifndef DLC_DIALECT_DL_TRANSFORMS_PASSES_TD
#define DLC_DIALECT_DL_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def DLShapeInference : Pass<"dl-shape-inference", "::mlir::func::FuncOp"> {
  let summary = "refines dl result types from their operands";
  let description = [{
    Re-runs every dl op's shape function in program order and replaces each
    result type by the more precise inferred one (a `?` becomes a static
    size where the operands determine it), then updates the function's
    result types to match what it returns. Like the Toy tutorial's shape
    inference, it is what makes IR written with unknown sizes, or inlined
    from a generic function, fully typed again.

    ```mlir
    // before
    %0 = dl.matmul %a, %b : (tensor<4x8xf32>, tensor<8x2xf32>) -> tensor<?x?xf32>
    // after
    %0 = dl.matmul %a, %b : (tensor<4x8xf32>, tensor<8x2xf32>) -> tensor<4x2xf32>
    ```
  }];
  let dependentDialects = ["::dlc::dl::DLDialect"];
}

def DLAutodiff : Pass<"dl-autodiff", "::mlir::ModuleOp"> {
  let summary = "adds the gradient entry point of every scalar loss";
  let description = [{
    Reverse-mode differentiation on dl. For each entry point that returns one
    scalar float and writes no parameter (a loss), adds the entry point
    `<entry>_grad`, which returns the loss followed by its gradient with
    respect to every trainable parameter (in declaration order, named
    `d_<parameter>`) and every float argument (`d_<argument>`). The backward
    graph is ordinary dl IR built from each op's VJP
    (DifferentiableOpInterface): cotangents of fanned-out values are summed,
    broadcast operands get theirs summed back to their shape, integer
    operands (labels, indices) get none, and an op without a VJP on a path
    from a parameter or argument to the loss is an error naming it.

    ```mlir
    func.func @loss(%x: tensor<?x4xf32>, %y: tensor<?xi32>) -> tensor<f32>
        attributes {dl.entry = "loss"}
    // gets
    func.func @loss_grad(%x: tensor<?x4xf32>, %y: tensor<?xi32>)
        -> (tensor<f32>, tensor<3x4xf32>, tensor<?x4xf32>)
        attributes {dl.entry = "loss_grad"}
    ```
  }];
  let dependentDialects = ["::dlc::dl::DLDialect"];
}

def DLTrainStep : Pass<"dl-train-step", "::mlir::ModuleOp"> {
  let summary = "builds the train_step and evaluate entry points";
  let description = [{
    For a module with a `loss` entry point and a `dl.optimizer`: declares the
    training state as `state` parameters (`optimizer.step`,
    `optimizer.learning_rate`, per-parameter moments such as
    `optimizer.<p>.m` and `.v` for Adam, `rng.seed` when there is dropout)
    and adds two entry points:

    * `train_step`: the loss in training mode (each dl.dropout becomes a
      product with a dl.dropout_mask drawn from `rng.seed`; with `l2`, the
      loss gains `l2 * sum(w^2)` over every trainable weight of rank >= 2),
      its gradients (as in dl-autodiff), one optimizer update per trainable
      parameter, and dl.assign of every new parameter and state value.
      Returns the loss.
    * `evaluate`: the loss in inference mode and, for classification
      losses, the accuracy (dl.accuracy). Changes nothing.
  }];
  let dependentDialects = ["::dlc::dl::DLDialect"];
}

#endif // DLC_DIALECT_DL_TRANSFORMS_PASSES_TD
