//===- ShapeFunctions.cpp - Shape functions of the dl ops -----------------===//

#include "dlc/Dialect/DL/IR/ShapeFunctions.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"

#include <map>

using namespace mlir;

namespace dlc {

std::string Dim::str() const {
  if (isStatic())
    return std::to_string(size);
  if (isNamed())
    return symbol;
  return "?";
}

StringRef stringifyDType(DType t) {
  switch (t) {
  case DType::F32: return "f32";
  case DType::F64: return "f64";
  case DType::F16: return "f16";
  case DType::BF16: return "bf16";
  case DType::I1: return "bool";
  case DType::I32: return "i32";
  case DType::I64: return "i64";
  case DType::Unknown: return "<unknown>";
  }
  return "<unknown>";
}

DType dtypeFromType(Type type) {
  if (type.isF32()) return DType::F32;
  if (type.isF64()) return DType::F64;
  if (type.isF16()) return DType::F16;
  if (type.isBF16()) return DType::BF16;
  if (type.isInteger(1)) return DType::I1;
  if (type.isInteger(32)) return DType::I32;
  if (type.isInteger(64)) return DType::I64;
  return DType::Unknown;
}

Type typeFromDType(MLIRContext *ctx, DType t) {
  Builder b(ctx);
  switch (t) {
  case DType::F32: return b.getF32Type();
  case DType::F64: return b.getF64Type();
  case DType::F16: return b.getF16Type();
  case DType::BF16: return b.getBF16Type();
  case DType::I1: return b.getI1Type();
  case DType::I32: return b.getI32Type();
  case DType::I64: return b.getI64Type();
  case DType::Unknown: return b.getNoneType();
  }
  return b.getNoneType();
}

bool isFloat(DType t) {
  return t == DType::F32 || t == DType::F64 || t == DType::F16 ||
         t == DType::BF16;
}
bool isInteger(DType t) { return t == DType::I32 || t == DType::I64; }

std::string TensorShape::str() const {
  std::string s = stringifyDType(dtype).str() + "[";
  for (auto [i, d] : llvm::enumerate(dims)) {
    if (i)
      s += ",";
    s += d.str();
  }
  return s + "]";
}

RankedTensorType TensorShape::toType(MLIRContext *ctx) const {
  SmallVector<int64_t> shape;
  for (const Dim &d : dims)
    shape.push_back(d.size);
  return RankedTensorType::get(shape, typeFromDType(ctx, dtype));
}

TensorShape TensorShape::fromType(RankedTensorType type) {
  TensorShape s;
  s.dtype = dtypeFromType(type.getElementType());
  for (int64_t d : type.getShape())
    s.dims.push_back(ShapedType::isDynamic(d) ? Dim::unknown() : Dim::fixed(d));
  return s;
}

std::string tensorLimitViolation(const TensorShape &shape) {
  int64_t elements = 1;
  bool overflow = false;
  for (const Dim &d : shape.dims) {
    if (!d.isStatic())
      continue;
    if (d.size > kMaxTensorExtent)
      return shape.str() + " has a dim of " + std::to_string(d.size) +
             "; dims are limited to 2^31 - 1 (kernels index with 32-bit "
             "integers)";
    overflow |= llvm::MulOverflow(elements, d.size, elements) ||
                elements > kMaxTensorExtent;
  }
  if (overflow)
    return shape.str() + " has more than 2^31 - 1 elements, the limit of a "
           "tensor (kernels index with 32-bit integers)";
  return "";
}

bool dimsCompatible(const Dim &a, const Dim &b) {
  if (a.isUnknown() || b.isUnknown())
    return true;
  return a == b;
}

Dim refineDim(const Dim &a, const Dim &b) { return a.isUnknown() ? b : a; }

FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank,
                                 ShapeErrorFn emitError) {
  int64_t n = axis < 0 ? axis + rank : axis;
  if (n < 0 || n >= rank) {
    emitError("axis " + Twine(axis) + " is out of range for a tensor of rank " +
              Twine(rank));
    return failure();
  }
  return n;
}

static std::string joinInts(ArrayRef<int64_t> v) {
  std::string s = "[";
  for (auto [i, x] : llvm::enumerate(v)) {
    if (i)
      s += ",";
    s += std::to_string(x);
  }
  return s + "]";
}

FailureOr<TensorShape> inferBroadcastShape(const TensorShape &lhs,
                                           const TensorShape &rhs,
                                           ShapeErrorFn emitError) {
  TensorShape out;
  out.dtype = lhs.dtype;
  int64_t rank = std::max(lhs.rank(), rhs.rank());
  out.dims.resize(rank);
  for (int64_t i = 0; i < rank; ++i) {
    int64_t li = i - (rank - lhs.rank()), ri = i - (rank - rhs.rank());
    Dim l = li >= 0 ? lhs.dims[li] : Dim::fixed(1);
    Dim r = ri >= 0 ? rhs.dims[ri] : Dim::fixed(1);
    if (l.isStatic() && l.size == 1)
      out.dims[i] = r;
    else if (r.isStatic() && r.size == 1)
      out.dims[i] = l;
    else if (dimsCompatible(l, r))
      out.dims[i] = refineDim(l, r);
    else {
      emitError("operands do not broadcast: " + lhs.str() + " and " +
                rhs.str() + " (dim " + l.str() + " vs " + r.str() + ")");
      return failure();
    }
  }
  return out;
}

FailureOr<TensorShape> inferMatmulShape(const TensorShape &lhs,
                                        const TensorShape &rhs,
                                        ShapeErrorFn emitError) {
  if (lhs.rank() < 2 || rhs.rank() < 2) {
    emitError("operands must have rank >= 2: " + lhs.str() + " @ " +
              rhs.str());
    return failure();
  }
  const Dim &k1 = lhs.dims.back(), &k2 = rhs.dims[rhs.rank() - 2];
  if (!dimsCompatible(k1, k2)) {
    emitError("inner dimensions differ: " + lhs.str() + " @ " + rhs.str());
    return failure();
  }
  TensorShape lb{lhs.dtype, {lhs.dims.begin(), lhs.dims.end() - 2}};
  TensorShape rb{rhs.dtype, {rhs.dims.begin(), rhs.dims.end() - 2}};
  // Report the whole operands rather than the batch-dim sub-shapes.
  auto batch = inferBroadcastShape(lb, rb, [](const Twine &) {});
  if (failed(batch)) {
    emitError("batch dimensions do not broadcast: " + lhs.str() + " @ " +
              rhs.str());
    return failure();
  }
  TensorShape out = *batch;
  out.dtype = lhs.dtype;
  out.dims.push_back(lhs.dims[lhs.rank() - 2]);
  out.dims.push_back(rhs.dims.back());
  return out;
}

FailureOr<TensorShape> inferReduceShape(const TensorShape &input,
                                        ArrayRef<int64_t> axes, bool keepDims,
                                        ShapeErrorFn emitError) {
  SmallVector<bool> reduced(input.rank(), axes.empty());
  for (int64_t a : axes) {
    auto n = normalizeAxis(a, input.rank(), emitError);
    if (failed(n))
      return failure();
    if (reduced[*n]) {
      emitError("axis " + Twine(a) + " is reduced twice");
      return failure();
    }
    reduced[*n] = true;
  }
  TensorShape out{input.dtype, {}};
  for (int64_t i = 0; i < input.rank(); ++i) {
    if (!reduced[i])
      out.dims.push_back(input.dims[i]);
    else if (keepDims)
      out.dims.push_back(Dim::fixed(1));
  }
  return out;
}

namespace {
/// A product of dims: a static coefficient times named and unknown factors.
/// Lets reshape infer `-1` symbolically, e.g. [batch, 28, 28] -> [-1, 784]
/// gives `batch`.
struct DimProduct {
  int64_t coeff = 1;
  std::map<std::string, int> symbols;
  int unknowns = 0;
  void mul(const Dim &d) {
    if (d.isStatic())
      coeff *= d.size;
    else if (d.isNamed())
      symbols[d.symbol]++;
    else
      unknowns++;
  }
};
} // namespace

FailureOr<TensorShape> inferReshapeShape(const TensorShape &input,
                                         ArrayRef<int64_t> shape,
                                         ShapeErrorFn emitError) {
  TensorShape out{input.dtype, {}};
  int64_t inferred = -1;
  DimProduct in, known;
  for (auto [i, d] : llvm::enumerate(input.dims)) {
    if (d.isStatic() && d.size > (int64_t(1) << 40)) {
      emitError("dimension too large in " + input.str());
      return failure();
    }
    // A copied dim (0) appears on both sides; leave it out of both.
    if (i < shape.size() && shape[i] == 0)
      continue;
    in.mul(d);
  }
  for (auto [i, s] : llvm::enumerate(shape)) {
    if (s == -1) {
      if (inferred >= 0) {
        emitError("at most one dimension of the new shape " + joinInts(shape) +
                  " may be -1");
        return failure();
      }
      inferred = i;
      out.dims.push_back(Dim::unknown());
      continue;
    }
    if (s == 0) {
      if ((int64_t)i >= input.rank()) {
        emitError("dimension " + Twine(i) + " of the new shape " +
                  joinInts(shape) + " is 0 (copy) but " + input.str() +
                  " has no dimension " + Twine(i));
        return failure();
      }
      out.dims.push_back(input.dims[i]);
      continue;
    } else if (s < 0 || s > (int64_t(1) << 40)) {
      emitError("invalid dimension " + Twine(s) + " in the new shape " +
                joinInts(shape));
      return failure();
    } else {
      out.dims.push_back(Dim::fixed(s));
    }
    known.mul(out.dims.back());
  }
  // Cancel the common factors of the input and the known output dims.
  for (auto &[sym, n] : known.symbols) {
    auto it = in.symbols.find(sym);
    int have = it == in.symbols.end() ? 0 : it->second;
    int common = std::min(have, n);
    if (common) {
      it->second -= common;
      n -= common;
    }
  }
  for (DimProduct *p : {&in, &known})
    for (auto it = p->symbols.begin(); it != p->symbols.end();)
      it = it->second == 0 ? p->symbols.erase(it) : std::next(it);
  bool inStatic = in.symbols.empty() && in.unknowns == 0;
  bool knownStatic = known.symbols.empty() && known.unknowns == 0;
  auto mismatch = [&]() {
    emitError("cannot reshape " + input.str() + " to " + joinInts(shape) +
              ": element counts differ");
    return failure();
  };
  if (inferred < 0) {
    if (inStatic && knownStatic && in.coeff != known.coeff)
      return mismatch();
    if (!in.symbols.empty() && in.unknowns == 0 && known.unknowns == 0 &&
        known.symbols.empty() && in.coeff != 0)
      return mismatch(); // a named dim cannot vanish
    return out;
  }
  if (known.coeff == 0) {
    emitError("cannot infer -1 in " + joinInts(shape) +
              ": the other dimensions multiply to 0");
    return failure();
  }
  if (inStatic && knownStatic) {
    if (in.coeff % known.coeff != 0)
      return mismatch();
    out.dims[inferred] = Dim::fixed(in.coeff / known.coeff);
  } else if (knownStatic && in.unknowns == 0 && in.symbols.size() == 1 &&
             in.symbols.begin()->second == 1 && in.coeff == known.coeff) {
    out.dims[inferred] = Dim::named(in.symbols.begin()->first);
  }
  return out;
}

FailureOr<TensorShape> inferTransposeShape(const TensorShape &input,
                                           ArrayRef<int64_t> perm,
                                           ShapeErrorFn emitError) {
  if ((int64_t)perm.size() != input.rank()) {
    emitError("permutation " + joinInts(perm) + " does not match " +
              input.str());
    return failure();
  }
  SmallVector<bool> seen(perm.size(), false);
  TensorShape out{input.dtype, {}};
  for (int64_t p : perm) {
    if (p < 0 || p >= input.rank() || seen[p]) {
      emitError(joinInts(perm) + " is not a permutation of the dims of " +
                input.str());
      return failure();
    }
    seen[p] = true;
    out.dims.push_back(input.dims[p]);
  }
  return out;
}

FailureOr<TensorShape> inferBroadcastToShape(const TensorShape &input,
                                             ArrayRef<int64_t> shape,
                                             ShapeErrorFn emitError) {
  int64_t rank = shape.size();
  if (rank < input.rank()) {
    emitError("cannot broadcast " + input.str() + " to fewer dims " +
              joinInts(shape));
    return failure();
  }
  TensorShape out{input.dtype, {}};
  for (int64_t i = 0; i < rank; ++i) {
    int64_t ii = i - (rank - input.rank());
    int64_t s = shape[i];
    if (ii < 0) {
      if (s < 0) {
        emitError("-1 in " + joinInts(shape) +
                  " names a new leading dim, which has no size to keep");
        return failure();
      }
      out.dims.push_back(Dim::fixed(s));
      continue;
    }
    const Dim &d = input.dims[ii];
    if (s == -1) {
      out.dims.push_back(d);
    } else if (s < 0) {
      emitError("invalid dimension " + Twine(s) + " in " + joinInts(shape));
      return failure();
    } else if ((d.isStatic() && d.size == 1) || d.isUnknown() ||
               (d.isStatic() && d.size == s)) {
      out.dims.push_back(Dim::fixed(s));
    } else {
      emitError("cannot broadcast " + input.str() + " to " + joinInts(shape) +
                ": dim " + d.str() + " is not 1 or " + Twine(s));
      return failure();
    }
  }
  return out;
}

FailureOr<TensorShape> inferConcatShape(ArrayRef<TensorShape> inputs,
                                        int64_t axis, ShapeErrorFn emitError) {
  if (inputs.empty()) {
    emitError("needs at least one operand");
    return failure();
  }
  const TensorShape &first = inputs.front();
  auto a = normalizeAxis(axis, first.rank(), emitError);
  if (failed(a))
    return failure();
  TensorShape out = first;
  DimProduct total;
  int64_t sum = 0;
  bool dynamic = false;
  for (const TensorShape &t : inputs) {
    if (t.rank() != first.rank() || t.dtype != first.dtype) {
      emitError("operands differ in rank or dtype: " + first.str() + " and " +
                t.str());
      return failure();
    }
    for (int64_t i = 0; i < t.rank(); ++i) {
      if (i == *a)
        continue;
      if (!dimsCompatible(t.dims[i], out.dims[i])) {
        emitError("operands differ outside axis " + Twine(axis) + ": " +
                  first.str() + " and " + t.str());
        return failure();
      }
      out.dims[i] = refineDim(out.dims[i], t.dims[i]);
    }
    if (t.dims[*a].isStatic())
      sum += t.dims[*a].size;
    else
      dynamic = true;
  }
  out.dims[*a] = dynamic ? Dim::unknown() : Dim::fixed(sum);
  return out;
}

FailureOr<TensorShape> inferSliceShape(const TensorShape &input,
                                       ArrayRef<int64_t> axes,
                                       ArrayRef<int64_t> starts,
                                       ArrayRef<int64_t> ends,
                                       ArrayRef<int64_t> steps,
                                       ShapeErrorFn emitError) {
  if (axes.size() != starts.size() || axes.size() != ends.size() ||
      axes.size() != steps.size()) {
    emitError("axes, starts, ends and steps must have the same length");
    return failure();
  }
  TensorShape out = input;
  SmallVector<bool> seen(input.rank(), false);
  for (size_t k = 0; k < axes.size(); ++k) {
    auto a = normalizeAxis(axes[k], input.rank(), emitError);
    if (failed(a))
      return failure();
    if (seen[*a]) {
      emitError("axis " + Twine(axes[k]) + " is sliced twice");
      return failure();
    }
    seen[*a] = true;
    if (steps[k] <= 0) {
      emitError("slice step must be positive, got " + Twine(steps[k]));
      return failure();
    }
    const Dim &d = input.dims[*a];
    if (!d.isStatic()) {
      out.dims[*a] = Dim::unknown();
      continue;
    }
    auto clampIdx = [&](int64_t i) {
      if (i < 0)
        i += d.size;
      return std::clamp<int64_t>(i, 0, d.size);
    };
    int64_t s = clampIdx(starts[k]), e = clampIdx(ends[k]);
    int64_t n = e > s ? (e - s + steps[k] - 1) / steps[k] : 0;
    out.dims[*a] = Dim::fixed(n);
  }
  return out;
}

FailureOr<TensorShape> inferGatherShape(const TensorShape &input,
                                        const TensorShape &indices,
                                        int64_t axis, ShapeErrorFn emitError) {
  if (!isInteger(indices.dtype)) {
    emitError("indices must be i32 or i64, got " + indices.str());
    return failure();
  }
  auto a = normalizeAxis(axis, input.rank(), emitError);
  if (failed(a))
    return failure();
  TensorShape out{input.dtype, {}};
  out.dims.append(input.dims.begin(), input.dims.begin() + *a);
  out.dims.append(indices.dims.begin(), indices.dims.end());
  out.dims.append(input.dims.begin() + *a + 1, input.dims.end());
  return out;
}

FailureOr<TensorShape> inferEmbeddingShape(const TensorShape &table,
                                           const TensorShape &indices,
                                           ShapeErrorFn emitError) {
  if (table.rank() != 2) {
    emitError("embedding table must be [vocab, dim], got " + table.str());
    return failure();
  }
  if (!isInteger(indices.dtype)) {
    emitError("indices must be i32 or i64, got " + indices.str());
    return failure();
  }
  TensorShape out{table.dtype, indices.dims};
  out.dims.push_back(table.dims[1]);
  return out;
}

Dim windowOutputDim(const Dim &in, int64_t kernel, int64_t stride,
                    int64_t padBefore, int64_t padAfter, int64_t dilation) {
  if (!in.isStatic())
    return Dim::unknown();
  int64_t span = dilation * (kernel - 1) + 1;
  int64_t padded = in.size + padBefore + padAfter;
  if (padded < span)
    return Dim::fixed(0);
  return Dim::fixed((padded - span) / stride + 1);
}

static LogicalResult checkWindow(ArrayRef<int64_t> kernel,
                                 ArrayRef<int64_t> strides,
                                 ArrayRef<int64_t> padding,
                                 ArrayRef<int64_t> dilation,
                                 ShapeErrorFn emitError) {
  if (kernel.size() != 2 || strides.size() != 2 || dilation.size() != 2) {
    emitError("kernel, strides and dilation must have 2 values (H, W)");
    return failure();
  }
  if (padding.size() != 4) {
    emitError("padding must have 4 values [top, left, bottom, right], got " +
              joinInts(padding));
    return failure();
  }
  for (int64_t v : kernel)
    if (v <= 0) {
      emitError("kernel size must be positive, got " + joinInts(kernel));
      return failure();
    }
  for (int64_t v : strides)
    if (v <= 0) {
      emitError("strides must be positive, got " + joinInts(strides));
      return failure();
    }
  for (int64_t v : dilation)
    if (v <= 0) {
      emitError("dilation must be positive, got " + joinInts(dilation));
      return failure();
    }
  for (int64_t v : padding)
    if (v < 0) {
      emitError("padding must not be negative, got " + joinInts(padding));
      return failure();
    }
  return success();
}

/// Convolution and pooling kernels are specialized to their image size:
/// an NCHW input's H and W must be known when the model is compiled. A
/// symbolic H or W is an error here; an unknown one (`?` in a .mlir type,
/// perhaps refined later by dl-shape-inference) is rejected when the host
/// code is built (DLToHost's run-time dims).
static LogicalResult requireStaticSpatialDims(const TensorShape &input,
                                              ShapeErrorFn emitError) {
  if (!input.dims[2].isNamed() && !input.dims[3].isNamed())
    return success();
  emitError("the input's spatial dims (H, W) must be static, got " +
            input.str() + "; compile one model per image size");
  return failure();
}

FailureOr<TensorShape> inferConv2DShape(const TensorShape &input,
                                        const TensorShape &filter,
                                        ArrayRef<int64_t> strides,
                                        ArrayRef<int64_t> padding,
                                        ArrayRef<int64_t> dilation,
                                        int64_t groups,
                                        ShapeErrorFn emitError) {
  if (input.rank() != 4 || filter.rank() != 4) {
    emitError("expects an NCHW input and an OIHW filter, got " + input.str() +
              " and " + filter.str());
    return failure();
  }
  if (groups <= 0) {
    emitError("groups must be positive, got " + Twine(groups));
    return failure();
  }
  if (failed(requireStaticSpatialDims(input, emitError)))
    return failure();
  const Dim &kh = filter.dims[2], &kw = filter.dims[3];
  if (!kh.isStatic() || !kw.isStatic()) {
    emitError("filter spatial dims must be static, got " + filter.str());
    return failure();
  }
  if (failed(checkWindow({kh.size, kw.size}, strides, padding, dilation,
                         emitError)))
    return failure();
  const Dim &c = input.dims[1], &o = filter.dims[0], &ig = filter.dims[1];
  if (c.isStatic() && ig.isStatic() && c.size != ig.size * groups) {
    emitError("input channels " + c.str() + " != filter in-channels " +
              ig.str() + " x groups " + Twine(groups) + ": " + input.str() +
              " conv " + filter.str());
    return failure();
  }
  if (!c.isStatic() && !dimsCompatible(c, ig)) {
    emitError("input channels differ: " + input.str() + " conv " +
              filter.str());
    return failure();
  }
  if (o.isStatic() && o.size % groups != 0) {
    emitError("output channels " + o.str() + " are not divisible by groups " +
              Twine(groups));
    return failure();
  }
  TensorShape out{input.dtype, {input.dims[0], o}};
  for (int i = 0; i < 2; ++i) {
    Dim d = windowOutputDim(input.dims[2 + i], filter.dims[2 + i].size,
                            strides[i], padding[i], padding[i + 2],
                            dilation[i]);
    if (d.isStatic() && d.size <= 0) {
      emitError("the filter does not fit the padded input: " + input.str() +
                " conv " + filter.str());
      return failure();
    }
    out.dims.push_back(d);
  }
  return out;
}

FailureOr<TensorShape> inferPool2DShape(const TensorShape &input,
                                        ArrayRef<int64_t> kernel,
                                        ArrayRef<int64_t> strides,
                                        ArrayRef<int64_t> padding,
                                        ShapeErrorFn emitError) {
  if (input.rank() != 4) {
    emitError("expects an NCHW input, got " + input.str());
    return failure();
  }
  if (failed(requireStaticSpatialDims(input, emitError)))
    return failure();
  if (failed(checkWindow(kernel, strides, padding, {1, 1}, emitError)))
    return failure();
  for (int i = 0; i < 2; ++i)
    if (padding[i] >= kernel[i] || padding[i + 2] >= kernel[i]) {
      emitError("padding must be smaller than the window, got padding " +
                joinInts(padding) + " for window " + joinInts(kernel));
      return failure();
    }
  TensorShape out{input.dtype, {input.dims[0], input.dims[1]}};
  for (int i = 0; i < 2; ++i) {
    Dim d = windowOutputDim(input.dims[2 + i], kernel[i], strides[i],
                            padding[i], padding[i + 2], 1);
    if (d.isStatic() && d.size <= 0) {
      emitError("the window " + joinInts(kernel) +
                " does not fit the input " + input.str());
      return failure();
    }
    out.dims.push_back(d);
  }
  return out;
}

LogicalResult verifyChannelParam(const TensorShape &input,
                                 const TensorShape &param, StringRef name,
                                 ShapeErrorFn emitError) {
  if (input.rank() < 2) {
    emitError("expects an input with a channel dim (N, C, ...), got " +
              input.str());
    return failure();
  }
  if (param.rank() != 1 || !dimsCompatible(param.dims[0], input.dims[1])) {
    emitError(name + " must be [C] for input " + input.str() + ", got " +
              param.str());
    return failure();
  }
  return success();
}

LogicalResult verifyNormalizedShape(const TensorShape &input,
                                    const TensorShape &param, int64_t axis,
                                    StringRef name, ShapeErrorFn emitError) {
  auto a = normalizeAxis(axis, input.rank(), emitError);
  if (failed(a))
    return failure();
  bool ok = param.rank() == input.rank() - *a;
  for (int64_t i = 0; ok && i < param.rank(); ++i)
    ok = dimsCompatible(param.dims[i], input.dims[*a + i]);
  if (!ok) {
    TensorShape want{input.dtype, {input.dims.begin() + *a, input.dims.end()}};
    emitError(name + " must be " + want.str() + " (the normalized dims of " +
              input.str() + "), got " + param.str());
    return failure();
  }
  return success();
}

FailureOr<SmallVector<TensorShape, 3>>
inferLSTMShape(const TensorShape &input, const TensorShape &wIh,
               const TensorShape &wHh, const TensorShape &bias,
               ShapeErrorFn emitError) {
  if (input.rank() != 3) {
    emitError("expects input [batch, time, features], got " + input.str());
    return failure();
  }
  if (wHh.rank() != 2 || !wHh.dims[1].isStatic()) {
    emitError("recurrent weight must be [4*hidden, hidden] with a static "
              "hidden size, got " + wHh.str());
    return failure();
  }
  int64_t h = wHh.dims[1].size;
  auto expect = [&](const TensorShape &t, ArrayRef<Dim> dims,
                    StringRef what) -> LogicalResult {
    bool ok = t.rank() == (int64_t)dims.size();
    for (size_t i = 0; ok && i < dims.size(); ++i)
      ok = dimsCompatible(t.dims[i], dims[i]);
    if (!ok) {
      TensorShape want{input.dtype, SmallVector<Dim, 4>(dims)};
      emitError(what + " must be " + want.str() + " for hidden size " +
                Twine(h) + " and input " + input.str() + ", got " + t.str());
      return failure();
    }
    return success();
  };
  if (failed(expect(wHh, {Dim::fixed(4 * h), Dim::fixed(h)}, "w_hh")) ||
      failed(expect(wIh, {Dim::fixed(4 * h), input.dims[2]}, "w_ih")) ||
      failed(expect(bias, {Dim::fixed(4 * h)}, "bias")))
    return failure();
  SmallVector<TensorShape, 3> out;
  out.push_back({input.dtype, {input.dims[0], input.dims[1], Dim::fixed(h)}});
  out.push_back({input.dtype, {input.dims[0], Dim::fixed(h)}});
  out.push_back({input.dtype, {input.dims[0], Dim::fixed(h)}});
  return out;
}

LogicalResult verifyLossOperands(LossKind kind, const TensorShape &predictions,
                                 const TensorShape &targets,
                                 ShapeErrorFn emitError) {
  if (!isFloat(predictions.dtype)) {
    emitError("predictions must be floating point, got " + predictions.str());
    return failure();
  }
  auto sameShape = [&]() -> LogicalResult {
    bool ok = predictions.rank() == targets.rank();
    for (int64_t i = 0; ok && i < targets.rank(); ++i)
      ok = dimsCompatible(predictions.dims[i], targets.dims[i]);
    if (!ok) {
      emitError("predictions and targets differ in shape: " +
                predictions.str() + " vs " + targets.str());
      return failure();
    }
    if (!isFloat(targets.dtype)) {
      emitError("targets must be floating point, got " + targets.str());
      return failure();
    }
    return success();
  };
  switch (kind) {
  case LossKind::MeanSquaredError:
  case LossKind::BinaryCrossEntropy:
    return sameShape();
  case LossKind::CategoricalCrossEntropy:
    if (predictions.rank() < 1) {
      emitError("predictions must have a class dim, got " + predictions.str());
      return failure();
    }
    return sameShape();
  case LossKind::SparseCategoricalCrossEntropy: {
    if (!isInteger(targets.dtype)) {
      emitError("labels must be i32 or i64 class indices, got " +
                targets.str());
      return failure();
    }
    bool ok = predictions.rank() == targets.rank() + 1;
    for (int64_t i = 0; ok && i < targets.rank(); ++i)
      ok = dimsCompatible(predictions.dims[i], targets.dims[i]);
    if (!ok) {
      emitError("labels must have the shape of the predictions without the "
                "class dim: " + predictions.str() + " vs " + targets.str());
      return failure();
    }
    return success();
  }
  }
  return success();
}

} // namespace dlc
