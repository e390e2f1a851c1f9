//===- ShapeFunctions.h - Shape functions of the dl ops ---------*- C++ -*-===//
//
// One implementation of every dl op's shape rule, shared by the dialect's
// type inference (InferTypeOpInterface) and the `.dl` front end. In the style
// of StableHLO's TypeInference.cpp: free functions over shapes that report
// errors through a callback, so each caller words its own location and
// prefix.
//
// Dimensions are static sizes, named symbols (`batch`, bound at run time) or
// unknown (`?`, a dynamic dim whose name has been lost). The front end keeps
// names so that errors read `f32[batch,784] @ f32[512,128]`; the dialect only
// ever sees unknown dims.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DL_IR_SHAPEFUNCTIONS_H
#define DLC_DIALECT_DL_IR_SHAPEFUNCTIONS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/Twine.h"

#include <cstdint>
#include <string>

namespace dlc {

/// One dimension of a tensor shape.
struct Dim {
  /// Static size, or mlir::ShapedType::kDynamic.
  int64_t size = mlir::ShapedType::kDynamic;
  /// Name of a symbolic dim (e.g. "batch"); empty for static and unknown dims.
  std::string symbol;

  static Dim fixed(int64_t size) { return Dim{size, {}}; }
  static Dim named(llvm::StringRef name) {
    return Dim{mlir::ShapedType::kDynamic, name.str()};
  }
  static Dim unknown() { return Dim{}; }

  bool isStatic() const { return size != mlir::ShapedType::kDynamic; }
  bool isNamed() const { return !isStatic() && !symbol.empty(); }
  bool isUnknown() const { return !isStatic() && symbol.empty(); }
  bool operator==(const Dim &o) const {
    return size == o.size && symbol == o.symbol;
  }
  bool operator!=(const Dim &o) const { return !(*this == o); }
  std::string str() const;
};

/// Element types the shape functions distinguish.
enum class DType { F32, F64, F16, BF16, I1, I32, I64, Unknown };

llvm::StringRef stringifyDType(DType t);
DType dtypeFromType(mlir::Type type);
mlir::Type typeFromDType(mlir::MLIRContext *ctx, DType t);
bool isFloat(DType t);
bool isInteger(DType t);

/// A tensor type with possibly symbolic dims: `f32[batch, 784]`.
struct TensorShape {
  DType dtype = DType::F32;
  llvm::SmallVector<Dim, 4> dims;

  int64_t rank() const { return dims.size(); }
  bool operator==(const TensorShape &o) const {
    return dtype == o.dtype && dims == o.dims;
  }
  /// Prints `f32[batch,784]`, `f32[]` for a scalar.
  std::string str() const;
  /// The ranked tensor type; named dims become `?`.
  mlir::RankedTensorType toType(mlir::MLIRContext *ctx) const;
  /// Every dim of a ranked tensor type, dynamic dims unknown.
  static TensorShape fromType(mlir::RankedTensorType type);
};

/// The largest static dim and static element count a tensor may have:
/// kernels index with 32-bit integers (Halide's Int(32) extents and
/// strides), so 2^31 - 1.
constexpr int64_t kMaxTensorExtent = 2147483647;

/// Why `shape` exceeds kMaxTensorExtent ("has dim 2147483648, ..."), or ""
/// when it does not. Symbolic dims are checked at run time instead.
std::string tensorLimitViolation(const TensorShape &shape);

/// Callback that reports one error message. Shape functions call it at most
/// once and then return failure.
using ShapeErrorFn = llvm::function_ref<void(const llvm::Twine &)>;

/// Whether two dims may be equal at run time. Unknown dims agree with
/// anything; named dims agree with the same name only.
bool dimsCompatible(const Dim &a, const Dim &b);
/// The more precise of two compatible dims.
Dim refineDim(const Dim &a, const Dim &b);

/// Normalizes `axis` (negative counts from the end) for a tensor of `rank`.
mlir::FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank,
                                       ShapeErrorFn emitError);

//===----------------------------------------------------------------------===//
// Shape rules. Each returns the result shape or reports why there is none.
//===----------------------------------------------------------------------===//

/// NumPy broadcasting of two operands (https://numpy.org/doc/stable/user/basics.broadcasting.html).
mlir::FailureOr<TensorShape> inferBroadcastShape(const TensorShape &lhs,
                                                 const TensorShape &rhs,
                                                 ShapeErrorFn emitError);
/// `a @ b` for rank >= 2 with broadcast batch dims, as torch.matmul.
mlir::FailureOr<TensorShape> inferMatmulShape(const TensorShape &lhs,
                                              const TensorShape &rhs,
                                              ShapeErrorFn emitError);
/// Reduction over `axes` (all axes if empty), optionally keeping them as 1.
mlir::FailureOr<TensorShape> inferReduceShape(const TensorShape &input,
                                              llvm::ArrayRef<int64_t> axes,
                                              bool keepDims,
                                              ShapeErrorFn emitError);
/// ONNX Reshape semantics: 0 copies the input dim at that index, -1 is
/// inferred from the element count (at most one).
mlir::FailureOr<TensorShape> inferReshapeShape(const TensorShape &input,
                                               llvm::ArrayRef<int64_t> shape,
                                               ShapeErrorFn emitError);
mlir::FailureOr<TensorShape> inferTransposeShape(const TensorShape &input,
                                                 llvm::ArrayRef<int64_t> perm,
                                                 ShapeErrorFn emitError);
/// torch.Tensor.expand semantics: -1 keeps the input's dim; new leading dims
/// may be added; only size-1 dims may grow.
mlir::FailureOr<TensorShape> inferBroadcastToShape(const TensorShape &input,
                                                   llvm::ArrayRef<int64_t> shape,
                                                   ShapeErrorFn emitError);
mlir::FailureOr<TensorShape> inferConcatShape(llvm::ArrayRef<TensorShape> inputs,
                                              int64_t axis,
                                              ShapeErrorFn emitError);
/// Python slicing `x[start:end:step]` along `axes`; negative start/end count
/// from the end and are clamped.
mlir::FailureOr<TensorShape> inferSliceShape(const TensorShape &input,
                                             llvm::ArrayRef<int64_t> axes,
                                             llvm::ArrayRef<int64_t> starts,
                                             llvm::ArrayRef<int64_t> ends,
                                             llvm::ArrayRef<int64_t> steps,
                                             ShapeErrorFn emitError);
/// numpy.take: x.shape[:axis] + indices.shape + x.shape[axis+1:].
mlir::FailureOr<TensorShape> inferGatherShape(const TensorShape &input,
                                              const TensorShape &indices,
                                              int64_t axis,
                                              ShapeErrorFn emitError);
/// Embedding lookup: indices.shape + [embedding_dim] (table is [vocab, dim]).
mlir::FailureOr<TensorShape> inferEmbeddingShape(const TensorShape &table,
                                                 const TensorShape &indices,
                                                 ShapeErrorFn emitError);

/// Output size of a sliding window along one spatial dim:
/// floor((in + padBefore + padAfter - dilation*(kernel-1) - 1) / stride) + 1.
Dim windowOutputDim(const Dim &in, int64_t kernel, int64_t stride,
                    int64_t padBefore, int64_t padAfter, int64_t dilation);

/// 2-D convolution, NCHW input and OIHW filter (O = out channels,
/// I = in channels / groups), as torch.nn.functional.conv2d.
/// `padding` is [top, left, bottom, right].
mlir::FailureOr<TensorShape>
inferConv2DShape(const TensorShape &input, const TensorShape &filter,
                 llvm::ArrayRef<int64_t> strides, llvm::ArrayRef<int64_t> padding,
                 llvm::ArrayRef<int64_t> dilation, int64_t groups,
                 ShapeErrorFn emitError);
/// 2-D max/avg pooling over NCHW, padding [top, left, bottom, right].
mlir::FailureOr<TensorShape>
inferPool2DShape(const TensorShape &input, llvm::ArrayRef<int64_t> kernel,
                 llvm::ArrayRef<int64_t> strides, llvm::ArrayRef<int64_t> padding,
                 ShapeErrorFn emitError);
/// Checks that a per-channel parameter is [C] for an NC... input.
mlir::LogicalResult verifyChannelParam(const TensorShape &input,
                                       const TensorShape &param,
                                       llvm::StringRef name,
                                       ShapeErrorFn emitError);
/// Checks that layer_norm's scale/bias match input.shape[axis:].
mlir::LogicalResult verifyNormalizedShape(const TensorShape &input,
                                          const TensorShape &param,
                                          int64_t axis, llvm::StringRef name,
                                          ShapeErrorFn emitError);
/// LSTM over [batch, time, input] with PyTorch's gate layout (i, f, g, o):
/// w_ih [4H, I], w_hh [4H, H], bias [4H]. Returns {outputs [B,T,H], h [B,H],
/// c [B,H]}.
mlir::FailureOr<llvm::SmallVector<TensorShape, 3>>
inferLSTMShape(const TensorShape &input, const TensorShape &wIh,
               const TensorShape &wHh, const TensorShape &bias,
               ShapeErrorFn emitError);

/// Loss kinds, as Keras names them.
enum class LossKind {
  MeanSquaredError,
  BinaryCrossEntropy,
  CategoricalCrossEntropy,
  SparseCategoricalCrossEntropy
};
/// Checks predictions against targets for a loss; the loss itself is a
/// scalar f32.
mlir::LogicalResult verifyLossOperands(LossKind kind,
                                       const TensorShape &predictions,
                                       const TensorShape &targets,
                                       ShapeErrorFn emitError);

} // namespace dlc

#endif // DLC_DIALECT_DL_IR_SHAPEFUNCTIONS_H
