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

def DLFuse : Pass<"dl-fuse", "::mlir::func::FuncOp"> {
  let summary = "forms fusion groups: one dl.fusion per kernel";
  let description = [{
    Groups the compute ops of each function into `dl.fusion` ops, each of
    which becomes one kernel. Greedy producer-consumer fusion in reverse
    program order, as XLA's instruction fusion: starting from the last
    unfused op (the group's root), a producer joins the group when all of
    its uses are in the group, it has one result, and joining duplicates no
    work:

    * an elementwise producer of an elementwise consumer of the same shape
      (chains of activations, masks, scalings);
    * an elementwise producer of a reduction (reduce_sum/mean/max read each
      element once): `sum(w * w)` is one pass;
    * one non-elementwise producer (matmul, conv2d and its gradients,
      pooling, softmax, normalization, reductions) per group, of the root's
      shape, under an elementwise epilogue: bias, activation, residual add,
      scaling and, in the backward pass, activation masks are applied to the
      accumulators before they are stored.

    A dropout mask (a hash of the element index and the seed, which reads
    no tensor's elements) is copied first into each of its consumers: the
    forward product and the backward pass's gradient each recompute it in
    their own kernel instead of one kernel storing it for both.

    Every other compute op gets a group of its own. Finally the optimizer's
    updates (dl.adam_update, dl.sgd_update) of all parameters are merged
    into one group where the last one stood, their dl.assigns moved after
    it: one kernel updates every parameter. Views (transpose,
    broadcast_to, inference dropout), reshapes, parameters, constants,
    dl.assign and the host-driven dl.lstm / dl.lstm_grad stay outside.
    Groups are named `<anchor>_<n>` in program order.

    ```mlir
    // before
    %0 = dl.matmul %x, %wt : ...
    %1 = dl.add %0, %b : ...
    %2 = dl.relu %1 : ...
    // after
    %2 = dl.fusion "matmul_0" {
      %0 = dl.matmul %x, %wt : ...
      %1 = dl.add %0, %b : ...
      %r = dl.relu %1 : ...
      dl.yield %r : ...
    } : ...
    ```
  }];
  let options = [
    Option<"singletons", "singletons", "bool", /*default=*/"false",
           "give every compute op a group of its own (no fusion; for "
           "ablation and debugging)">
  ];
  let dependentDialects = ["::dlc::dl::DLDialect"];
}

def DLTile : Pass<"dl-tile", "::mlir::ModuleOp"> {
  let summary = "chooses each fusion group's schedule for the target";
  let description = [{
    Records in each `dl.fusion`'s `dl.schedule` attribute how its kernel is
    scheduled, from the target description (vector width, vector
    registers, cores, cache sizes) and the group's anchor:

    * `kind`: the loop structure. `matmul_dot` (few rows of `x @ w^T`: dot
      products vectorized along k with `rfactor`, `tile` outputs per task),
      `matmul_tiled` (`tile[0]` columns x `tile[2]` rows of accumulators in
      registers, `tile[1]` rows per task sharing a packed panel of the
      right-hand side; `tile[3]` = 1 transposes a `w^T` operand once per
      call first), `matmul_packed` (large matmuls of static shape, as
      GotoBLAS / BLIS: the right-hand side packed into `tile[0]`-column
      panels once per call, tasks of `tile[1]` rows x `tile[4]` columns, k
      in `tile[3]`-long slices whose rows are packed into `tile[2]`-row
      slivers; `tile[0]` x `tile[2]` accumulators in registers per slice),
      `matmul_rows` (rows in parallel, `w^T` packed once,
      columns vectorized), `conv_channel_tiled` (a register tile of `tile[0]`
      output channels x `tile[1]` positions along a row x `tile[2]` rows
      kept through the reduction, as Halide's conv_layer app; `tile[3]` > 0
      sums the reduced channels in blocks of that many, each block over
      every tile of a row so its filter slice stays in L1), `conv_rows` (vectors along
      the row, `tile[0]` channels unrolled), `conv_grad_filter_tiled`,
      `conv_grad_filter_rfactor`, and `pointwise` (innermost dim
      vectorized, outermost parallel; the schedule of everything else).
    * `vector`: vector width in elements; `parallel`: whether the outer
      loop runs on the thread pool; `tile`: tile sizes of the kind.
    * `large_batch`: for `x @ w^T` with run-time rows, the schedule of the
      second kernel the host calls from 6 rows on.

    A schedule can be overridden per group from a JSON file
    (`schedule-file`, as `dlc compile --schedules=FILE`) mapping
    `"<entry>/<group>"` to a schedule with any of these keys; with
    `naive`, every group gets `pointwise` (for ablation).

    ```mlir
    %2 = dl.fusion "matmul_0" attributes {dl.schedule = {kind = "matmul_dot",
        parallel = true, tile = [8], vector = 8,
        large_batch = {kind = "matmul_rows", parallel = true, tile = [], vector = 8}}} {
      ...
    }
    ```
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int", /*default=*/"8",
           "f32 lanes of the target's widest vectors">,
    Option<"vectorRegisters", "vector-registers", "int", /*default=*/"16",
           "the target's vector registers (16 for AVX2, 32 for AVX-512 and NEON)">,
    Option<"cores", "cores", "int", /*default=*/"2",
           "threads the kernels run on">,
    Option<"l2Bytes", "l2-bytes", "int64_t", /*default=*/"524288",
           "per-core L2 cache size in bytes">,
    Option<"scheduleFile", "schedule-file", "std::string", /*default=*/"",
           "JSON file of schedule overrides, keyed by <entry>/<group>">,
    Option<"naive", "naive", "bool", /*default=*/"false",
           "schedule every group `pointwise` (no tiling; for ablation)">
  ];
  let dependentDialects = ["::dlc::dl::DLDialect"];
}

#endif // DLC_DIALECT_DL_TRANSFORMS_PASSES_TD
