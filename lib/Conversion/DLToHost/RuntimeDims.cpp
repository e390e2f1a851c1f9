//===- RuntimeDims.cpp - Every tensor's dims at run time ------------------===//
//
// The host code sizes buffers and arena slots from the symbolic dims the
// caller passes (batch, ...), so it needs every tensor's dims as values:
// here, a second run-time copy of each op's shape rule, kept apart from
// the emitters until per-op "reify dims" hooks beside the shape functions
// replace it (one shape rule per op). An op missing here fails with
// "cannot compute dim".
//
//===----------------------------------------------------------------------===//

#include "EntryChecks.h"
#include "HostContext.h"

#include "dlc/Dialect/DL/IR/DLOps.h"

#include <functional>

using namespace mlir;

namespace dlc {

/// Dim `i` of result `r` of `op` at run time, from its operands' dims
/// `in`; null when this copy of the shape rules has none.
static LogicalResult resultDim(HostContext &hc, Operation &op, OpResult r, int64_t i,
                               ArrayRef<SmallVector<Value>> in, Value &v) {
  OpBuilder &builder = hc.builder;
  auto loc = [&] { return hc.loc(); };
  auto c64 = [&](int64_t v) { return hc.c64(v); };
  auto maxOf = [&](Value a, Value b) -> Value {
    return builder.create<arith::MaxSIOp>(loc(), a, b);
  };
  auto mul = [&](Value a, Value b) -> Value {
    return builder.create<arith::MulIOp>(loc(), a, b);
  };
  auto t = tensorType(r);
  int64_t R = t.getRank();
  if (op.hasTrait<OpTrait::SameOperandsAndResultShape>() ||
      op.hasTrait<OpTrait::SameOperandsAndResultType>() ||
      isa<dl::SoftmaxOp, dl::LogSoftmaxOp, dl::BatchNormOp,
          dl::LayerNormOp, dl::CastOp, dl::DropoutMaskOp, dl::LossGradOp>(op)) {
    v = in[0][i];
  } else if (op.getNumOperands() == 2 &&
             isa<dl::AddOp, dl::SubOp, dl::MulOp, dl::DivOp, dl::PowOp,
                 dl::MaximumOp, dl::MinimumOp>(op)) {
    for (auto &o : in) {
      int64_t k = i - (R - (int64_t)o.size());
      if (k >= 0)
        v = v ? maxOf(v, o[k]) : o[k];
    }
  } else if (isa<dl::BroadcastLikeOp, dl::MaxPool2DGradOp, dl::AvgPool2DGradOp,
                 dl::SliceGradOp>(op)) {
    v = in[1][i];
  } else if (isa<dl::Conv2DGradInputOp, dl::ScatterAddOp>(op)) {
    v = in[2][i];
  } else if (isa<dl::GeluGradOp>(op)) {
    v = in[0][i];
  } else if (isa<dl::MatmulOp>(op)) {
    v = i == 0 ? in[0][0] : in[1][1];
  } else if (isa<dl::BatchMatmulOp>(op)) {
    if (i == R - 2)
      v = in[0][in[0].size() - 2];
    else if (i == R - 1)
      v = in[1].back();
    else
      for (int o = 0; o < 2; ++o) {
        int64_t k = i - (R - (int64_t)in[o].size());
        if (k >= 0)
          v = v ? maxOf(v, in[o][k]) : in[o][k];
      }
  } else if (isa<dl::ReduceSumOp, dl::ReduceMeanOp, dl::ReduceMaxOp>(op)) {
    auto axes = op.getAttrOfType<DenseI64ArrayAttr>("axes").asArrayRef();
    bool keep = op.hasAttr("keep_dims");
    int64_t r = in[0].size(), o = 0;
    for (int64_t k = 0; k < r; ++k) {
      bool red = axes.empty() || llvm::is_contained(axes, k) ||
                 llvm::is_contained(axes, k - r);
      if (red && !keep)
        continue;
      if (o++ == i) {
        v = red ? c64(1) : in[0][k];
        break;
      }
    }
  } else if (auto rs = dyn_cast<dl::ReshapeOp>(op)) {
    auto shape = rs.getShape();
    if (shape[i] == 0) {
      v = in[0][i];
    } else {
      Value numel = c64(1), rest = c64(1);
      for (Value x : in[0])
        numel = mul(numel, x);
      for (int64_t k = 0; k < R; ++k) {
        if (k == i)
          continue;
        Value dk = shape[k] == 0 ? in[0][k]
                   : shape[k] > 0 ? c64(shape[k]) : Value();
        if (!t.isDynamicDim(k) && shape[k] != 0)
          dk = c64(t.getDimSize(k));
        if (dk)
          rest = mul(rest, dk);
      }
      v = builder.create<arith::DivSIOp>(loc(), numel, rest);
    }
  } else if (auto tr = dyn_cast<dl::TransposeOp>(op)) {
    v = in[0][tr.getPerm()[i]];
  } else if (auto bc = dyn_cast<dl::BroadcastToOp>(op)) {
    int64_t k = i - (R - (int64_t)in[0].size());
    v = k >= 0 ? in[0][k] : c64(1);
  } else if (auto cat = dyn_cast<dl::ConcatOp>(op)) {
    int64_t axis = (int64_t)cat.getAxis() < 0 ? (int64_t)cat.getAxis() + R : (int64_t)cat.getAxis();
    if (i == axis) {
      v = c64(0);
      for (auto &o : in)
        v = builder.create<arith::AddIOp>(loc(), v, o[i]);
    } else {
      v = in[0][i];
    }
  } else if (auto sl = dyn_cast<dl::SliceOp>(op)) {
    v = in[0][i];
    auto axes = sl.getAxes();
    for (size_t a = 0; a < axes.size(); ++a) {
      if ((axes[a] < 0 ? axes[a] + R : axes[a]) != i)
        continue;
      // Python slice length with clamping (see inferSliceShape).
      Value n = in[0][i];
      int64_t st = sl.getSteps()[a];
      auto norm = [&](int64_t x) -> Value {
        Value e = x < 0 ? (Value)builder.create<arith::AddIOp>(loc(), n, c64(x))
                        : c64(x);
        Value lo = c64(st > 0 ? 0 : -1);
        Value hi = st > 0 ? n : (Value)builder.create<arith::SubIOp>(loc(), n, c64(1));
        return builder.create<arith::MinSIOp>(
            loc(), builder.create<arith::MaxSIOp>(loc(), e, lo), hi);
      };
      Value b = norm(sl.getStarts()[a]), en = norm(sl.getEnds()[a]);
      Value diff = st > 0 ? (Value)builder.create<arith::SubIOp>(loc(), en, b)
                          : (Value)builder.create<arith::SubIOp>(loc(), b, en);
      int64_t as = std::abs(st);
      Value len = builder.create<arith::DivSIOp>(
          loc(), builder.create<arith::AddIOp>(loc(), diff, c64(as - 1)), c64(as));
      v = maxOf(len, c64(0));
    }
  } else if (auto g = dyn_cast<dl::GatherOp>(op)) {
    int64_t r = in[0].size(), q = in[1].size();
    int64_t axis = (int64_t)g.getAxis() < 0 ? (int64_t)g.getAxis() + r : (int64_t)g.getAxis();
    if (i < axis) v = in[0][i];
    else if (i < axis + q) v = in[1][i - axis];
    else v = in[0][i - q + 1];
  } else if (isa<dl::EmbeddingOp>(op)) {
    v = i < (int64_t)in[1].size() ? in[1][i] : in[0][1];
  } else if (isa<dl::Conv2DOp, dl::MaxPool2DOp, dl::AvgPool2DOp>(op)) {
    if (i != 0)
      return op.emitOpError("the input's spatial dims (H, W) must be "
                            "static, got ")
             << op.getOperand(0).getType()
             << "; compile one model per image size";
    v = in[0][0];
  } else if (isa<dl::LSTMGradOp>(op)) {
    v = in[r.getResultNumber()][i];
  } else if (isa<dl::LSTMOp>(op)) {
    // output [B, T, H], h [B, H], c [B, H]
    if (i == 0) v = in[0][0];
    else if (i == 1 && r.getResultNumber() == 0) v = in[0][1];
  }
  return success();
}

LogicalResult runtimeDims(HostContext &hc, const EntryPlan &e, ValueRange symbols,
                          DimsMap &dims, std::vector<DimCheck> &dimChecks) {
  func::FuncOp fn = e.fn;
  auto c64 = [&](int64_t v) { return hc.c64(v); };
  dimChecks.clear(); // of the function being built only
  for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
    auto type = tensorType(fn.getArgument(i));
    auto names = fn.getArgAttrOfType<ArrayAttr>(i, dl::DLDialect::kDimsAttrName);
    SmallVector<Value> d;
    for (int64_t k = 0; k < type.getRank(); ++k) {
      if (!type.isDynamicDim(k)) {
        d.push_back(c64(type.getDimSize(k)));
        continue;
      }
      auto name = cast<StringAttr>(names[k]).str();
      auto pos = llvm::find(e.symbols, name) - e.symbols.begin();
      d.push_back(symbols[pos]);
    }
    dims[fn.getArgument(i)] = d;
  }
  std::function<LogicalResult(Operation &)> visit = [&](Operation &op) -> LogicalResult {
    if (auto fusion = dyn_cast<dl::FusionOp>(op)) {
      // A group's results have the dims of what its body yields.
      for (Operation &inner : fusion.getBody().front().without_terminator())
        if (failed(visit(inner)))
          return failure();
      for (auto [r, v] : llvm::zip(fusion.getResults(), fusion.getYield()->getOperands())) {
        SmallVector<Value> d = dims.lookup(v); // a copy: inserting may rehash
        dims[r] = std::move(d);
      }
      return success();
    }
    SmallVector<SmallVector<Value>> in;
    for (Value v : op.getOperands())
      in.push_back(dims.lookup(v));
    // The dims the op needs equal, checked before any kernel runs
    // (EntryChecks.h); the same value on both sides needs no check.
    for (const DimRequirement &r : requiredEqualDims(op)) {
      Value a = in[r.operandA][r.dimA], b = in[r.operandB][r.dimB];
      if (a && b && a != b)
        dimChecks.push_back({&op, a, b, r.describe()});
    }
    for (OpResult r : op.getResults()) {
      auto t = tensorType(r);
      SmallVector<Value> d;
      int64_t R = t.getRank();
      for (int64_t i = 0; i < R; ++i) {
        if (!t.isDynamicDim(i)) {
          d.push_back(c64(t.getDimSize(i)));
          continue;
        }
        Value v;
        if (failed(resultDim(hc, op, r, i, in, v)))
          return failure();
        if (!v)
          return op.emitOpError("cannot compute dim ")
                 << i << " of its result at run time";
        d.push_back(v);
      }
      dims[r] = d;
    }
    return success();
  };
  for (Operation &op : fn.getBody().front())
    if (!isa<func::ReturnOp>(op) && failed(visit(op)))
      return failure();
  return success();
}

} // namespace dlc
