//===- DLTraits.td - Op classes the passes ask about -------*- tablegen -*-===//
//
// Marker traits that say how an op is compiled, so that dl-fuse, dl-tile,
// the Halide target and the host code ask `op->hasTrait<...>()` instead of
// keeping lists of op classes (DLTraits.h). A new op states its class where
// it is defined.
//
// MLIR's own `Elementwise` (mlir/IR/OpBase.td) does not fit: its verifier
// requires every non-scalar operand to have the result's shape, which
// rejects dl's NumPy broadcasting (`tensor<?x128xf32>` + `tensor<128xf32>`)
// and dropout_mask's scalar seed.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DL_IR_DLTRAITS_TD
#define DLC_DIALECT_DL_IR_DLTRAITS_TD

include "mlir/IR/OpBase.td"

class DL_OpTrait<string name> : NativeOpTrait<name> {
  let cppNamespace = "::dlc::dl::trait";
}

// Each result element is computed from the operand elements at the same
// (broadcast) index, or from its own index (dropout_mask, whose input is
// read for the shape only). dl-fuse inlines chains of them into one kernel.
def DL_Elementwise : DL_OpTrait<"Elementwise">;

// No storage of its own: a kernel reads through it as index arithmetic
// (transpose, broadcast_to, inference-mode dropout).
def DL_View : DL_OpTrait<"View">;

// Shares its operand's buffer: the host code gives the result the
// operand's storage (reshape keeps the element order).
def DL_Alias : DL_OpTrait<"Alias">;

// Not elementwise, but its kernel's output is a pure function of its
// accumulators or statistics, so an elementwise epilogue can be applied
// before the store (matmul, conv, reductions, pooling, normalizations).
def DL_AcceptsEpilogue : DL_OpTrait<"AcceptsEpilogue">;

// Reduces over axes, reading each element of its operand once: an
// elementwise producer fuses into it.
def DL_Reduction : DL_OpTrait<"Reduction">;

// The host code drives the op, looping over a cell kernel (one call per
// time step), instead of one kernel computing it (lstm, lstm_grad).
def DL_HostDriven : DL_OpTrait<"HostDriven">;

// No kernel computes it: the host code gives it storage (constants,
// parameters and their reads and writes), it describes the model
// (parameter declarations, the optimizer), or it is a kernel's structure
// (fusion, yield).
def DL_NoKernel : DL_OpTrait<"NoKernel">;

#endif // DLC_DIALECT_DL_IR_DLTRAITS_TD
