//===- DLFusionOps.td - Fusion groups ----------------------*- tablegen -*-===//
//
// Fusion groups (formed by dl-fuse, scheduled by dl-tile).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DL_IR_DLFUSIONOPS_TD
#define DLC_DIALECT_DL_IR_DLFUSIONOPS_TD

include "dlc/Dialect/DL/IR/DLOpBase.td"

def DL_FusionOp : DL_Op<"fusion", [SingleBlock, RecursiveMemoryEffects,
                                         DL_NoKernel]> {
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
                                 ReturnLike, DL_NoKernel]> {
  let summary = "the results of a fusion group";
  let arguments = (ins Variadic<DL_Tensor>:$values);
  let assemblyFormat = "$values attr-dict `:` type($values)";
}

#endif // DLC_DIALECT_DL_IR_DLFUSIONOPS_TD
