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

#endif // DLC_DIALECT_DL_TRANSFORMS_PASSES_TD
