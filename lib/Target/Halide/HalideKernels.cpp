//===- HalideKernels.cpp - dl ops as scheduled Halide pipelines -----------===//
//
// Each kernel's algorithm is a Halide Func per value, defined op by op in
// lowerOp(); its schedule is chosen separately in schedule*() -- the split
// Halide's apps (conv_layer, linear_algebra) keep between what is computed
// and how.
//
// Tensor dims are row-major with the last dim contiguous; Halide's dim 0 is
// the innermost, so a rank-r tensor t[i0, ..., i(r-1)] is the Halide Func
// f(i(r-1), ..., i0). Every helper here takes indices in tensor order and
// reverses them at the call.
//
// This is the only library built with exceptions: Halide reports errors by
// throwing, and every entry point catches and turns them into diagnostics.
//
//===----------------------------------------------------------------------===//

#include "dlc/Target/Halide/Kernel.h"
#include "dlc/Dialect/DL/IR/DLOps.h"

#include "Halide.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Threading.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <functional>
#include <optional>
#include <set>

namespace dlc {
namespace halide {
namespace {

using mlir::Value;
namespace H = ::Halide;

/// A tensor as a Halide Func plus its extents, in tensor order.
struct Tensor {
  H::Func func;
  std::vector<H::Expr> extents;
  H::Type type;
  int rank() const { return (int)extents.size(); }
  H::Expr operator()(std::vector<H::Expr> idx) const {
    std::reverse(idx.begin(), idx.end());
    if (idx.empty())
      return func();
    return func(idx);
  }
};

/// Thrown for dl constructs the lowering does not handle; turned into a
/// diagnostic like Halide's own errors.
struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

H::Type halideType(mlir::Type t) {
  if (t.isF32()) return H::Float(32);
  if (t.isF64()) return H::Float(64);
  if (t.isF16()) return H::Float(16);
  if (t.isBF16()) return H::BFloat(16);
  if (t.isInteger(1)) return H::Bool();
  if (t.isInteger(32)) return H::Int(32);
  if (t.isInteger(64)) return H::Int(64);
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "element type " << t << " has no Halide lowering";
  throw Unsupported(s);
}

/// Whether `e`, over the RDom it uses, is NaN anywhere (an inline sum).
H::Expr anyNaNOver(H::Expr e) { return H::sum(H::select(H::is_nan(e), 1, 0)) > 0; }

mlir::RankedTensorType tensorType(Value v) {
  return mlir::cast<mlir::RankedTensorType>(v.getType());
}

/// Tile size `i` of the schedule, or `otherwise` when it gives none (or 0).
static int tileOr(const dl::Schedule &s, size_t i, int otherwise) {
  return i < s.tile.size() && s.tile[i] > 0 ? (int)s.tile[i] : otherwise;
}

/// Builds the Funcs of one kernel.
class KernelBuilder {
public:
  KernelBuilder(const Kernel &kernel, const H::Target &target, bool largeBatch)
      : kernel(kernel), target(target),
        sched(largeBatch && kernel.schedule.largeBatch ? *kernel.schedule.largeBatch
                                                       : kernel.schedule) {
    vectorWidth = std::max(1, target.natural_vector_size(H::Float(32)));
  }

  /// The pipeline and its arguments (inputs in kernel.inputs order).
  H::Pipeline build(std::vector<H::Argument> &args);

private:
  const Kernel &kernel;
  H::Target target;
  /// The schedule this pipeline gets (dl-tile's choice, see Schedule.h).
  const dl::Schedule &sched;
  int vectorWidth;
  llvm::DenseMap<Value, H::ImageParam> params;
  llvm::DenseMap<Value, Tensor> values;
  /// Per-row statistics (softmax max/sum, layer_norm mean/var, ...):
  /// computed once at root instead of inlined per element.
  std::vector<H::Func> reductions;
  /// The accumulators of a matmul or conv anchor, scheduled by name.
  H::Func matmulAcc, convAcc, convIn;
  H::RDom matmulK, convRk;
  /// Channel-tiled convolutions (groups == 1, channels a multiple of the
  /// vector width): the filter with the output's channels innermost, and
  /// the output's static channel count.
  H::Func convFilter;
  int convChannels = 0;
  H::Func gradFilterAcc, gradFilterIn;
  H::RDom gradFilterRp;
  /// Channel-tiled filter gradient: per-batch-element partial sums over
  /// output positions, and the cotangent with channels innermost.
  H::Func gradFilterPart, gradFilterG;
  H::RDom gradFilterRn;
  int gradFilterKW = 0, gradFilterChannels = 0;
  bool matmulRhsIsView = false;
  std::vector<H::ImageParam> lstmArgs;
  /// The Funcs of every result of a multi-result op, built once.
  llvm::DenseMap<mlir::Operation *, std::vector<Tensor>> multiResults;
  H::Func matmulRhs;
  /// matmul_packed's packed operands: lhs(r, k, block), rhs(c, k, block).
  H::Func matmulLhsPacked, matmulRhsPacked;

  void schedule(std::vector<H::Func> &outs);

  H::Expr extentOf(Value v, int i, const H::ImageParam &p) {
    auto type = tensorType(v);
    if (!type.isDynamicDim(i))
      return H::Expr((int)type.getDimSize(i));
    return p.dim(type.getRank() - 1 - i).extent();
  }

  Tensor leaf(Value v) {
    auto it = params.find(v);
    H::ImageParam p = it->second;
    Tensor t;
    t.type = p.type();
    int r = tensorType(v).getRank();
    for (int i = 0; i < r; ++i)
      t.extents.push_back(extentOf(v, i, p));
    t.func = H::Func(p);
    if (tensorType(v).getElementType().isInteger(1)) {
      // bool buffers hold one byte per element (the C header's uint8_t);
      // any non-zero byte is true, as in C. Read as a Bool buffer, Halide
      // would look at the low bit only.
      std::vector<H::Var> vars;
      for (int i = 0; i < r; ++i)
        vars.push_back(H::Var("b" + std::to_string(i)));
      std::vector<H::Expr> at(vars.begin(), vars.end());
      H::Func nonzero("nonzero_" + p.name());
      nonzero(vars) = p(at) != H::cast<uint8_t>(0);
      t.func = nonzero;
      t.type = H::Bool();
    }
    return t;
  }

  /// Whether any element of `t` is NaN (false for integer tensors).
  static H::Expr hasNaN(const Tensor &t) {
    if (!t.type.is_float())
      return H::Internal::const_false();
    if (t.rank() == 0)
      return H::is_nan(t({}));
    H::Region region;
    for (const H::Expr &e : t.extents)
      region.push_back(H::Range(0, e));
    H::RDom rd(region, "nan_r");
    std::vector<H::Expr> at;
    for (int i = 0; i < t.rank(); ++i)
      at.push_back(rd[i]);
    return anyNaNOver(t(at));
  }

  /// Static extent if known, else the given expression.
  static H::Expr resultExtent(mlir::RankedTensorType type, int i,
                              H::Expr dynamic) {
    return type.isDynamicDim(i) ? dynamic : H::Expr((int)type.getDimSize(i));
  }

  Tensor get(Value v);
  Tensor lowerOp(mlir::Operation *op, unsigned resultIndex);
  struct LSTMCellInputs {
    Tensor x, h, c;
    std::vector<Tensor> weights; // w_ih, w_hh, bias
    H::Func gates;
    int I = 0, H = 0;
  };
  LSTMCellInputs lstmCellInputs();
  Tensor lstmState(const std::string &name, int inner);
  Tensor lstmWeight(Value like, const std::string &name);
  void lowerLSTMCell(std::vector<H::Func> &outputs);
  void lowerLSTMGradCell(std::vector<H::Func> &outputs);

  /// A Func of `rank` pure vars defined by `body(tensor-order index)`.
  Tensor define(const std::string &name, const std::vector<H::Expr> &extents,
                H::Type type,
                const std::function<H::Expr(const std::vector<H::Expr> &)> &body) {
    std::vector<H::Var> vars;
    for (size_t i = 0; i < extents.size(); ++i)
      vars.emplace_back("i" + std::to_string(i));
    std::vector<H::Expr> idx(vars.begin(), vars.end());
    H::Func f(name);
    std::vector<H::Var> args(vars.rbegin(), vars.rend());
    H::Expr e = body(idx);
    if (e.type() != type)
      e = H::cast(type, e);
    if (args.empty())
      f() = e;
    else
      f(args) = e;
    return Tensor{f, extents, type};
  }

  std::vector<H::Expr> extentsOf(Value result, const std::vector<H::Expr> &dyn) {
    auto type = tensorType(result);
    std::vector<H::Expr> ext;
    for (int i = 0; i < type.getRank(); ++i)
      ext.push_back(resultExtent(type, i, dyn.empty() ? H::Expr() : dyn[i]));
    return ext;
  }

  /// Index of operand `t` (rank r) in a broadcast to `outType` at `idx`.
  std::vector<H::Expr> broadcastIndex(const Tensor &t, mlir::RankedTensorType operand,
                                      mlir::RankedTensorType out,
                                      const std::vector<H::Expr> &idx) {
    int R = out.getRank(), r = operand.getRank();
    std::vector<H::Expr> sub;
    for (int i = 0; i < r; ++i) {
      int o = R - r + i;
      bool broadcast = !operand.isDynamicDim(i) && operand.getDimSize(i) == 1 &&
                       !(!out.isDynamicDim(o) && out.getDimSize(o) == 1);
      sub.push_back(broadcast ? H::Expr(0) : idx[o]);
    }
    return sub;
  }

  /// Broadcast extents of two operands (tensor order).
  std::vector<H::Expr> broadcastExtents(const Tensor &a, const Tensor &b,
                                        mlir::RankedTensorType out) {
    int R = out.getRank();
    std::vector<H::Expr> ext;
    for (int o = 0; o < R; ++o) {
      if (!out.isDynamicDim(o)) {
        ext.push_back((int)out.getDimSize(o));
        continue;
      }
      int ia = o - (R - a.rank()), ib = o - (R - b.rank());
      H::Expr ea = ia >= 0 ? a.extents[ia] : H::Expr(1);
      H::Expr eb = ib >= 0 ? b.extents[ib] : H::Expr(1);
      ext.push_back(H::max(ea, eb));
    }
    return ext;
  }
};

Tensor KernelBuilder::get(Value v) {
  auto it = values.find(v);
  if (it != values.end())
    return it->second;
  Tensor t;
  if (params.count(v)) {
    t = leaf(v);
  } else {
    mlir::Operation *def = v.getDefiningOp();
    t = lowerOp(def, mlir::cast<mlir::OpResult>(v).getResultNumber());
  }
  values[v] = t;
  return t;
}

H::Expr sigmoid(H::Expr x) { return 1.0f / (1.0f + H::exp(-x)); }

/// max / min that propagate NaN, as torch.maximum, torch.relu and NumPy do.
/// Halide's max and min lower to LLVM's maxnum (which drops NaN) with
/// fast-math flags whose no-NaNs lets LLVM fold a NaN test away, so the
/// select is strict_float (no fast-math flags on it and its operands).
H::Expr nanMax(H::Expr a, H::Expr b) {
  if (!a.type().is_float())
    return H::max(a, b);
  return H::strict_float(
      H::select(H::is_nan(a), a, H::select(H::is_nan(b), b, H::max(a, b))));
}
H::Expr nanMin(H::Expr a, H::Expr b) {
  if (!a.type().is_float())
    return H::min(a, b);
  return H::strict_float(
      H::select(H::is_nan(a), a, H::select(H::is_nan(b), b, H::min(a, b))));
}


Tensor KernelBuilder::lowerOp(mlir::Operation *op, unsigned resultIndex) {
  using namespace dlc::dl;
  using mlir::isa;
  using mlir::dyn_cast;
  Value result = op->getResult(resultIndex);
  auto outType = tensorType(result);
  H::Type type = halideType(outType.getElementType());
  std::string name = op->getName().stripDialect().str();

  // Elementwise binary ops with NumPy broadcasting.
  auto binary = [&](std::function<H::Expr(H::Expr, H::Expr)> fn) {
    Tensor a = get(op->getOperand(0)), b = get(op->getOperand(1));
    auto ta = tensorType(op->getOperand(0)), tb = tensorType(op->getOperand(1));
    return define(name, broadcastExtents(a, b, outType), type,
                  [&](const std::vector<H::Expr> &idx) {
                    return fn(a(broadcastIndex(a, ta, outType, idx)),
                              b(broadcastIndex(b, tb, outType, idx)));
                  });
  };
  auto unary = [&](std::function<H::Expr(H::Expr)> fn) {
    Tensor a = get(op->getOperand(0));
    return define(name, a.extents, type,
                  [&](const std::vector<H::Expr> &idx) { return fn(a(idx)); });
  };

  if (isa<AddOp>(op)) return binary([](H::Expr a, H::Expr b) { return a + b; });
  if (isa<SubOp>(op)) return binary([](H::Expr a, H::Expr b) { return a - b; });
  if (isa<MulOp>(op)) return binary([](H::Expr a, H::Expr b) { return a * b; });
  if (isa<DivOp>(op)) return binary([](H::Expr a, H::Expr b) { return a / b; });
  if (isa<PowOp>(op)) return binary([](H::Expr a, H::Expr b) { return H::pow(a, b); });
  if (isa<MaximumOp>(op)) return binary(nanMax);
  if (isa<MinimumOp>(op)) return binary(nanMin);
  if (isa<NegOp>(op)) return unary([](H::Expr x) { return -x; });
  if (isa<AbsOp>(op)) return unary([](H::Expr x) { return H::abs(x); });
  if (isa<ExpOp>(op)) return unary([](H::Expr x) { return H::exp(x); });
  if (isa<LogOp>(op)) return unary([](H::Expr x) { return H::log(x); });
  if (isa<SqrtOp>(op)) return unary([](H::Expr x) { return H::sqrt(x); });
  if (isa<RsqrtOp>(op)) return unary([](H::Expr x) { return 1.0f / H::sqrt(x); });
  if (isa<TanhOp>(op)) return unary([](H::Expr x) { return H::tanh(x); });
  if (isa<SigmoidOp>(op)) return unary([](H::Expr x) { return sigmoid(x); });
  if (isa<ReluOp>(op))
    return unary([](H::Expr x) {
      // relu(NaN) is NaN, as in PyTorch: a NaN pixel must not vanish into a
      // finite loss (LLVM makes it select(x <= 0, 0, x)).
      return nanMax(x, H::Internal::make_zero(x.type()));
    });
  if (auto gelu = dyn_cast<GeluOp>(op)) {
    bool tanhForm = gelu.getApproximate() == GeluApproximation::tanh;
    return unary([tanhForm](H::Expr x) -> H::Expr {
      if (tanhForm)
        return 0.5f * x *
               (1.0f + H::tanh(0.7978845608028654f * (x + 0.044715f * x * x * x)));
      return 0.5f * x * (1.0f + H::erf(x * 0.7071067811865476f));
    });
  }
  if (isa<CastOp>(op)) {
    Tensor a = get(op->getOperand(0));
    return define(name, a.extents, type, [&](const std::vector<H::Expr> &idx) {
      return H::cast(type, a(idx));
    });
  }
  if (isa<DropoutOp>(op)) // inference: the identity
    return unary([](H::Expr x) { return x; });

  if (auto t = dyn_cast<TransposeOp>(op)) {
    Tensor a = get(t.getInput());
    auto perm = t.getPerm();
    std::vector<H::Expr> ext;
    for (int64_t p : perm)
      ext.push_back(a.extents[p]);
    return define(name, ext, type, [&](const std::vector<H::Expr> &idx) {
      std::vector<H::Expr> src(perm.size());
      for (size_t k = 0; k < perm.size(); ++k)
        src[perm[k]] = idx[k];
      return a(src);
    });
  }
  if (auto b = dyn_cast<BroadcastToOp>(op)) {
    Tensor a = get(b.getInput());
    auto inType = tensorType(b.getInput());
    int R = outType.getRank(), r = inType.getRank();
    std::vector<H::Expr> ext;
    for (int o = 0; o < R; ++o)
      ext.push_back(outType.isDynamicDim(o) && o >= R - r ? a.extents[o - (R - r)]
                                                          : resultExtent(outType, o, H::Expr(1)));
    return define(name, ext, type, [&](const std::vector<H::Expr> &idx) {
      return a(broadcastIndex(a, inType, outType, idx));
    });
  }

  if (auto mm = dyn_cast<MatmulOp>(op)) {
    Tensor a = get(mm.getLhs()), b = get(mm.getRhs());
    H::RDom k(0, a.extents[1], "k");
    // acc(j, i) = sum_k a(i, k) * b(k, j), scheduled in schedule().
    H::Func acc("matmul_acc");
    H::Var j("j"), i("i");
    acc(j, i) = H::Internal::make_zero(type);
    if (sched.kind == "matmul_packed") {
      // Both operands packed as BLAS packs them (see the matmul_packed schedule): the
      // right-hand side in tx-column panels, [K][tx] each; the left-hand
      // side in ry-row slivers, [K][ry] each, so that the micro-kernel
      // reads both contiguously. Edge rows and columns repeat the last
      // one (their results are never stored).
      int tx = tileOr(sched, 0, 2 * vectorWidth), ry = tileOr(sched, 2, 6);
      H::Var r("r"), c("c"), kk("kk"), blk("blk");
      H::Expr rows = a.extents[0], cols = b.extents[1];
      H::Func lhs("matmul_lhs_packed"), rhs("matmul_rhs_packed");
      lhs(r, kk, blk) = a({H::min(blk * ry + r, rows - 1), kk});
      rhs(c, kk, blk) = b({kk, H::min(blk * tx + c, cols - 1)});
      acc(j, i) += lhs(i % ry, k, i / ry) * rhs(j % tx, k, j / tx);
      matmulLhsPacked = lhs;
      matmulRhsPacked = rhs;
    } else {
      acc(j, i) += a({i, k}) * b({k, j});
    }
    matmulAcc = acc;
    matmulK = k;
    matmulRhsIsView = isViewOp(mm.getRhs().getDefiningOp());
    matmulRhs = b.func;
    std::vector<H::Expr> ext = {a.extents[0], b.extents[1]};
    return define(name, ext, type,
                  [&](const std::vector<H::Expr> &idx) { return acc(idx[1], idx[0]); });
  }
  if (auto bmm = dyn_cast<BatchMatmulOp>(op)) {
    Tensor a = get(bmm.getLhs()), b = get(bmm.getRhs());
    auto ta = tensorType(bmm.getLhs()), tb = tensorType(bmm.getRhs());
    int R = outType.getRank(), ra = a.rank(), rb = b.rank();
    H::RDom k(0, a.extents[ra - 1], "k");
    std::vector<H::Expr> ext;
    for (int o = 0; o < R - 2; ++o) {
      int ia = o - (R - ra), ib = o - (R - rb);
      H::Expr ea = ia >= 0 ? a.extents[ia] : H::Expr(1);
      H::Expr eb = ib >= 0 ? b.extents[ib] : H::Expr(1);
      ext.push_back(resultExtent(outType, o, H::max(ea, eb)));
    }
    ext.push_back(a.extents[ra - 2]);
    ext.push_back(b.extents[rb - 1]);
    auto batchIndex = [&](const std::vector<H::Expr> &idx, mlir::RankedTensorType t,
                          int r) {
      std::vector<H::Expr> sub;
      for (int i = 0; i < r - 2; ++i) {
        int o = R - r + i;
        bool bc = !t.isDynamicDim(i) && t.getDimSize(i) == 1 &&
                  !(!outType.isDynamicDim(o) && outType.getDimSize(o) == 1);
        sub.push_back(bc ? H::Expr(0) : idx[o]);
      }
      return sub;
    };
    return define(name, ext, type, [&](const std::vector<H::Expr> &idx) {
      auto ia = batchIndex(idx, ta, ra), ib = batchIndex(idx, tb, rb);
      ia.push_back(idx[R - 2]);
      ia.push_back(k);
      ib.push_back(k);
      ib.push_back(idx[R - 1]);
      return H::sum(a(ia) * b(ib));
    });
  }

  if (isa<ReduceSumOp, ReduceMeanOp, ReduceMaxOp>(op)) {
    Tensor a = get(op->getOperand(0));
    auto axesAttr = op->getAttrOfType<mlir::DenseI64ArrayAttr>("axes");
    bool keep = op->hasAttr("keep_dims");
    int r = a.rank();
    std::vector<bool> reduced(r, axesAttr.empty());
    for (int64_t ax : axesAttr.asArrayRef())
      reduced[ax < 0 ? ax + r : ax] = true;
    H::Region region;
    H::Expr count = 1;
    for (int i = 0; i < r; ++i)
      if (reduced[i]) {
        region.push_back(H::Range(0, a.extents[i]));
        count = count * a.extents[i];
      }
    if (region.empty()) // nothing to reduce (a scalar)
      return define(name, a.extents, type,
                    [&](const std::vector<H::Expr> &idx) { return a(idx); });
    H::RDom rd(region, "r");
    std::vector<H::Expr> ext;
    for (int i = 0; i < r; ++i)
      if (!reduced[i])
        ext.push_back(a.extents[i]);
      else if (keep)
        ext.push_back(1);
    return define(name, ext, type, [&](const std::vector<H::Expr> &idx) {
      std::vector<H::Expr> src;
      int o = 0, d = 0;
      for (int i = 0; i < r; ++i) {
        if (reduced[i]) {
          src.push_back(rd[d++]);
          if (keep)
            ++o;
        } else {
          src.push_back(idx[o++]);
        }
      }
      if (isa<ReduceMaxOp>(op)) {
        if (!type.is_float())
          return H::maximum(a(src));
        // NaN wins, as in torch.amax.
        return H::strict_float(H::select(anyNaNOver(a(src)),
                                         H::Internal::make_const(type, NAN),
                                         H::maximum(a(src))));
      }
      H::Expr s = H::sum(a(src));
      if (isa<ReduceMeanOp>(op))
        s = s / H::cast(type, count);
      return s;
    });
  }

  if (isa<SoftmaxOp, LogSoftmaxOp>(op)) {
    Tensor a = get(op->getOperand(0));
    int r = a.rank();
    int64_t axis = op->getAttrOfType<mlir::IntegerAttr>("axis").getInt();
    if (axis < 0)
      axis += r;
    H::RDom k(0, a.extents[axis], "k");
    auto withAxis = [&](const std::vector<H::Expr> &idx, H::Expr e) {
      std::vector<H::Expr> s = idx;
      s[axis] = e;
      return s;
    };
    // Row max and sum of exp(x - max) over the axis: per row, not per element.
    Tensor mx = define("softmax_max", a.extents, type, [&](const std::vector<H::Expr> &idx) {
      return H::maximum(a(withAxis(idx, k)));
    });
    Tensor sm = define("softmax_sum", a.extents, type, [&](const std::vector<H::Expr> &idx) {
      return H::sum(H::exp(a(withAxis(idx, k)) - mx(withAxis(idx, 0))));
    });
    reductions.push_back(mx.func);
    reductions.push_back(sm.func);
    bool log = isa<LogSoftmaxOp>(op);
    return define(name, a.extents, type, [&](const std::vector<H::Expr> &idx) {
      H::Expr m = mx(withAxis(idx, 0)), s = sm(withAxis(idx, 0));
      return log ? a(idx) - m - H::log(s) : H::exp(a(idx) - m) / s;
    });
  }

  if (auto bn = dyn_cast<BatchNormOp>(op)) {
    Tensor x = get(bn.getInput()), g = get(bn.getScale()), b = get(bn.getBias()),
           m = get(bn.getMean()), v = get(bn.getVariance());
    float eps = (float)bn.getEpsilon().convertToDouble();
    return define(name, x.extents, type, [&](const std::vector<H::Expr> &idx) {
      H::Expr c = idx[1];
      return (x(idx) - m({c})) / H::sqrt(v({c}) + eps) * g({c}) + b({c});
    });
  }
  if (auto ln = dyn_cast<LayerNormOp>(op)) {
    Tensor x = get(ln.getInput()), g = get(ln.getScale()), b = get(ln.getBias());
    int r = x.rank();
    int64_t axis = (int64_t)ln.getAxis();
    if (axis < 0)
      axis += r;
    float eps = (float)ln.getEpsilon().convertToDouble();
    H::Region region;
    H::Expr count = 1;
    for (int i = axis; i < r; ++i) {
      region.push_back(H::Range(0, x.extents[i]));
      count = count * x.extents[i];
    }
    H::RDom rd(region, "r");
    std::vector<H::Expr> lead(x.extents.begin(), x.extents.begin() + axis);
    auto full = [&](const std::vector<H::Expr> &idx) {
      std::vector<H::Expr> s(idx.begin(), idx.begin() + axis);
      for (int i = axis; i < r; ++i)
        s.push_back(rd[i - axis]);
      return s;
    };
    H::Expr n = H::cast(type, count);
    Tensor mean = define("ln_mean", lead, type, [&](const std::vector<H::Expr> &idx) {
      return H::sum(x(full(idx))) / n;
    });
    Tensor var = define("ln_var", lead, type, [&](const std::vector<H::Expr> &idx) {
      H::Expr d = x(full(idx)) - mean(idx);
      return H::sum(d * d) / n;
    });
    reductions.push_back(mean.func);
    reductions.push_back(var.func);
    return define(name, x.extents, type, [&](const std::vector<H::Expr> &idx) {
      std::vector<H::Expr> lidx(idx.begin(), idx.begin() + axis);
      std::vector<H::Expr> tidx(idx.begin() + axis, idx.end());
      return (x(idx) - mean(lidx)) / H::sqrt(var(lidx) + eps) * g(tidx) + b(tidx);
    });
  }

  if (auto cat = dyn_cast<ConcatOp>(op)) {
    int64_t axis = (int64_t)cat.getAxis();
    int r = outType.getRank();
    if (axis < 0)
      axis += r;
    std::vector<Tensor> ins;
    for (Value in : cat.getInputs())
      ins.push_back(get(in));
    std::vector<H::Expr> ext = ins[0].extents;
    H::Expr total = 0;
    for (auto &t : ins)
      total = total + t.extents[axis];
    ext[axis] = resultExtent(outType, axis, total);
    return define(name, ext, type, [&](const std::vector<H::Expr> &idx) {
      H::Expr offset = 0;
      std::vector<H::Expr> starts;
      for (auto &t : ins) {
        starts.push_back(offset);
        offset = offset + t.extents[axis];
      }
      H::Expr e;
      for (int i = 0; i < (int)ins.size(); ++i) {
        std::vector<H::Expr> s = idx;
        // Clamp so every branch reads in bounds; select picks the right one.
        s[axis] = H::clamp(idx[axis] - starts[i], 0, ins[i].extents[axis] - 1);
        H::Expr v = ins[i](s);
        e = e.defined() ? H::select(idx[axis] >= starts[i], v, e) : v;
      }
      return e;
    });
  }
  if (auto sl = dyn_cast<SliceOp>(op)) {
    Tensor a = get(sl.getInput());
    int r = a.rank();
    std::vector<H::Expr> start(r, 0), step(r, 1), ext = a.extents;
    auto axes = sl.getAxes();
    for (size_t i = 0; i < axes.size(); ++i) {
      int ax = axes[i] < 0 ? axes[i] + r : axes[i];
      H::Expr n = a.extents[ax];
      int64_t s0 = sl.getStarts()[i], e0 = sl.getEnds()[i], st = sl.getSteps()[i];
      // Python slice semantics (clamped), as in inferSliceShape.
      auto norm = [&](int64_t v) -> H::Expr {
        H::Expr e = v < 0 ? H::Expr(H::cast<int>(n) + (int)std::max<int64_t>(v, INT32_MIN))
                          : H::Expr((int)std::min<int64_t>(v, INT32_MAX));
        if (st > 0)
          return H::clamp(e, 0, n);
        return H::clamp(e, -1, n - 1);
      };
      H::Expr b = norm(s0), e = norm(e0);
      H::Expr len = st > 0 ? H::max(0, (e - b + (int)st - 1) / (int)st)
                           : H::max(0, (b - e + (int)(-st) - 1) / (int)(-st));
      start[ax] = b;
      step[ax] = (int)st;
      ext[ax] = resultExtent(outType, ax, len);
    }
    return define(name, ext, type, [&](const std::vector<H::Expr> &idx) {
      std::vector<H::Expr> s;
      for (int i = 0; i < r; ++i)
        s.push_back(start[i] + idx[i] * step[i]);
      return a(s);
    });
  }
  if (auto g = dyn_cast<GatherOp>(op)) {
    Tensor a = get(g.getInput()), ind = get(g.getIndices());
    int r = a.rank(), q = ind.rank();
    int64_t axis = (int64_t)g.getAxis();
    if (axis < 0)
      axis += r;
    std::vector<H::Expr> ext(a.extents.begin(), a.extents.begin() + axis);
    ext.insert(ext.end(), ind.extents.begin(), ind.extents.end());
    ext.insert(ext.end(), a.extents.begin() + axis + 1, a.extents.end());
    return define(name, ext, type, [&](const std::vector<H::Expr> &idx) {
      std::vector<H::Expr> s(idx.begin(), idx.begin() + axis);
      std::vector<H::Expr> ii(idx.begin() + axis, idx.begin() + axis + q);
      H::Expr n = a.extents[axis];
      H::Expr v = H::cast<int>(ind(ii));
      v = H::select(v < 0, v + n, v);
      // Out-of-range indices are clamped (documented in docs/dialect.md).
      s.push_back(H::clamp(v, 0, n - 1));
      s.insert(s.end(), idx.begin() + axis + q, idx.end());
      return a(s);
    });
  }
  if (auto emb = dyn_cast<EmbeddingOp>(op)) {
    Tensor table = get(emb.getTable()), ind = get(emb.getIndices());
    std::vector<H::Expr> ext = ind.extents;
    ext.push_back(table.extents[1]);
    int q = ind.rank();
    return define(name, ext, type, [&](const std::vector<H::Expr> &idx) {
      std::vector<H::Expr> ii(idx.begin(), idx.begin() + q);
      H::Expr v = H::clamp(H::cast<int>(ind(ii)), 0, table.extents[0] - 1);
      return table({v, idx[q]});
    });
  }

  if (auto conv = dyn_cast<Conv2DOp>(op)) {
    Tensor x = get(conv.getInput()), w = get(conv.getFilter());
    auto s = conv.getStrides(), p = conv.getPadding(), d = conv.getDilation();
    int groups = (int)conv.getGroups();
    auto wType = tensorType(conv.getFilter());
    int O = (int)wType.getDimSize(0), Cg = (int)wType.getDimSize(1),
        KH = (int)wType.getDimSize(2), KW = (int)wType.getDimSize(3);
    int Og = O / groups;
    // Zero padding: reads outside the input's H x W are 0.
    H::Func xin("conv_in");
    {
      H::Var a("a"), b("b"), c("c"), n("n");
      H::Expr inside = a >= 0 && a < x.extents[3] && b >= 0 && b < x.extents[2];
      xin(a, b, c, n) = H::select(
          inside, x({n, c, H::clamp(b, 0, x.extents[2] - 1), H::clamp(a, 0, x.extents[3] - 1)}),
          H::Internal::make_zero(type));
    }
    H::RDom rk(0, Cg, 0, KH, 0, KW, "rk");
    H::Func acc("conv_acc");
    H::Var ox("ox"), oy("oy"), oc("oc"), on("on");
    if (outType.isDynamicDim(2) || outType.isDynamicDim(3))
      throw Unsupported("conv2d with a dynamic spatial size");
    acc(ox, oy, oc, on) = H::Internal::make_zero(type);
    H::Expr cin = (oc / Og) * Cg + rk.x;
    H::Expr tap = xin(ox * (int)s[1] + rk.z * (int)d[1] - (int)p[1],
                      oy * (int)s[0] + rk.y * (int)d[0] - (int)p[0], cin, on);
    if (sched.kind == "conv_channel_tiled") {
      if (groups != 1)
        throw Unsupported("schedule 'conv_channel_tiled' needs groups = 1");
      // Output channels become vector lanes: the filter is transposed once
      // so that they are contiguous.
      H::Func filt("conv_filter_t");
      H::Var fo("fo"), fi("fi"), fy("fy"), fx("fx");
      filt(fo, fi, fy, fx) = w({fo, fi, fy, fx});
      acc(ox, oy, oc, on) += filt(oc, rk.x, rk.y, rk.z) * tap;
      convFilter = filt;
      convChannels = O;
    } else {
      acc(ox, oy, oc, on) += w({oc, rk.x, rk.y, rk.z}) * tap;
    }
    convAcc = acc;
    convRk = rk;
    convIn = xin;
    std::vector<H::Expr> ext = {x.extents[0], O,
                                resultExtent(outType, 2, H::Expr()),
                                resultExtent(outType, 3, H::Expr())};
    return define(name, ext, type, [&](const std::vector<H::Expr> &idx) {
      return acc(idx[3], idx[2], idx[1], idx[0]);
    });
  }
  if (isa<MaxPool2DOp, AvgPool2DOp>(op)) {
    Tensor x = get(op->getOperand(0));
    auto k = op->getAttrOfType<mlir::DenseI64ArrayAttr>("kernel").asArrayRef();
    auto s = op->getAttrOfType<mlir::DenseI64ArrayAttr>("strides").asArrayRef();
    auto p = op->getAttrOfType<mlir::DenseI64ArrayAttr>("padding").asArrayRef();
    if (outType.isDynamicDim(2) || outType.isDynamicDim(3))
      throw Unsupported("pooling with a dynamic spatial size");
    H::RDom rk(0, (int)k[0], 0, (int)k[1], "rk");
    bool isMax = isa<MaxPool2DOp>(op);
    bool includePad = op->hasAttr("count_include_pad");
    std::vector<H::Expr> ext = {x.extents[0], x.extents[1],
                                (int)outType.getDimSize(2), (int)outType.getDimSize(3)};
    // The window's element at (dy, dx), and whether it is inside the input.
    auto at = [&](const std::vector<H::Expr> &idx, H::Expr dy, H::Expr dx) {
      H::Expr iy = idx[2] * (int)s[0] + dy - (int)p[0];
      H::Expr ix = idx[3] * (int)s[1] + dx - (int)p[1];
      H::Expr inside = iy >= 0 && iy < x.extents[2] && ix >= 0 && ix < x.extents[3];
      H::Expr v = x({idx[0], idx[1], H::clamp(iy, 0, x.extents[2] - 1),
                     H::clamp(ix, 0, x.extents[3] - 1)});
      return std::pair{v, inside};
    };
    // Small windows (2x2, 3x3) unrolled: one max and one NaN test per
    // element, vectorized across the output, instead of two reductions.
    if (isMax && k[0] * k[1] <= 16)
      return define(name, ext, type, [&](const std::vector<H::Expr> &idx) {
        H::Expr m, nan;
        for (int dy = 0; dy < (int)k[0]; ++dy)
          for (int dx = 0; dx < (int)k[1]; ++dx) {
            auto [v, inside] = at(idx, dy, dx);
            // PyTorch pads max pooling with -inf; NaN wins.
            H::Expr e = H::select(inside, v, type.min());
            m = m.defined() ? H::max(m, e) : e;
            if (type.is_float()) {
              H::Expr n = inside && H::is_nan(v);
              nan = nan.defined() ? (nan || n) : n;
            }
          }
        if (!type.is_float())
          return m;
        return H::strict_float(H::select(nan, H::Internal::make_const(type, NAN), m));
      });
    return define(name, ext, type, [&](const std::vector<H::Expr> &idx) {
      auto [v, inside] = at(idx, rk.x, rk.y);
      if (isMax) { // PyTorch pads max pooling with -inf; NaN wins
        H::Expr m = H::maximum(H::select(inside, v, type.min()));
        if (!type.is_float())
          return m;
        return H::strict_float(H::select(anyNaNOver(H::select(inside, v, H::Internal::make_zero(type))),
                                         H::Internal::make_const(type, NAN), m));
      }
      H::Expr total = H::sum(H::select(inside, v, H::Internal::make_zero(type)));
      if (includePad) {
        // Count the window's positions inside the padded input.
        H::Expr y0 = idx[2] * (int)s[0] - (int)p[0], x0 = idx[3] * (int)s[1] - (int)p[1];
        H::Expr y1 = H::min(y0 + (int)k[0], x.extents[2] + (int)p[2]);
        H::Expr x1 = H::min(x0 + (int)k[1], x.extents[3] + (int)p[3]);
        return total / H::cast(type, (y1 - y0) * (x1 - x0));
      }
      H::Expr cnt = H::sum(H::select(inside, 1, 0));
      return total / H::cast(type, H::max(cnt, 1));
    });
  }

  // Losses: scalar means.
  if (isa<MSELossOp, BinaryCrossEntropyOp, CategoricalCrossEntropyOp,
          SparseCategoricalCrossEntropyOp>(op)) {
    Tensor pr = get(op->getOperand(0)), tg = get(op->getOperand(1));
    int r = pr.rank();
    bool fromLogits = op->hasAttr("from_logits");
    // A NaN prediction or target makes the loss NaN, as in PyTorch: Halide's
    // own log and exp do not propagate NaN, and train_step's check of the
    // loss relies on it. (The kernel is strict float, see compileKernels.)
    H::Expr anyNaN = hasNaN(pr) || hasNaN(tg);
    H::Expr nan = H::Internal::make_const(type, NAN);
    if (isa<MSELossOp, BinaryCrossEntropyOp>(op)) {
      H::Region region;
      H::Expr count = 1;
      for (int i = 0; i < r; ++i) {
        region.push_back(H::Range(0, pr.extents[i]));
        count = count * pr.extents[i];
      }
      H::RDom rd(region, "r");
      std::vector<H::Expr> at;
      for (int i = 0; i < r; ++i)
        at.push_back(rd[i]);
      H::Expr p = pr(at), t = H::cast(type, tg(at));
      H::Expr term;
      if (isa<MSELossOp>(op)) {
        term = (p - t) * (p - t);
      } else if (fromLogits) {
        term = H::max(p, 0.0f) - p * t + H::log(1.0f + H::exp(-H::abs(p)));
      } else {
        // torch.nn.functional.binary_cross_entropy clamps the logs at -100
        // (a NaN prediction still gives NaN: anyNaN below).
        term = -(t * H::max(H::log(p), -100.0f) +
                 (1.0f - t) * H::max(H::log(1.0f - p), -100.0f));
      }
      return define(name, {}, type, [&](const std::vector<H::Expr> &) {
        return H::select(anyNaN, nan, H::sum(term) / H::cast(type, count));
      });
    }
    // Cross-entropies over the last (class) dim, averaged over the rest.
    H::RDom rc(0, pr.extents[r - 1], "c");
    std::vector<H::Expr> lead(pr.extents.begin(), pr.extents.end() - 1);
    auto row = [&](const std::vector<H::Expr> &idx, H::Expr c) {
      std::vector<H::Expr> s = idx;
      s.push_back(c);
      return s;
    };
    // Per-row log-sum-exp (with from_logits) and the row's loss.
    Tensor mx = define("ce_max", lead, type, [&](const std::vector<H::Expr> &idx) {
      return H::maximum(pr(row(idx, rc)));
    });
    Tensor lse = define("ce_lse", lead, type, [&](const std::vector<H::Expr> &idx) {
      return mx(idx) + H::log(H::sum(H::exp(pr(row(idx, rc)) - mx(idx))));
    });
    auto logp = [&](const std::vector<H::Expr> &idx, H::Expr c) -> H::Expr {
      if (fromLogits)
        return pr(row(idx, c)) - lse(idx);
      return H::log(pr(row(idx, c)));
    };
    Tensor perRowLoss = define("ce_row", lead, type, [&](const std::vector<H::Expr> &idx) {
      if (isa<CategoricalCrossEntropyOp>(op))
        return -H::sum(H::cast(type, tg(row(idx, rc))) * logp(idx, rc));
      // A label outside [0, C) fails the kernel (halide_error_code_requirement_failed).
      H::Expr raw = H::cast<int>(tg(idx));
      // The clamp only bounds the access for Halide; require has failed first.
      H::Expr label = H::clamp(
          H::require(raw >= 0 && raw < pr.extents[r - 1], raw,
                     "sparse_categorical_cross_entropy: label", raw,
                     "is outside [0,", pr.extents[r - 1], ")"),
          0, pr.extents[r - 1] - 1);
      return -logp(idx, label);
    });
    if (fromLogits) {
      reductions.push_back(mx.func);
      reductions.push_back(lse.func);
    }
    reductions.push_back(perRowLoss.func);
    H::Region region;
    H::Expr count = 1;
    for (int i = 0; i < r - 1; ++i) {
      region.push_back(H::Range(0, pr.extents[i]));
      count = count * pr.extents[i];
    }
    if (r == 1)
      return define(name, {}, type, [&](const std::vector<H::Expr> &) {
        return H::select(anyNaN, nan, perRowLoss({}));
      });
    H::RDom rn(region, "n");
    std::vector<H::Expr> at;
    for (int i = 0; i < r - 1; ++i)
      at.push_back(rn[i]);
    return define(name, {}, type, [&](const std::vector<H::Expr> &) {
      return H::select(anyNaN, nan, H::sum(perRowLoss(at)) / H::cast(type, count));
    });
  }

  if (auto gg = dyn_cast<GeluGradOp>(op)) {
    Tensor x = get(gg.getInput()), g = get(gg.getGrad());
    bool tanhForm = gg.getApproximate() == GeluApproximation::tanh;
    return define(name, x.extents, type, [&](const std::vector<H::Expr> &idx) -> H::Expr {
      H::Expr v = x(idx);
      if (tanhForm) {
        const float k = 0.7978845608028654f;
        H::Expr t = H::tanh(k * (v + 0.044715f * v * v * v));
        return g(idx) * (0.5f * (1.0f + t) +
                         0.5f * v * (1.0f - t * t) * k * (1.0f + 3.0f * 0.044715f * v * v));
      }
      H::Expr cdf = 0.5f * (1.0f + H::erf(v * 0.7071067811865476f));
      H::Expr pdf = H::exp(-0.5f * v * v) * 0.3989422804014327f;
      return g(idx) * (cdf + v * pdf);
    });
  }
  if (auto sg = dyn_cast<SliceGradOp>(op)) {
    Tensor g = get(sg.getGrad()), x = get(sg.getInput());
    int r = x.rank();
    std::vector<H::Expr> start(r, 0), step(r, 1), len = x.extents;
    auto axes = sg.getAxes();
    for (size_t i = 0; i < axes.size(); ++i) {
      int ax = axes[i] < 0 ? axes[i] + r : axes[i];
      H::Expr n = x.extents[ax];
      int64_t s0 = sg.getStarts()[i], e0 = sg.getEnds()[i], st = sg.getSteps()[i];
      auto norm = [&](int64_t v) -> H::Expr {
        H::Expr e = v < 0 ? H::Expr(n + (int)std::max<int64_t>(v, INT32_MIN))
                          : H::Expr((int)std::min<int64_t>(v, INT32_MAX));
        return H::clamp(e, 0, n);
      };
      H::Expr b = norm(s0), e = norm(e0);
      start[ax] = b;
      step[ax] = (int)st;
      len[ax] = H::max(0, (e - b + (int)st - 1) / (int)st);
    }
    return define(name, x.extents, type, [&](const std::vector<H::Expr> &idx) {
      H::Expr inside = H::Internal::const_true();
      std::vector<H::Expr> src;
      for (int i = 0; i < r; ++i) {
        H::Expr p = idx[i] - start[i];
        inside = inside && p >= 0 && p % step[i] == 0 && p / step[i] < len[i];
        src.push_back(H::clamp(p / step[i], 0, H::max(len[i] - 1, 0)));
      }
      return H::select(inside, g(src), H::Internal::make_zero(type));
    });
  }
  if (auto sa = dyn_cast<ScatterAddOp>(op)) {
    Tensor g = get(sa.getGrad()), ind = get(sa.getIndices()), ref = get(sa.getReference());
    int r = ref.rank(), q = ind.rank(), gr = g.rank();
    int64_t axis = (int64_t)sa.getAxis() < 0 ? (int64_t)sa.getAxis() + r : (int64_t)sa.getAxis();
    H::Func acc("scatter_acc");
    std::vector<H::Var> vars;
    for (int i = 0; i < r; ++i)
      vars.emplace_back("s" + std::to_string(i));
    acc(std::vector<H::Var>(vars.rbegin(), vars.rend())) = H::Internal::make_zero(type);
    H::Region region;
    for (int i = 0; i < gr; ++i)
      region.push_back(H::Range(0, g.extents[i]));
    H::RDom rg(region, "rg");
    std::vector<H::Expr> gi;
    for (int i = 0; i < gr; ++i)
      gi.push_back(rg[i]);
    std::vector<H::Expr> ii(gi.begin() + axis, gi.begin() + axis + q);
    H::Expr n = ref.extents[axis];
    H::Expr v = H::cast<int>(ind(ii));
    v = H::clamp(H::select(v < 0, v + n, v), 0, n - 1);
    std::vector<H::Expr> dst(gi.begin(), gi.begin() + axis);
    dst.push_back(v);
    dst.insert(dst.end(), gi.begin() + axis + q, gi.end());
    acc(std::vector<H::Expr>(dst.rbegin(), dst.rend())) += g(gi);
    // A scatter: serial over the cotangent (rows may repeat).
    acc.update().unscheduled();
    reductions.push_back(acc);
    return define(name, ref.extents, type, [&](const std::vector<H::Expr> &idx) {
      return acc(std::vector<H::Expr>(idx.rbegin(), idx.rend()));
    });
  }
  if (isa<Conv2DGradInputOp, Conv2DGradFilterOp>(op)) {
    auto s = op->getAttrOfType<mlir::DenseI64ArrayAttr>("strides").asArrayRef();
    auto p = op->getAttrOfType<mlir::DenseI64ArrayAttr>("padding").asArrayRef();
    auto d = op->getAttrOfType<mlir::DenseI64ArrayAttr>("dilation").asArrayRef();
    int groups = (int)op->getAttrOfType<mlir::IntegerAttr>("groups").getInt();
    Tensor g = get(op->getOperand(0));
    auto gType = tensorType(op->getOperand(0));
    if (gType.isDynamicDim(2) || gType.isDynamicDim(3))
      throw Unsupported("conv2d gradients with a dynamic spatial size");
    int OH = (int)gType.getDimSize(2), OW = (int)gType.getDimSize(3);
    if (auto gi = dyn_cast<Conv2DGradInputOp>(op)) {
      Tensor w = get(gi.getFilter()), x = get(gi.getInput());
      auto wType = tensorType(gi.getFilter());
      int O = (int)wType.getDimSize(0), Cg = (int)wType.getDimSize(1),
          KH = (int)wType.getDimSize(2), KW = (int)wType.getDimSize(3), Og = O / groups;
      if (s[0] == 1 && s[1] == 1 && d[0] == 1 && d[1] == 1) {
        // Unit stride and dilation: a convolution of the zero-padded
        // cotangent with the flipped filter, scheduled like conv2d.
        H::Func gpad("grad_padded");
        H::Var a("a"), bb("b"), c("c"), n("n");
        H::Expr inside = a >= 0 && a < OW && bb >= 0 && bb < OH;
        gpad(a, bb, c, n) = H::select(
            inside, g({n, c, H::clamp(bb, 0, OH - 1), H::clamp(a, 0, OW - 1)}),
            H::Internal::make_zero(type));
        H::RDom rk(0, Og, 0, KH, 0, KW, "rk");
        H::Func acc("conv_grad_input_acc");
        H::Var ix("ix"), iy("iy"), ic("ic"), in("in");
        acc(ix, iy, ic, in) = H::Internal::make_zero(type);
        H::Expr o = (ic / Cg) * Og + rk.x;
        H::Expr tap = gpad(ix + (int)p[1] - rk.z, iy + (int)p[0] - rk.y, o, in);
        auto xType = tensorType(gi.getInput());
        if (sched.kind == "conv_channel_tiled") {
          if (groups != 1 || xType.isDynamicDim(2) || xType.isDynamicDim(3))
            throw Unsupported("schedule 'conv_channel_tiled' needs groups = 1 and "
                              "a static height and width");
          // Input channels become vector lanes (see conv2d).
          H::Func filt("conv_filter_t");
          H::Var fi("fi"), fo("fo"), fy("fy"), fx("fx");
          filt(fi, fo, fy, fx) = w({fo, fi, fy, fx});
          acc(ix, iy, ic, in) += tap * filt(ic, rk.x, rk.y, rk.z);
          convFilter = filt;
          convChannels = Cg;
        } else {
          acc(ix, iy, ic, in) += tap * w({o, ic % Cg, rk.y, rk.z});
        }
        convAcc = acc;
        convIn = gpad;
        convRk = rk;
        return define(name, x.extents, type, [&](const std::vector<H::Expr> &idx) {
          return acc(idx[3], idx[2], idx[1], idx[0]);
        });
      }
      H::RDom rk(0, Og, 0, KH, 0, KW, "rk");
      Tensor dx = define(name, x.extents, type, [&](const std::vector<H::Expr> &idx) {
        H::Expr n = idx[0], c = idx[1], y = idx[2], xx = idx[3];
        H::Expr o = (c / Cg) * Og + rk.x;
        H::Expr ty = y + (int)p[0] - rk.y * (int)d[0], tx = xx + (int)p[1] - rk.z * (int)d[1];
        H::Expr oy = ty / (int)s[0], ox = tx / (int)s[1];
        H::Expr valid = ty >= 0 && tx >= 0 && ty % (int)s[0] == 0 && tx % (int)s[1] == 0 &&
                        oy < OH && ox < OW;
        H::Expr gv = g({n, o, H::clamp(oy, 0, OH - 1), H::clamp(ox, 0, OW - 1)});
        return H::sum(H::select(valid, gv * w({o, c % Cg, rk.y, rk.z}),
                                H::Internal::make_zero(type)));
      });
      return dx;
    }
    auto gf = mlir::cast<Conv2DGradFilterOp>(op);
    Tensor x = get(gf.getInput()), w = get(gf.getFilter());
    auto wType = tensorType(gf.getFilter());
    int O = (int)wType.getDimSize(0), Cg = (int)wType.getDimSize(1), Og = O / groups;
    // The zero-padded input, materialized once.
    H::Func xin("grad_filter_in");
    {
      H::Var a("a"), bb("b"), c("c"), n("n");
      H::Expr inside = a >= 0 && a < x.extents[3] && bb >= 0 && bb < x.extents[2];
      xin(a, bb, c, n) = H::select(
          inside, x({n, c, H::clamp(bb, 0, x.extents[2] - 1), H::clamp(a, 0, x.extents[3] - 1)}),
          H::Internal::make_zero(type));
    }
    H::Func acc("conv_grad_filter_acc");
    H::Var kx("kx"), ky("ky"), ci("ci"), o("o");
    acc(kx, ky, ci, o) = H::Internal::make_zero(type);
    int KW = (int)wType.getDimSize(3);
    if (sched.kind == "conv_grad_filter_tiled") {
      if (groups != 1)
        throw Unsupported("schedule 'conv_grad_filter_tiled' needs groups = 1");
      // Output channels become vector lanes: the cotangent is transposed
      // once so that they are contiguous. Each batch element's sum over
      // output positions is a register tile (part), added into acc.
      H::Func gt("grad_filter_g_t"), part("conv_grad_filter_part");
      H::Var go("go"), gx("gx"), gy("gy"), gn("gn"), n("n");
      gt(go, gx, gy, gn) = g({gn, go, gy, gx});
      H::RDom rxy(0, OW, 0, OH, "rxy");
      part(kx, ky, ci, o, n) = H::Internal::make_zero(type);
      part(kx, ky, ci, o, n) += xin(rxy.x * (int)s[1] + kx * (int)d[1] - (int)p[1],
                                    rxy.y * (int)s[0] + ky * (int)d[0] - (int)p[0], ci, n) *
                                gt(o, rxy.x, rxy.y, n);
      H::RDom rn(0, g.extents[0], "rn");
      acc(kx, ky, ci, o) += part(kx, ky, ci, o, rn);
      gradFilterAcc = acc;
      gradFilterIn = xin;
      gradFilterPart = part;
      gradFilterG = gt;
      gradFilterRn = rn;
      gradFilterRp = rxy;
      gradFilterKW = KW;
      gradFilterChannels = O;
      return define(name, w.extents, type, [&](const std::vector<H::Expr> &idx) {
        return acc(idx[3], idx[2], idx[1], idx[0]);
      });
    }
    H::RDom rp(0, OW, 0, OH, 0, g.extents[0], "rp");
    acc(kx, ky, ci, o) += xin(rp.x * (int)s[1] + kx * (int)d[1] - (int)p[1],
                              rp.y * (int)s[0] + ky * (int)d[0] - (int)p[0],
                              (o / Og) * Cg + ci, rp.z) *
                          g({rp.z, o, rp.y, rp.x});
    gradFilterAcc = acc;
    gradFilterIn = xin;
    gradFilterRp = rp;
    return define(name, w.extents, type, [&](const std::vector<H::Expr> &idx) {
      return acc(idx[3], idx[2], idx[1], idx[0]);
    });
  }
  if (isa<MaxPool2DGradOp, AvgPool2DGradOp>(op)) {
    Tensor g = get(op->getOperand(0)), x = get(op->getOperand(1));
    auto k = op->getAttrOfType<mlir::DenseI64ArrayAttr>("kernel").asArrayRef();
    auto st = op->getAttrOfType<mlir::DenseI64ArrayAttr>("strides").asArrayRef();
    auto p = op->getAttrOfType<mlir::DenseI64ArrayAttr>("padding").asArrayRef();
    auto gType = tensorType(op->getOperand(0));
    if (gType.isDynamicDim(2) || gType.isDynamicDim(3))
      throw Unsupported("pooling gradients with a dynamic spatial size");
    int OH = (int)gType.getDimSize(2), OW = (int)gType.getDimSize(3);
    int KH = (int)k[0], KW = (int)k[1];
    // Row-major scan of each window, as PyTorch picks a tie's first maximum.
    H::RDom win(0, KW, 0, KH, "win");
    H::Func best("pool_argmax");
    H::Var ox("ox"), oy("oy"), c("c"), n("n");
    bool isMax = isa<MaxPool2DGradOp>(op);
    if (isMax) {
      H::Expr iy = oy * (int)st[0] + win.y - (int)p[0], ix = ox * (int)st[1] + win.x - (int)p[1];
      H::Expr inside = iy >= 0 && iy < x.extents[2] && ix >= 0 && ix < x.extents[3];
      H::Expr v = x({n, c, H::clamp(iy, 0, x.extents[2] - 1), H::clamp(ix, 0, x.extents[3] - 1)});
      best(ox, oy, c, n) = H::argmax(H::select(inside, v, type.min()));
      best.compute_root().parallel(n);
    }
    bool includePad = op->hasAttr("count_include_pad");
    auto count = [&](H::Expr cy, H::Expr cx) {
      H::Expr y0 = cy * (int)st[0] - (int)p[0], x0 = cx * (int)st[1] - (int)p[1];
      if (includePad)
        return (H::min(y0 + KH, x.extents[2] + (int)p[2]) - y0) *
               (H::min(x0 + KW, x.extents[3] + (int)p[3]) - x0);
      return (H::min(y0 + KH, x.extents[2]) - H::max(y0, 0)) *
             (H::min(x0 + KW, x.extents[3]) - H::max(x0, 0));
    };
    if (st[0] == KH && st[1] == KW) {
      // Windows that tile the input (2 x 2, stride 2): each input lies in
      // at most one window, so its gradient is a select, with no sum over
      // the windows that might hold it (and no division by a variable).
      return define(name, x.extents, type, [&](const std::vector<H::Expr> &idx) {
        H::Expr nn = idx[0], cc = idx[1];
        H::Expr ty = idx[2] + (int)p[0], tx = idx[3] + (int)p[1];
        H::Expr wy = ty / KH, wx = tx / KW;
        H::Expr valid = wy < OH && wx < OW;
        H::Expr cy = H::min(wy, OH - 1), cx = H::min(wx, OW - 1);
        H::Expr gv = g({nn, cc, cy, cx});
        H::Expr zero = H::Internal::make_zero(type);
        if (isMax) {
          H::Tuple am = best(cx, cy, cc, nn);
          H::Expr take = valid && H::Expr(am[0]) == tx - wx * KW && H::Expr(am[1]) == ty - wy * KH;
          return H::select(take, gv, zero);
        }
        return H::select(valid, gv / H::cast(type, H::max(count(cy, cx), 1)), zero);
      });
    }
    H::RDom rk(0, KW, 0, KH, "rk");
    return define(name, x.extents, type, [&](const std::vector<H::Expr> &idx) {
      H::Expr nn = idx[0], cc = idx[1], y = idx[2], xx = idx[3];
      H::Expr ty = y + (int)p[0] - rk.y, tx = xx + (int)p[1] - rk.x;
      H::Expr wy = ty / (int)st[0], wx = tx / (int)st[1];
      H::Expr valid = ty >= 0 && tx >= 0 && ty % (int)st[0] == 0 && tx % (int)st[1] == 0 &&
                      wy < OH && wx < OW;
      H::Expr cy = H::clamp(wy, 0, OH - 1), cx = H::clamp(wx, 0, OW - 1);
      H::Expr gv = g({nn, cc, cy, cx});
      H::Expr take;
      if (isMax) {
        H::Tuple am = best(cx, cy, cc, nn);
        take = valid && H::Expr(am[0]) == rk.x && H::Expr(am[1]) == rk.y;
        return H::sum(H::select(take, gv, H::Internal::make_zero(type)));
      }
      return H::sum(H::select(valid, gv / H::cast(type, H::max(count(cy, cx), 1)),
                              H::Internal::make_zero(type)));
    });
  }
  if (isa<StepOp>(op))
    return unary([](H::Expr x) {
      return H::select(x > H::Internal::make_zero(x.type()), H::Internal::make_one(x.type()),
                       H::Internal::make_zero(x.type()));
    });
  if (auto bl = dyn_cast<BroadcastLikeOp>(op)) {
    Tensor a = get(bl.getInput()), ref = get(bl.getReference());
    auto inType = tensorType(bl.getInput());
    return define(name, ref.extents, type, [&](const std::vector<H::Expr> &idx) {
      return a(broadcastIndex(a, inType, outType, idx));
    });
  }
  if (auto dm = dyn_cast<DropoutMaskOp>(op)) {
    Tensor x = get(dm.getInput()), seed = get(dm.getSeed());
    double rate = dm.getRate().convertToDouble();
    uint32_t salt = (uint32_t)dm.getSalt();
    return define(name, x.extents, type, [&](const std::vector<H::Expr> &idx) {
      // A counter-based hash of (element, op, step): murmur3's finalizer.
      H::Expr linear = H::cast<uint32_t>(0);
      for (size_t i = 0; i < idx.size(); ++i)
        linear = linear * H::cast<uint32_t>(x.extents[i]) + H::cast<uint32_t>(idx[i]);
      auto u32 = [](uint32_t v) { return H::Internal::make_const(H::UInt(32), (uint64_t)v); };
      H::Expr h = (linear * u32(0x9E3779B1u)) ^
                  (H::cast<uint32_t>(seed({})) * u32(0x85EBCA77u)) ^ u32(salt * 0xC2B2AE3Du);
      h = h ^ (h >> 16);
      h = h * u32(0x7FEB352Du);
      h = h ^ (h >> 15);
      h = h * u32(0x846CA68Bu);
      h = h ^ (h >> 16);
      H::Expr u = H::cast<float>(h >> 8) * (1.0f / 16777216.0f);
      return H::select(u < (float)rate, 0.0f, (float)(1.0 / (1.0 - rate)));
    });
  }
  if (auto upd = dyn_cast<AdamUpdateOp>(op)) {
    // The three results are outputs of one pipeline: the new parameter
    // reads the new moments instead of recomputing them.
    auto cached = multiResults.find(op);
    if (cached != multiResults.end())
      return cached->second[resultIndex];
    Tensor p = get(upd.getParam()), g = get(upd.getGrad()), m = get(upd.getM()),
           v = get(upd.getV()), t = get(upd.getStep()), lr = get(upd.getLearningRate());
    float b1 = upd.getBeta1().convertToDouble(), b2 = upd.getBeta2().convertToDouble(),
          eps = upd.getEpsilon().convertToDouble(),
          wd = upd.getWeightDecay().convertToDouble();
    Tensor m1 = define("adam_m", p.extents, type, [&](const std::vector<H::Expr> &idx) {
      return b1 * m(idx) + (1.0f - b1) * g(idx);
    });
    Tensor v1 = define("adam_v", p.extents, type, [&](const std::vector<H::Expr> &idx) {
      return b2 * v(idx) + (1.0f - b2) * g(idx) * g(idx);
    });
    Tensor p1 = define("adam_p", p.extents, type, [&](const std::vector<H::Expr> &idx) {
      // torch.optim.Adam's arithmetic (1.13, single-tensor), with the
      // bias corrections folded into two scalars: each element costs one
      // square root and one division. (Dividing m and v by the
      // corrections made three divisions, which bounded the update's
      // speed; multiplying by the reciprocal of sqrt(1 - beta2^t) differs
      // from PyTorch's division by at most an ulp of that term.)
      H::Expr step = t({}), rate = lr({});
      H::Expr stepSize = rate / (1.0f - H::pow(b1, step));
      H::Expr invBc2Sqrt = 1.0f / H::sqrt(1.0f - H::pow(b2, step));
      H::Expr denom = H::sqrt(v1(idx)) * invBc2Sqrt + eps;
      H::Expr p0 = wd != 0 ? p(idx) * (1.0f - rate * wd) : p(idx);
      return p0 - stepSize * m1(idx) / denom;
    });
    multiResults[op] = {p1, m1, v1};
    return multiResults[op][resultIndex];
  }
  if (auto upd = dyn_cast<SGDUpdateOp>(op)) {
    Tensor p = get(upd.getParam()), g = get(upd.getGrad()), buf = get(upd.getBuffer()),
           lr = get(upd.getLearningRate());
    float mom = upd.getMomentum().convertToDouble();
    bool nesterov = upd.getNesterov();
    return define(name, p.extents, type, [&](const std::vector<H::Expr> &idx) -> H::Expr {
      H::Expr b1 = mom * buf(idx) + g(idx);
      if (resultIndex == 1)
        return b1;
      H::Expr d = nesterov ? g(idx) + mom * b1 : b1;
      return p(idx) - lr({}) * d;
    });
  }
  if (isa<LossGradOp, AccuracyOp>(op)) {
    llvm::StringRef kind = op->getAttrOfType<mlir::StringAttr>("kind").getValue();
    bool fromLogits = op->hasAttr("from_logits");
    Tensor pr = get(op->getOperand(0)), tg = get(op->getOperand(1));
    int r = pr.rank();
    H::Expr count = 1, rows = 1;
    for (int i = 0; i < r; ++i)
      count = count * pr.extents[i];
    for (int i = 0; i + 1 < r; ++i)
      rows = rows * pr.extents[i];
    bool perRow = kind == "categorical_cross_entropy" ||
                  kind == "sparse_categorical_cross_entropy";
    H::RDom rc(0, pr.extents[r - 1], "c");
    std::vector<H::Expr> lead(pr.extents.begin(), pr.extents.end() - 1);
    auto row = [&](const std::vector<H::Expr> &idx, H::Expr c) {
      std::vector<H::Expr> s(idx.begin(), idx.begin() + (r - 1));
      s.push_back(c);
      return s;
    };
    auto leadOf = [&](const std::vector<H::Expr> &idx) {
      return std::vector<H::Expr>(idx.begin(), idx.begin() + (r - 1));
    };
    if (auto acc = dyn_cast<AccuracyOp>(op)) {
      H::Expr hits;
      H::Region region;
      if (kind == "binary_cross_entropy") {
        for (int i = 0; i < r; ++i)
          region.push_back(H::Range(0, pr.extents[i]));
        H::RDom all(region, "all");
        std::vector<H::Expr> at;
        for (int i = 0; i < r; ++i)
          at.push_back(all[i]);
        H::Expr predicted = pr(at) > (fromLogits ? 0.0f : 0.5f);
        H::Expr actual = H::cast<float>(tg(at)) > 0.5f;
        hits = H::sum(H::select(predicted == actual, 1.0f, 0.0f));
        return define(name, {}, type,
                      [&](const std::vector<H::Expr> &) { return hits / H::cast<float>(count); });
      }
      // Per row: argmax of the predictions against the label / target argmax.
      Tensor best = define("acc_argmax", lead, H::Int(32), [&](const std::vector<H::Expr> &idx) {
        return H::argmax(pr(row(idx, rc)))[0];
      });
      Tensor hit = define("acc_hit", lead, type, [&](const std::vector<H::Expr> &idx) {
        H::Expr want = kind == "sparse_categorical_cross_entropy"
                           ? H::cast<int>(tg(idx))
                           : H::Expr(H::argmax(H::cast<float>(tg(row(idx, rc))))[0]);
        return H::select(best(idx) == want, 1.0f, 0.0f);
      });
      reductions.push_back(best.func);
      reductions.push_back(hit.func);
      if (r == 1)
        return define(name, {}, type, [&](const std::vector<H::Expr> &) { return hit({}); });
      for (int i = 0; i + 1 < r; ++i)
        region.push_back(H::Range(0, pr.extents[i]));
      H::RDom rn(region, "n");
      std::vector<H::Expr> at;
      for (int i = 0; i + 1 < r; ++i)
        at.push_back(rn[i]);
      return define(name, {}, type, [&](const std::vector<H::Expr> &) {
        return H::sum(hit(at)) / H::cast<float>(rows);
      });
    }
    Tensor g = get(op->getOperand(2));
    H::Expr scale = g({}) / H::cast<float>(perRow ? rows : count);
    bool wrtTargets = op->hasAttr("wrt_targets");
    if (wrtTargets && !perRow) {
      return define(name, pr.extents, type, [&](const std::vector<H::Expr> &idx) -> H::Expr {
        H::Expr p = pr(idx), t = H::cast<float>(tg(idx));
        if (kind == "mse")
          return -2.0f * (p - t) * scale;
        if (fromLogits)
          return -p * scale;
        return -(nanMax(H::log(p), H::Expr(-100.0f)) -
                 nanMax(H::log(1.0f - p), H::Expr(-100.0f))) * scale;
      });
    }
    if (!perRow) {
      return define(name, pr.extents, type, [&](const std::vector<H::Expr> &idx) -> H::Expr {
        H::Expr p = pr(idx), t = H::cast<float>(tg(idx));
        if (kind == "mse")
          return 2.0f * (p - t) * scale;
        if (fromLogits)
          return (sigmoid(p) - t) * scale;
        // torch's binary_cross_entropy backward: eps-clamped denominator.
        return (p - t) / nanMax((1.0f - p) * p, H::Expr(1e-12f)) * scale;
      });
    }
    // Row softmax (from logits), and the sum of each row's targets.
    Tensor mx = define("lg_max", lead, type, [&](const std::vector<H::Expr> &idx) {
      return H::maximum(pr(row(idx, rc)));
    });
    Tensor se = define("lg_sumexp", lead, type, [&](const std::vector<H::Expr> &idx) {
      return H::sum(H::exp(pr(row(idx, rc)) - mx(idx)));
    });
    if (fromLogits) {
      reductions.push_back(mx.func);
      reductions.push_back(se.func);
    }
    Tensor tsum;
    if (kind == "categorical_cross_entropy") {
      tsum = define("lg_tsum", lead, type, [&](const std::vector<H::Expr> &idx) {
        return H::sum(H::cast<float>(tg(row(idx, rc))));
      });
      reductions.push_back(tsum.func);
    }
    if (wrtTargets) // categorical cross-entropy: -log p per class
      return define(name, pr.extents, type, [&](const std::vector<H::Expr> &idx) -> H::Expr {
        std::vector<H::Expr> li = leadOf(idx);
        H::Expr logp = fromLogits ? pr(idx) - mx(li) - H::log(se(li)) : H::log(pr(idx));
        return -logp * scale;
      });
    return define(name, pr.extents, type, [&](const std::vector<H::Expr> &idx) -> H::Expr {
      std::vector<H::Expr> li = leadOf(idx);
      H::Expr c = idx[r - 1];
      H::Expr t = kind == "sparse_categorical_cross_entropy"
                      ? H::select(H::cast<int>(tg(li)) == c, 1.0f, 0.0f)
                      : H::cast<float>(tg(idx));
      if (!fromLogits)
        return -t / pr(idx) * scale;
      H::Expr sm = H::exp(pr(idx) - mx(li)) / se(li);
      H::Expr total = kind == "sparse_categorical_cross_entropy" ? H::Expr(1.0f) : tsum(li);
      return (sm * total - t) * scale;
    });
  }

  throw Unsupported("'" + op->getName().getStringRef().str() +
                    "' has no Halide lowering");
}


/// The LSTM cell's arguments (x_t [B,I], h_prev [B,H], c_prev [B,H] with
/// any row stride, then w_ih, w_hh, bias) and its gates
/// x_t w_ih^T + h_prev w_hh^T + bias, PyTorch's order (i, f, g, o).
KernelBuilder::LSTMCellInputs KernelBuilder::lstmCellInputs() {
  auto xType = tensorType(kernel.inputs[0]);
  auto whhType = tensorType(kernel.inputs[2]);
  if (xType.isDynamicDim(2) || whhType.isDynamicDim(0) || whhType.isDynamicDim(1))
    throw Unsupported("lstm with a dynamic feature or hidden size");
  LSTMCellInputs in;
  in.I = (int)xType.getDimSize(2);
  in.H = (int)whhType.getDimSize(1);
  in.x = lstmState("x_t", in.I);
  in.h = lstmState("h_prev", in.H);
  in.c = lstmState("c_prev", in.H);
  for (int i = 1; i < 4; ++i)
    in.weights.push_back(lstmWeight(kernel.inputs[i], "w" + std::to_string(i)));
  H::RDom rk(0, in.I, "k"), rm(0, in.H, "m");
  H::Var g("g"), b("b");
  Tensor &wih = in.weights[0], &whh = in.weights[1], &bias = in.weights[2];
  in.gates = H::Func("lstm_gates");
  in.gates(g, b) = bias({g}) + H::sum(in.x({b, rk}) * wih({g, rk})) +
                   H::sum(in.h({b, rm}) * whh({g, rm}));
  in.gates.compute_root().parallel(b).vectorize(g, vectorWidth, H::TailStrategy::GuardWithIf);
  return in;
}

/// A [B, inner] argument with unit stride along inner and any row stride.
Tensor KernelBuilder::lstmState(const std::string &name, int inner) {
  H::ImageParam p(H::Float(32), 2, name);
  p.dim(0).set_min(0).set_extent(inner).set_stride(1);
  p.dim(1).set_min(0);
  lstmArgs.push_back(p);
  return Tensor{H::Func(p), {p.dim(1).extent(), H::Expr(inner)}, H::Float(32)};
}

/// A dense argument of `like`'s static shape.
Tensor KernelBuilder::lstmWeight(Value like, const std::string &name) {
  auto t = tensorType(like);
  int r = t.getRank();
  H::ImageParam p(H::Float(32), r, name);
  std::vector<H::Expr> extents;
  for (int d = 0; d < r; ++d) {
    p.dim(r - 1 - d).set_min(0).set_extent((int)t.getDimSize(d));
    extents.push_back((int)t.getDimSize(d));
  }
  p.dim(0).set_stride(1);
  lstmArgs.push_back(p);
  return Tensor{H::Func(p), extents, H::Float(32)};
}

void KernelBuilder::lowerLSTMCell(std::vector<H::Func> &outputs) {
  LSTMCellInputs in = lstmCellInputs();
  int Hd = in.H;
  H::Var b("b"), j("j");
  H::Func cNew("lstm_c"), hNew("lstm_h");
  cNew(j, b) = sigmoid(in.gates(j + Hd, b)) * in.c({b, j}) +
               sigmoid(in.gates(j, b)) * H::tanh(in.gates(j + 2 * Hd, b));
  hNew(j, b) = sigmoid(in.gates(j + 3 * Hd, b)) * H::tanh(cNew(j, b));
  outputs = {hNew, cNew};
}

void KernelBuilder::lowerLSTMGradCell(std::vector<H::Func> &outputs) {
  // One reverse step of backpropagation through time; the gates are
  // recomputed from x_t and h_prev. With tc = tanh(c_t):
  //   dh' = dh + d_out_t,  dc' = dc + dh' o (1 - tc^2),
  //   dz = (dc' g i(1-i), dc' c_prev f(1-f), dc' i (1-g^2), dh' tc o(1-o)),
  //   dx_t = dz w_ih,  dh_prev = dz w_hh,  dc_prev = dc' f,
  //   d_w_ih += dz^T x_t,  d_w_hh += dz^T h_prev,  d_bias += sum_b dz.
  LSTMCellInputs in = lstmCellInputs();
  int Hd = in.H, I = in.I;
  Tensor dOut = lstmState("d_out_t", Hd), dh = lstmState("dh", Hd), dc = lstmState("dc", Hd);
  Tensor dwih = lstmWeight(kernel.inputs[1], "d_w_ih"),
         dwhh = lstmWeight(kernel.inputs[2], "d_w_hh"),
         dbias = lstmWeight(kernel.inputs[3], "d_bias");
  Tensor &wih = in.weights[0], &whh = in.weights[1];
  H::Var b("b"), j("j"), g("g"), k("k");
  auto gate = [&](int q, H::Expr jj, H::Expr bb) { return in.gates(jj + q * Hd, bb); };
  auto ig = [&](H::Expr jj, H::Expr bb) { return sigmoid(gate(0, jj, bb)); };
  auto fg = [&](H::Expr jj, H::Expr bb) { return sigmoid(gate(1, jj, bb)); };
  auto gg = [&](H::Expr jj, H::Expr bb) { return H::tanh(gate(2, jj, bb)); };
  auto og = [&](H::Expr jj, H::Expr bb) { return sigmoid(gate(3, jj, bb)); };
  // The state cotangents are read into Funcs computed before any output
  // is written: dh and dc are updated in place by the host.
  H::Func tc("lstm_tanh_c"), dhTot("lstm_dh"), dcTot("lstm_dc"), dz("lstm_dz");
  tc(j, b) = H::tanh(fg(j, b) * in.c({b, j}) + ig(j, b) * gg(j, b));
  dhTot(j, b) = dh({b, j}) + dOut({b, j});
  dcTot(j, b) = dc({b, j}) + dhTot(j, b) * og(j, b) * (1.0f - tc(j, b) * tc(j, b));
  H::Expr q = g / Hd, jj = g % Hd;
  H::Expr i = ig(jj, b), f = fg(jj, b), gv = gg(jj, b), o = og(jj, b);
  dz(g, b) = H::select(q == 0, dcTot(jj, b) * gv * i * (1.0f - i),
                       q == 1, dcTot(jj, b) * in.c({b, jj}) * f * (1.0f - f),
                       q == 2, dcTot(jj, b) * i * (1.0f - gv * gv),
                       dhTot(jj, b) * tc(jj, b) * o * (1.0f - o));
  H::RDom rg(0, 4 * Hd, "rg"), rb(0, in.x.extents[0], "rb");
  H::Func dx("lstm_dx"), dhPrev("lstm_dh_prev"), dcPrev("lstm_dc_prev");
  H::Func dwihNew("lstm_d_w_ih"), dwhhNew("lstm_d_w_hh"), dbNew("lstm_d_bias");
  dx(k, b) = H::sum(dz(rg, b) * wih({rg, k}));
  dhPrev(j, b) = H::sum(dz(rg, b) * whh({rg, j}));
  dcPrev(j, b) = dcTot(j, b) * fg(j, b);
  dwihNew(k, g) = dwih({g, k}) + H::sum(dz(g, rb) * in.x({rb, k}));
  dwhhNew(j, g) = dwhh({g, j}) + H::sum(dz(g, rb) * in.h({rb, j}));
  dbNew(g) = dbias({g}) + H::sum(dz(g, rb));
  const int V = vectorWidth;
  using TS = H::TailStrategy;
  for (H::Func fn : {tc, dhTot, dcTot})
    fn.compute_root().vectorize(j, V, TS::GuardWithIf);
  dz.compute_root().parallel(b).vectorize(g, V, TS::GuardWithIf);
  dx.vectorize(k, V, TS::GuardWithIf).parallel(b);
  for (H::Func fn : {dhPrev, dcPrev})
    fn.vectorize(j, V, TS::GuardWithIf).parallel(b);
  dwihNew.vectorize(k, V, TS::GuardWithIf).parallel(g);
  dwhhNew.vectorize(j, V, TS::GuardWithIf).parallel(g);
  dbNew.vectorize(g, V, TS::GuardWithIf);
  (void)I;
  outputs = {dx, dhPrev, dcPrev, dwihNew, dwhhNew, dbNew};
}

void KernelBuilder::schedule(std::vector<H::Func> &outs) {
  const int V = (int)sched.vector;
  const std::string &kind = sched.kind;
  using TS = H::TailStrategy;
  // Only loops that the schedule lets run in parallel do.
  auto parallel = [&](H::Func f, H::VarOrRVar v) {
    if (sched.parallel)
      f.parallel(v);
  };
  auto needs = [&](bool ok, const char *what) {
    if (!ok)
      throw Unsupported("schedule '" + kind + "' needs " + what);
  };
  // A matmul's transposed right-hand side (w^T of a dense layer), made
  // contiguous once per call, in V x V blocks: each block's V strided
  // rows of w are read while they share cache lines, and its stores are
  // whole vectors (2x faster than a row at a time for the MLP's 784 x 128
  // weight: 27-32 against 60 us).
  auto transposeOnce = [&](H::Func t) {
    std::vector<H::Var> a = t.args(); // j, k
    H::Var jo("tjo"), ko("tko"), ji("tji"), ki("tki");
    t.compute_root()
        .tile(a[0], a[1], jo, ko, ji, ki, V, V, TS::GuardWithIf)
        .vectorize(ji)
        .unroll(ki);
    parallel(t, ko);
  };
  for (H::Func &f : reductions) {
    f.compute_root();
    if (f.dimensions() >= 2)
      parallel(f, f.args().back());
  }
  for (H::Func &out : outs) {
    std::vector<H::Var> vars = out.args();
    int r = (int)vars.size();
    if (r == 0)
      continue;
    if (kind == "matmul_dot") {
      needs(matmulAcc.defined() && r == 2, "a matmul anchor");
      // x @ w^T with w stored [N, K] (every dense layer) and few rows: a
      // weight-bandwidth-bound matrix-vector product. Both operands are
      // contiguous along k, so k is vectorized -- V partial sums per output,
      // by rfactor -- over 8 outputs at a time, in parallel; w is read once.
      H::Var j = vars[0], i = vars[1], jo("jo"), io("io"), ji("ji"), ii("ii"), t("t");
      out.tile(j, i, jo, io, ji, ii, tileOr(sched, 0, 8), 1, TS::GuardWithIf)
          .fuse(jo, io, t);
      parallel(out, t);
      H::RVar ko("ko"), ki("ki");
      H::Var u("u");
      H::Func partial =
          matmulAcc.update().split(matmulK.x, ko, ki, V).rfactor(ki, u);
      matmulAcc.compute_at(out, t);
      H::Var aj = matmulAcc.args()[0], ai = matmulAcc.args()[1];
      partial.compute_at(out, t).vectorize(u);
      partial.update().reorder(u, aj, ai, ko).vectorize(u).unroll(aj).unroll(ai);
      continue;
    }
    if (kind == "matmul_tiled") {
      needs(matmulAcc.defined() && r == 2, "a matmul anchor");
      // Register blocking as Halide's matrix-multiplication performance
      // test: the output in tiles of tx columns x ty rows (tasks in
      // parallel), each computed ry rows at a time with tx / V x ry vector
      // accumulators live through the whole k loop; the right-hand side's
      // tx-column panel, packed, stays in L2 while the tile's rows stream
      // over it.
      int tx = tileOr(sched, 0, 3 * V), ty = tileOr(sched, 1, 32), ry = tileOr(sched, 2, 4);
      H::Var j = vars[0], i = vars[1], jo("jo"), io("io"), ji("ji"), ii("ii"), iii("iii"),
             t("t");
      // Shifted tails read no column or row outside the operands (the
      // accumulators are computed for whole register tiles); they need at
      // least tx columns and ry rows, which dl-tile checks.
      // Rows split into whole ry-row blocks first (the last one shifted),
      // then ty / ry blocks per task (the last task guarded).
      H::Var ib("ib");
      out.split(j, jo, ji, tx, TS::ShiftInwards)
          .split(i, ib, iii, ry, TS::ShiftInwards)
          .split(ib, io, ii, std::max(1, ty / ry), TS::GuardWithIf)
          .reorder(ji, iii, ii, jo, io)
          .fuse(jo, io, t)
          .vectorize(ji, V)
          .unroll(ji)
          .unroll(iii);
      parallel(out, t);
      H::Var aj = matmulAcc.args()[0], ai = matmulAcc.args()[1];
      matmulAcc.compute_at(out, ii)
          .store_in(H::MemoryType::Register)
          .bound_extent(aj, tx)
          .bound_extent(ai, ry)
          .vectorize(aj, V)
          .unroll(aj)
          .unroll(ai);
      matmulAcc.update()
          .reorder(aj, ai, matmulK.x)
          .vectorize(aj, V)
          .unroll(aj)
          .unroll(ai);
      // The task's tx-column panel of the right-hand side is packed
      // contiguous first (as BLAS packs B): its rows are then adjacent
      // instead of a full row stride apart, which costs cache sets and TLB
      // entries at large N.
      // A transposed view (w^T of a dense layer) is either transposed once
      // per call first (tile[3] = 1: small weights, many row tiles) or
      // packed straight from w by each task (large weights, few rows).
      if (matmulRhsIsView && tileOr(sched, 3, 0))
        transposeOnce(matmulRhs);
      H::Func panel = matmulRhs.in(matmulAcc);
      panel.compute_at(out, t);
      panel.vectorize(panel.args()[0], V, TS::GuardWithIf);
      continue;
    }
    if (kind == "matmul_packed") {
      needs(matmulLhsPacked.defined() && r == 2, "a matmul anchor");
      // GotoBLAS / BLIS (Goto and van de Geijn, "Anatomy of high-performance
      // matrix multiplication", TOMS 2008; BLIS's haswell 6 x 16 sgemm
      // micro-kernel): the right-hand side is packed once per call into
      // tx-column panels; tasks of ty rows x nc columns run in parallel;
      // within a task, k runs in kc-long slices, and per slice the task's
      // rows are packed into ry-row slivers (L2) that stream past each
      // panel's kc x tx slice (L1) while tx / V x ry accumulators stay in
      // registers. Each slice's sums are added into the task's ty x nc
      // tile.
      int tx = tileOr(sched, 0, 2 * V), ty = tileOr(sched, 1, 192), ry = tileOr(sched, 2, 6),
          kc = tileOr(sched, 3, 256), nc = tileOr(sched, 4, 512);
      needs(tx % V == 0 && ty % ry == 0 && nc % tx == 0,
            "tile [tx, ty, ry, kc, nc] with tx a multiple of the vector, ty of ry "
            "and nc of tx");
      H::Var j = vars[0], i = vars[1], jc("jc"), jj("jj"), io("io"), ii("ii"), t("t");
      out.split(i, io, ii, ty, TS::GuardWithIf)
          .split(j, jc, jj, nc, TS::GuardWithIf)
          .reorder(jj, ii, jc, io)
          .fuse(jc, io, t)
          .vectorize(jj, V, TS::GuardWithIf);
      parallel(out, t);
      H::RVar ko("ko"), ki("ki");
      H::Var u("u"), ajo("ajo"), aji("aji"), aio("aio"), aii("aii");
      H::Func part =
          matmulAcc.update().split(matmulK.x, ko, ki, kc, TS::GuardWithIf).rfactor(ko, u);
      H::Var aj = matmulAcc.args()[0], ai = matmulAcc.args()[1];
      matmulAcc.compute_at(out, t).vectorize(aj, V, TS::GuardWithIf);
      matmulAcc.update()
          .split(aj, ajo, aji, tx, TS::GuardWithIf)
          .split(ai, aio, aii, ry, TS::GuardWithIf)
          .reorder(aji, aii, aio, ajo, ko)
          .vectorize(aji, V)
          .unroll(aji)
          .unroll(aii);
      std::vector<H::Var> pv = part.args(); // j, i, u
      part.compute_at(matmulAcc, aio)
          .store_in(H::MemoryType::Register)
          .bound_extent(pv[0], tx)
          .bound_extent(pv[1], ry)
          .vectorize(pv[0], V)
          .unroll(pv[0])
          .unroll(pv[1])
          .unroll(pv[2]);
      part.update()
          .reorder(pv[0], pv[1], ki, pv[2])
          .vectorize(pv[0], V)
          .unroll(pv[0])
          .unroll(pv[1]);
      std::vector<H::Var> rv = matmulRhsPacked.args(); // c, k, block
      matmulRhsPacked.compute_root().bound(rv[0], 0, tx).vectorize(rv[0], V);
      parallel(matmulRhsPacked, rv[2]);
      std::vector<H::Var> lv = matmulLhsPacked.args(); // r, k, block
      matmulLhsPacked.compute_at(matmulAcc, ko).bound(lv[0], 0, ry).unroll(lv[0]);
      continue;
    }
    if (kind == "matmul_rows") {
      needs(matmulAcc.defined() && r == 2, "a matmul anchor");
      // Many rows (or a plain [K, N] right-hand side): w^T is packed
      // contiguous once per call, then each row's accumulators stream over
      // it with j vectorized; rows run in parallel.
      H::Var j = vars[0], i = vars[1];
      parallel(out, i);
      out.vectorize(j, V, TS::GuardWithIf);
      H::Var aj = matmulAcc.args()[0], ai = matmulAcc.args()[1];
      matmulAcc.compute_at(out, i).vectorize(aj, V, TS::GuardWithIf);
      matmulAcc.update().reorder(aj, matmulK.x, ai).vectorize(aj, V, TS::GuardWithIf);
      if (matmulRhsIsView)
        transposeOnce(matmulRhs);
      continue;
    }
    if (kind == "conv_grad_filter_tiled") {
      needs(gradFilterPart.defined() && r == 4, "a conv2d_grad_filter anchor");
      // For each batch element (serial), input channels in parallel: a
      // tile of 2V output channels x every kx stays in registers through
      // the sum over output positions, then is added into acc.
      std::vector<H::Var> av = gradFilterAcc.args(); // kx, ky, ci, o
      std::vector<H::Var> pv = gradFilterPart.args(); // kx, ky, ci, o, n
      int ot = tileOr(sched, 0, gradFilterChannels % (2 * V) == 0 ? 2 * V : V);
      int kxt = tileOr(sched, 1, gradFilterKW);
      parallel(out, vars[3]);
      gradFilterAcc.compute_root().reorder_storage(av[3], av[0], av[1], av[2]);
      H::Var oo("oo"), oi("oi"), kxo("kxo"), kxi("kxi");
      gradFilterAcc.update()
          .split(av[3], oo, oi, ot, TS::GuardWithIf)
          .split(av[0], kxo, kxi, kxt, TS::GuardWithIf)
          .reorder(oi, kxi, kxo, oo, av[1], av[2], gradFilterRn.x)
          .vectorize(oi, V)
          .unroll(oi)
          .unroll(kxi);
      if (sched.parallel)
        gradFilterAcc.update().parallel(av[2]);
      gradFilterPart.compute_at(gradFilterAcc, oo)
          .store_in(H::MemoryType::Stack)
          .reorder_storage(pv[3], pv[0], pv[1], pv[2], pv[4])
          .vectorize(pv[3], V)
          .unroll(pv[3])
          .unroll(pv[0]);
      gradFilterPart.update()
          .reorder(pv[3], pv[0], gradFilterRp.x, gradFilterRp.y, pv[1], pv[2], pv[4])
          .vectorize(pv[3], V)
          .unroll(pv[3])
          .unroll(pv[0]);
      std::vector<H::Var> gv = gradFilterG.args();
      parallel(gradFilterG.compute_root(), gv[3]);
      gradFilterG.vectorize(gv[0], V);
      std::vector<H::Var> iv = gradFilterIn.args();
      parallel(gradFilterIn.compute_root(), iv[3]);
      gradFilterIn.vectorize(iv[0], V, TS::GuardWithIf);
      continue;
    }
    if (kind == "conv_grad_filter_rfactor") {
      needs(gradFilterAcc.defined() && !gradFilterPart.defined() && r == 4,
            "a conv2d_grad_filter anchor not scheduled channel-tiled");
      // Sums over every batch element and output position: output
      // positions along a row go to vector lanes (rfactor), the filter
      // taps and input channels of one output channel share them.
      std::vector<H::Var> av = gradFilterAcc.args(); // kx, ky, ci, o
      parallel(out, vars[3]);
      gradFilterAcc.compute_at(out, vars[3]);
      H::RVar xo("xo"), xi("xi");
      H::Var u("u");
      H::Func partial =
          gradFilterAcc.update().split(gradFilterRp.x, xo, xi, V).rfactor(xi, u);
      partial.compute_at(out, vars[3]).vectorize(u);
      partial.update()
          .reorder(u, av[0], av[1], av[2], xo, gradFilterRp.y, gradFilterRp.z, av[3])
          .vectorize(u);
      std::vector<H::Var> iv = gradFilterIn.args();
      parallel(gradFilterIn.compute_root(), iv[3]);
      gradFilterIn.vectorize(iv[0], V, TS::GuardWithIf);
      continue;
    }
    if (kind == "conv_channel_tiled") {
      needs(convAcc.defined() && convFilter.defined() && r == 4,
            "a conv2d or unit-stride conv2d_grad_input anchor");
      // A register tile of CT channels (vector lanes) x XT positions along
      // the row accumulates through the whole reduction (channels, ky,
      // kx): per step CT/V filter vectors are loaded and XT inputs
      // broadcast (Halide's conv_layer app schedules its CPU path alike).
      H::Var ox = vars[0], oy = vars[1], oc = vars[2], on = vars[3];
      int ct = tileOr(sched, 0, convChannels % (2 * V) == 0 ? 2 * V : V);
      // A tile of xt positions x yt rows; both shifted inwards at the
      // edges, where dl-tile checks the output has that many.
      int xt = tileOr(sched, 1, 1), yt = tileOr(sched, 2, 1);
      H::Var oco("oco"), oci("oci"), oxo("oxo"), oxi("oxi"), oyo("oyo"), oyi("oyi"), t("t");
      out.split(oc, oco, oci, ct)
          .split(ox, oxo, oxi, xt, TS::ShiftInwards)
          .split(oy, oyo, oyi, yt, TS::ShiftInwards)
          .reorder(oci, oxi, oyi, oxo, oco, oyo, on)
          .vectorize(oci, V)
          .unroll(oci)
          .unroll(oxi)
          .unroll(oyi)
          .fuse(oyo, on, t);
      parallel(out, t);
      std::vector<H::Var> av = convAcc.args(); // x, y, c, n
      int cb = tileOr(sched, 3, 0);
      if (cb > 0) {
        // Input channels in blocks of cb, each block over every tile of
        // the row: the block's filter slice and input rows stay in L1
        // across the tiles instead of coming from L2 at every step. The
        // accumulators of the ct channels x W x yt outputs live in a
        // stack buffer (L1), in registers through each tile's block.
        H::RVar cio("cio"), cii("cii");
        H::Var axo("axo"), axi("axi");
        convAcc.compute_at(out, oco)
            .store_in(H::MemoryType::Stack)
            .reorder_storage(av[2], av[0], av[1], av[3])
            .vectorize(av[2], V)
            .unroll(av[2]);
        convAcc.update()
            .split(convRk.x, cio, cii, cb, TS::GuardWithIf)
            .split(av[0], axo, axi, xt, TS::GuardWithIf)
            .reorder(av[2], axi, av[1], cii, convRk.z, convRk.y, axo, cio, av[3])
            .vectorize(av[2], V)
            .unroll(av[2])
            .unroll(axi)
            .unroll(av[1]);
      } else {
        convAcc.compute_at(out, oxo)
            .store_in(H::MemoryType::Stack)
            .reorder_storage(av[2], av[0], av[1], av[3])
            .vectorize(av[2], V)
            .unroll(av[2])
            .unroll(av[0])
            .unroll(av[1]);
        // Input channels innermost: consecutive steps broadcast from
        // different planes, so LLVM finds no broadcast to keep live
        // across steps (as it did with kx innermost, spilling
        // accumulators).
        convAcc.update()
            .reorder(av[2], av[0], av[1], convRk.x, convRk.z, convRk.y, av[3])
            .vectorize(av[2], V)
            .unroll(av[2])
            .unroll(av[0])
            .unroll(av[1]);
      }
      std::vector<H::Var> fv = convFilter.args();
      // Stored in the order the reduction walks it (kx fastest after the
      // channels), so each step's filter vectors follow the last ones
      // instead of lying O x C x KH floats away.
      convFilter.compute_root()
          .reorder_storage(fv[0], fv[1], fv[3], fv[2])
          .vectorize(fv[0], V);
      std::vector<H::Var> iv = convIn.args();
      parallel(convIn.compute_root(), iv[3]);
      convIn.vectorize(iv[0], V, TS::GuardWithIf);
      continue;
    }
    if (kind == "conv_rows") {
      needs(convAcc.defined() && r == 4,
            "a conv2d or unit-stride conv2d_grad_input anchor");
      // Vectors along the output row, 8 output channels per tile: each
      // input vector loaded feeds 8 FMAs. The zero-padded input is
      // materialized once so the inner loop has no boundary selects.
      H::Var ox = vars[0], oy = vars[1], oc = vars[2], on = vars[3];
      H::Var oco("oco"), oci("oci"), t("t");
      out.split(oc, oco, oci, tileOr(sched, 0, 8), TS::GuardWithIf)
          .reorder(ox, oci, oy, oco, on)
          .vectorize(ox, V, TS::GuardWithIf)
          .unroll(oci)
          .fuse(oco, on, t);
      parallel(out, t);
      std::vector<H::Var> av = convAcc.args();
      convAcc.compute_at(out, oy)
          .vectorize(av[0], V, TS::GuardWithIf)
          .unroll(av[2]);
      convAcc.update()
          .reorder(av[0], av[2], convRk.z, convRk.y, convRk.x, av[1], av[3])
          .vectorize(av[0], V, TS::GuardWithIf)
          .unroll(av[2]);
      std::vector<H::Var> iv = convIn.args();
      parallel(convIn.compute_root(), iv[3]);
      convIn.vectorize(iv[0], V, TS::GuardWithIf);
      continue;
    }
    needs(kind == "pointwise", "a known kind");
    out.vectorize(vars[0], V, TS::GuardWithIf);
    if (r >= 2)
      parallel(out, vars[r - 1]);
  }
}

H::Pipeline KernelBuilder::build(std::vector<H::Argument> &args) {
  // The host drives the LSTM kernels step by step with its own views.
  bool stepKernel =
      kernel.kind == Kernel::Kind::LSTMCell || kernel.kind == Kernel::Kind::LSTMGradCell;
  for (Value v : kernel.inputs) {
    if (stepKernel)
      break;
    auto t = tensorType(v);
    int r = t.getRank();
    H::Type elem = t.getElementType().isInteger(1) ? H::UInt(8)
                                                  : halideType(t.getElementType());
    H::ImageParam p(elem, r, "in" + std::to_string(params.size()));
    // Every buffer the host passes starts at 0 and has a unit innermost
    // stride; static extents are checked and let Halide specialize.
    for (int i = 0; i < r; ++i) {
      p.dim(r - 1 - i).set_min(0);
      if (!t.isDynamicDim(i))
        p.dim(r - 1 - i).set_extent((int)t.getDimSize(i));
    }
    if (r > 0)
      p.dim(0).set_stride(1);
    params[v] = p;
    args.push_back(p);
  }
  std::vector<H::Func> outs;
  if (stepKernel) {
    if (kernel.kind == Kernel::Kind::LSTMCell)
      lowerLSTMCell(outs);
    else
      lowerLSTMGradCell(outs);
    args.assign(lstmArgs.begin(), lstmArgs.end());
  } else {
    auto fusion = mlir::dyn_cast_or_null<dl::FusionOp>(kernel.anchor);
    std::set<std::string> taken;
    for (auto [k, v] : llvm::enumerate(kernel.outputs)) {
      // A group computes what its body yields.
      Value source = fusion ? fusion.getYield()->getOperand(k) : v;
      bool computedHere = !fusion || (source.getDefiningOp() &&
                                      fusion->isAncestor(source.getDefiningOp()));
      Tensor t = get(source);
      // An op's results are fresh Funcs and become the outputs themselves
      // (one may read another); a copy wraps what it copies.
      if (kernel.kind == Kernel::Kind::Op && computedHere &&
          taken.insert(t.func.name()).second) {
        outs.push_back(t.func);
        continue;
      }
      outs.push_back(define("out", t.extents, t.type,
                            [&](const std::vector<H::Expr> &idx) { return t(idx); })
                         .func);
    }
  }
  for (auto [k, out] : llvm::enumerate(outs)) {
    int r = out.dimensions();
    for (int i = 0; i < r; ++i)
      out.output_buffer().dim(i).set_min(0);
    if (r > 0)
      out.output_buffer().dim(0).set_stride(1);
    // Static extents: checked at run time, and constant loop bounds let
    // Halide keep per-row accumulators on the stack.
    if (!stepKernel) {
      auto type = tensorType(kernel.outputs[k]);
      for (int i = 0; i < r; ++i)
        if (!type.isDynamicDim(i))
          out.output_buffer().dim(r - 1 - i).set_extent((int)type.getDimSize(i));
    }
  }
  // The grad cell schedules its outputs itself.
  if (kernel.kind != Kernel::Kind::LSTMGradCell)
    schedule(outs);
  return H::Pipeline(outs);
}

/// Drops Halide's checks of a kernel's buffer arguments (type, rank,
/// alignment, non-null, covering the region read or written). The host
/// code builds every buffer a kernel sees from shapes it has checked
/// against the model already, so these can never fail; they were about
/// half the generated code and of `dlc compile`'s time. The checks that
/// can fail stay: the op's own requirements (class labels in range),
/// allocation sizes and running out of memory.
class DropArgumentChecks : public H::Internal::IRMutator {
  using IRMutator::visit;

  H::Internal::Stmt visit(const H::Internal::AssertStmt *op) override {
    static const std::set<std::string> redundant = {
        "halide_error_bad_type",
        "halide_error_bad_dimensions",
        "halide_error_access_out_of_bounds",
        "halide_error_buffer_extents_negative",
        "halide_error_constraint_violated",
        "halide_error_constraints_make_required_region_smaller",
        "halide_error_unaligned_host_ptr",
        "halide_error_host_is_null",
        "halide_error_buffer_argument_is_null",
        "halide_error_explicit_bounds_too_small",
        "halide_error_device_dirty_with_no_device_support",
    };
    H::Expr message = op->message;
    while (auto *let = message.as<H::Internal::Let>())
      message = let->body;
    if (auto *call = message.as<H::Internal::Call>())
      if (redundant.count(call->name))
        return H::Internal::Evaluate::make(0);
    return IRMutator::visit(op);
  }
};

H::Target halideTarget(const TargetSpec &spec, bool withRuntime) {
  H::Target t = spec.halideTarget == "host" ? H::get_host_target()
                                            : H::Target(spec.halideTarget);
  if (!withRuntime)
    t = t.with_feature(H::Target::NoRuntime);
  // The host code builds every buffer a kernel sees from shapes it has
  // already checked against the model, and never asks a kernel for its
  // bounds; Halide's own checks and bounds queries would only add code.
  t = t.with_feature(H::Target::NoBoundsQuery);
  if (spec.profile)
    t = t.with_feature(H::Target::Profile);
  return t;
}

/// Runs `fn` in a scratch directory and reads back the files it wrote.
mlir::LogicalResult withScratchDir(
    const std::function<void(const std::string &dir)> &fn,
    std::string &error) {
  llvm::SmallString<128> dir;
  if (auto ec = llvm::sys::fs::createUniqueDirectory("dlc-halide", dir)) {
    error = "cannot create a temporary directory: " + ec.message();
    return mlir::failure();
  }
  std::string dirStr = dir.str().str();
  mlir::LogicalResult result = mlir::success();
  try {
    fn(dirStr);
  } catch (const H::Error &e) {
    error = e.what();
    result = mlir::failure();
  } catch (const std::exception &e) {
    error = e.what();
    result = mlir::failure();
  }
  llvm::sys::fs::remove_directories(dirStr);
  return result;
}

bool readFile(const std::string &path, std::string &out) {
  auto buf = llvm::MemoryBuffer::getFile(path);
  if (!buf)
    return false;
  out = (*buf)->getBuffer().str();
  return true;
}

} // namespace

mlir::LogicalResult compileKernels(mlir::MLIRContext *context,
                                   llvm::ArrayRef<KernelJob> jobs,
                                   const TargetSpec &target,
                                   std::vector<std::string> &bitcode,
                                   std::vector<std::string> *stmts,
                                   std::string *runtime, std::string &runtimeError) {
  // A pipeline with its arguments, built and scheduled.
  struct Built {
    std::optional<H::Pipeline> pipeline;
    std::vector<H::Argument> args;
  };
  auto locOf = [](const Kernel &kernel) {
    return kernel.anchor ? kernel.anchor->getLoc() : kernel.outputs.front().getLoc();
  };
  auto failedKernel = [&](const KernelJob &job, llvm::StringRef error) {
    const Kernel &kernel = *job.kernel;
    auto diag = mlir::emitError(locOf(kernel)) << "cannot compile kernel " << kernel.symbol;
    if (!kernel.group.empty())
      diag << " (group " << kernel.group << ", schedule '"
           << (job.largeBatch && kernel.schedule.largeBatch ? kernel.schedule.largeBatch->kind
                                                            : kernel.schedule.kind)
           << "')";
    diag << " with Halide: " << error.trim();
    return mlir::failure();
  };
  H::Target t = halideTarget(target, /*withRuntime=*/false);
  // Serial and in job order: building names every Func (unique_name).
  std::vector<Built> built(jobs.size());
  bool buildFailed = false;
  for (auto [job, b] : llvm::zip(jobs, built)) {
    try {
      KernelBuilder builder(*job.kernel, t, job.largeBatch);
      b.pipeline = builder.build(b.args);
      b.pipeline->add_custom_lowering_pass(new DropArgumentChecks);
    } catch (const H::Error &e) {
      buildFailed = true;
      (void)failedKernel(job, e.what());
    } catch (const std::exception &e) {
      buildFailed = true;
      (void)failedKernel(job, e.what());
    }
  }
  if (buildFailed)
    return mlir::failure();
  bitcode.assign(jobs.size(), "");
  if (stmts)
    stmts->assign(jobs.size(), "");
  auto compileOne = [&](size_t i) -> mlir::LogicalResult {
        if (i == jobs.size())
          return compileHalideRuntime(target, *runtime, runtimeError);
        const KernelJob &job = jobs[i];
        bool readBack = true;
        std::string error;
        auto result = withScratchDir(
            [&](const std::string &dir) {
              std::map<H::OutputFileType, std::string> files = {
                  {H::OutputFileType::bitcode, dir + "/k.bc"}};
              if (stmts)
                files[H::OutputFileType::stmt] = dir + "/k.stmt";
              // Losses in strict float: train_step's NaN check reads the
              // loss, and with fast-math's no-NaNs LLVM may drop a NaN term
              // from the sum. (One scalar per kernel: no cost that shows.)
              mlir::Operation *main = job.kernel->mainOp();
              bool loss = main && mlir::isa<dl::MSELossOp, dl::BinaryCrossEntropyOp,
                                            dl::CategoricalCrossEntropyOp,
                                            dl::SparseCategoricalCrossEntropyOp>(main);
              built[i].pipeline->compile_to(
                  files, built[i].args,
                  job.largeBatch ? job.kernel->largeBatchSymbol : job.kernel->symbol,
                  loss ? t.with_feature(H::Target::StrictFloat) : t);
              readBack = readFile(dir + "/k.bc", bitcode[i]) &&
                         (!stmts || readFile(dir + "/k.stmt", (*stmts)[i]));
            },
            error);
        if (failed(result))
          return failedKernel(job, error);
        if (!readBack) {
          mlir::emitError(locOf(*job.kernel))
              << "Halide wrote no output for kernel " << job.kernel->symbol;
          return mlir::failure();
        }
        return mlir::success();
  };
  // Lowering and code generation, the bulk of the time, in parallel. The
  // statements (--emit=halide) are lowered in job order on this thread:
  // lowering names its temporaries from Halide's process-wide counters,
  // and parallel lowering would number them differently in every run.
  size_t n = jobs.size() + (runtime ? 1 : 0);
  if (stmts) {
    mlir::LogicalResult result = mlir::success();
    for (size_t i = 0; i < n; ++i)
      if (failed(compileOne(i)))
        result = mlir::failure();
    return result;
  }
  return mlir::failableParallelForEachN(context, 0, n, compileOne);
}

mlir::LogicalResult compileHalideRuntime(const TargetSpec &target,
                                         std::string &bitcode,
                                         std::string &error) {
  bool readBack = false;
  auto result = withScratchDir(
      [&](const std::string &dir) {
        // Halide 14 emits its runtime as bitcode only along with a
        // pipeline: compile a trivial one, whose functions the object
        // emitter deletes again.
        H::ImageParam in(H::Float(32), 1, "in");
        H::Var x("x");
        H::Func f("anchor");
        f(x) = in(x);
        f.compile_to({{H::OutputFileType::bitcode, dir + "/rt.bc"}}, {in},
                     "dlc_halide_runtime_anchor",
                     halideTarget(target, /*withRuntime=*/true));
        readBack = readFile(dir + "/rt.bc", bitcode);
      },
      error);
  if (succeeded(result) && !readBack) {
    error = "Halide wrote no runtime";
    return mlir::failure();
  }
  return result;
}

} // namespace halide
} // namespace dlc
