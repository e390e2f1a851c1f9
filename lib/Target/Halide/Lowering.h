//===- Lowering.h - dl ops as Halide algorithms -----------------*- C++ -*-===//
//
// The algorithm half of a kernel: every dl op becomes Halide Funcs, defined
// by the lowering its family's file registers (Lowering/*.cpp, in the style
// of torch-mlir's populate*Patterns). An algorithm never sees the schedule.
// What a schedule needs from it -- the anchor's accumulators, reduction
// domains and staged operands, the per-row statistics computed at root --
// it returns as a value, KernelStages, that the schedule set of the target
// (Schedules/CPU/) then reads. The one input an algorithm takes from the
// schedule side is AnchorLayout: how an anchor's operands are laid out in
// memory (packed, channels innermost), which changes the Funcs that read
// them but not what they compute.
//
// Tensor dims are row-major with the last dim contiguous; Halide's dim 0 is
// the innermost, so a rank-r tensor t[i0, ..., i(r-1)] is the Halide Func
// f(i(r-1), ..., i0). Every helper here takes indices in tensor order and
// reverses them at the call.
//
// Only the Halide library includes this header: it is built with
// exceptions, and Halide reports errors by throwing.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_LIB_TARGET_HALIDE_LOWERING_H
#define DLC_LIB_TARGET_HALIDE_LOWERING_H

#include "dlc/Target/Halide/Kernel.h"

#include "Halide.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/DenseMap.h"

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace dlc {
namespace halide {

namespace H = ::Halide;
using mlir::Value;

/// A tensor as a Halide Func plus its extents, in tensor order.
struct Tensor {
  H::Func func;
  std::vector<H::Expr> extents;
  H::Type type;

  int rank() const { return (int)extents.size(); }
  /// The element at a tensor-order index.
  H::Expr operator()(const std::vector<H::Expr> &idx) const {
    std::vector<H::Expr> rev(idx.rbegin(), idx.rend());
    return rev.empty() ? func() : func(rev);
  }
};

/// Thrown for dl constructs the lowering does not handle; turned into a
/// diagnostic like Halide's own errors.
struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

H::Type halideType(mlir::Type t);
mlir::RankedTensorType tensorType(Value v);
/// Static extent `i` of `type` if known, else `dynamic`.
H::Expr resultExtent(mlir::RankedTensorType type, int i, H::Expr dynamic);
/// Whether `e`, over the RDom it uses, is NaN anywhere (an inline sum).
H::Expr anyNaNOver(H::Expr e);
/// Whether any element of `t` is NaN (false for integer tensors).
H::Expr hasNaN(const Tensor &t);
H::Expr sigmoid(H::Expr x);
/// max / min that propagate NaN, as torch.maximum, torch.relu and NumPy do.
H::Expr nanMax(H::Expr a, H::Expr b);
H::Expr nanMin(H::Expr a, H::Expr b);
/// `x` [N, C, H, W] zero-padded outside its width x height: the Func
/// f(a, b, c, n) that convolutions and their gradients read.
H::Func zeroPadded(const std::string &name, const Tensor &x, H::Expr width,
                   H::Expr height, H::Type type);

/// How an anchor's operands are laid out before its loop nest reads them:
/// chosen by the target's schedule set (cpuLayout) for the kernel's
/// schedule, applied by the algorithm, which stays the same sum.
struct AnchorLayout {
  /// matmul: the left-hand side packed into `packRows`-row slivers and the
  /// right-hand side into `packColumns`-column panels, as BLAS packs them
  /// (0: both read in place).
  int packRows = 0, packColumns = 0;
  /// conv2d and the unit-stride conv2d_grad_input: the filter copied once
  /// with the output's (input's) channels innermost, so that they can be
  /// vector lanes.
  bool channelsInnermostFilter = false;
  /// conv2d_grad_filter: per-batch-element partial sums over the output
  /// positions, with the cotangent's channels innermost.
  bool perBatchFilterGradient = false;
};

/// A matmul anchor's stages: acc(j, i) = sum_k lhs(i, k) * rhs(k, j).
struct MatmulStages {
  H::Func acc;
  H::RDom k;
  /// The right-hand side as the algorithm reads it, and whether it is a
  /// view (w^T of a dense layer) that a schedule may transpose once.
  H::Func rhs;
  bool rhsIsView = false;
  /// With AnchorLayout::packRows: lhs(r, k, block), rhs(c, k, block).
  H::Func lhsPacked, rhsPacked;
};

/// A conv2d (or unit-stride conv2d_grad_input) anchor's stages.
struct ConvStages {
  H::Func acc, input;
  H::RDom rk;
  /// With AnchorLayout::channelsInnermostFilter: the transposed filter
  /// and the channel count on its lanes.
  H::Func filter;
  int channels = 0;
  /// Why the channel-innermost layout could not be applied, if it was
  /// asked for and could not be (a schedule that needs it fails with it).
  std::string layoutUnsupported;
};

/// A conv2d_grad_filter anchor's stages.
struct ConvGradFilterStages {
  H::Func acc, input;
  /// Over (output x, output y[, batch]).
  H::RDom rp;
  /// With AnchorLayout::perBatchFilterGradient: the per-batch partial sums,
  /// the cotangent with channels innermost, and the batch RDom.
  H::Func part, cotangent;
  H::RDom rn;
  int kw = 0, channels = 0;
  std::string layoutUnsupported;
};

/// Whether a kernel anchored at `op` compiles in strict float (Losses.cpp).
bool needsStrictFloat(mlir::Operation *op);

/// The LSTM step kernels' stages: the gates and, for the reverse step, its
/// intermediates, each computed at root by the schedule.
struct LSTMStages {
  H::Func gates;
  H::Func tanhC, dhTotal, dcTotal, dz;
  std::vector<H::Func> dStates;  // dx, dh_prev, dc_prev (over batch rows)
  std::vector<H::Func> dWeights; // d_w_ih, d_w_hh (over gate rows), d_bias
};

/// What an algorithm hands its schedule.
struct KernelStages {
  /// Funcs computed once at root instead of inlined per element: per-row
  /// statistics (softmax max and sum, layer_norm mean and variance, ...)
  /// and scatter accumulators.
  std::vector<H::Func> roots;
  /// Root Funcs whose update must stay serial (a scatter: rows may repeat).
  std::vector<H::Func> serialUpdates;
  /// max_pool2d_grad's per-window argmax, computed at root in parallel over
  /// the batch.
  std::vector<H::Func> windowArgmax;
  std::optional<MatmulStages> matmul;
  std::optional<ConvStages> conv;
  std::optional<ConvGradFilterStages> convGradFilter;
  std::optional<LSTMStages> lstm;
};

/// The state of one kernel's lowering: its arguments, the Funcs built so
/// far, and the stages it hands the schedule.
class LoweringContext {
public:
  LoweringContext(const Kernel &kernel, AnchorLayout layout,
                  llvm::DenseMap<Value, H::ImageParam> params)
      : kernel(kernel), layout(layout), params(std::move(params)) {}

  const Kernel &kernel;
  const AnchorLayout layout;
  KernelStages stages;
  /// The Funcs of every result of a multi-result op, built once.
  llvm::DenseMap<mlir::Operation *, std::vector<Tensor>> multiResults;

  /// The tensor `v`: a kernel argument, or lowered from its defining op.
  Tensor get(Value v);

  /// A Func of `rank` pure vars defined by `body(tensor-order index)`.
  Tensor define(const std::string &name, const std::vector<H::Expr> &extents,
                H::Type type,
                const std::function<H::Expr(const std::vector<H::Expr> &)> &body);
  /// Index of operand `t` (rank r) in a broadcast to `out` at `idx`.
  std::vector<H::Expr> broadcastIndex(const Tensor &t, mlir::RankedTensorType operand,
                                      mlir::RankedTensorType out,
                                      const std::vector<H::Expr> &idx);
  /// Broadcast extents of two operands (tensor order).
  std::vector<H::Expr> broadcastExtents(const Tensor &a, const Tensor &b,
                                        mlir::RankedTensorType out);

private:
  llvm::DenseMap<Value, H::ImageParam> params;
  llvm::DenseMap<Value, Tensor> values;

  H::Expr extentOf(Value v, int i, const H::ImageParam &p);
  Tensor leaf(Value v);
};

/// The lowering of one op: the Funcs of result `resultIndex`.
using OpLowering =
    std::function<Tensor(LoweringContext &, mlir::Operation *, unsigned resultIndex)>;

/// Op lowerings by op name, each registered by its family's file.
class LoweringRegistry {
public:
  template <typename... Ops>
  void add(OpLowering fn) {
    (lowerings.try_emplace(mlir::TypeID::get<Ops>(), fn), ...);
  }
  const OpLowering *lookup(mlir::Operation *op) const;

private:
  llvm::DenseMap<mlir::TypeID, OpLowering> lowerings;
};

/// Every family's lowerings, registered once.
const LoweringRegistry &loweringRegistry();

void populateElementwiseLowerings(LoweringRegistry &registry);
void populateLinalgLowerings(LoweringRegistry &registry);
void populateReductionLowerings(LoweringRegistry &registry);
void populateDataMovementLowerings(LoweringRegistry &registry);
void populateConvPoolLowerings(LoweringRegistry &registry);
void populateLossLowerings(LoweringRegistry &registry);
void populateTrainingLowerings(LoweringRegistry &registry);

/// Whether a kernel anchored at `op` compiles in strict float (Losses.cpp).
bool needsStrictFloat(mlir::Operation *op);

/// The LSTM step kernels (Kernel::Kind::LSTMCell / LSTMGradCell): their
/// arguments (in `args`, in the order Kernel.h gives) and outputs.
void lowerLSTMCell(LoweringContext &ctx, std::vector<H::ImageParam> &args,
                   std::vector<H::Func> &outputs);
void lowerLSTMGradCell(LoweringContext &ctx, std::vector<H::ImageParam> &args,
                       std::vector<H::Func> &outputs);

/// An op's result type, element type and Func name (its op name).
inline mlir::RankedTensorType resultType(mlir::Operation *op, unsigned i) {
  return tensorType(op->getResult(i));
}
inline std::string funcName(mlir::Operation *op) {
  return op->getName().stripDialect().str();
}

} // namespace halide
} // namespace dlc

#endif // DLC_LIB_TARGET_HALIDE_LOWERING_H
