//===- DLTraits.h - Op classes the passes ask about -------------*- C++ -*-===//
//
// The C++ side of DLTraits.td: marker traits that say how an op is compiled
// (fused elementwise, a view, an alias, a host loop, ...). Passes ask
// `op->hasTrait<trait::View>()` rather than keeping lists of op classes, so
// that a new op states its class once, in its ODS definition.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DL_IR_DLTRAITS_H
#define DLC_DIALECT_DL_IR_DLTRAITS_H

#include "mlir/IR/OpDefinition.h"

namespace dlc::dl::trait {

#define DLC_DL_MARKER_TRAIT(NAME)                                              \
  template <typename ConcreteType>                                             \
  class NAME : public mlir::OpTrait::TraitBase<ConcreteType, NAME> {};

/// Each result element computed from the operand elements at the same
/// (broadcast) index, or from its own index: dl-fuse chains them.
DLC_DL_MARKER_TRAIT(Elementwise)
/// No storage of its own: kernels read through it as index arithmetic.
DLC_DL_MARKER_TRAIT(View)
/// Shares its operand's buffer (reshape).
DLC_DL_MARKER_TRAIT(Alias)
/// A heavy op whose output an elementwise epilogue may follow in its kernel.
DLC_DL_MARKER_TRAIT(AcceptsEpilogue)
/// Reduces over axes, reading each operand element once.
DLC_DL_MARKER_TRAIT(Reduction)
/// Computed by host loops over a cell kernel (LSTM).
DLC_DL_MARKER_TRAIT(HostDriven)
/// No kernel computes it: storage, model declarations, fusion structure.
DLC_DL_MARKER_TRAIT(NoKernel)

#undef DLC_DL_MARKER_TRAIT

} // namespace dlc::dl::trait

namespace dlc::dl {
/// Whether `op` (possibly null) is elementwise (trait::Elementwise):
/// unary and binary arithmetic, activations, casts and their gradients.
/// dl-fuse inlines chains of them into one kernel.
inline bool isElementwise(mlir::Operation *op) {
  return op && op->hasTrait<trait::Elementwise>();
}
/// Whether `op` (possibly null) has no storage of its own (trait::View): a
/// kernel reads through it as index arithmetic (transpose, broadcast_to,
/// inference-mode dropout).
inline bool isView(mlir::Operation *op) {
  return op && op->hasTrait<trait::View>();
}
} // namespace dlc::dl

#endif // DLC_DIALECT_DL_IR_DLTRAITS_H
