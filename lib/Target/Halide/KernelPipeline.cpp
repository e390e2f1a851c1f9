//===- KernelPipeline.cpp - One kernel as a scheduled Halide pipeline -----===//
//
// Assembles a kernel: its arguments as ImageParams (every buffer the host
// passes starts at 0 with a unit innermost stride; static extents let Halide
// specialize), its outputs lowered op by op (Lowering.h), then the
// schedule set of the target applied to what the algorithm returned.
//
//===----------------------------------------------------------------------===//

#include "KernelPipeline.h"
#include "Lowering.h"
#include "Schedules/CPU/CPUSchedules.h"

#include "dlc/Dialect/DL/IR/DLOps.h"

#include <set>

namespace dlc {
namespace halide {

H::Pipeline buildKernelPipeline(const Kernel &kernel, const H::Target &target,
                                bool largeBatch, std::vector<H::Argument> &args) {
  // The schedule this pipeline gets (dl-tile's choice, see Schedule.h).
  const dl::Schedule &sched = largeBatch && kernel.schedule.largeBatch
                                  ? *kernel.schedule.largeBatch
                                  : kernel.schedule;
  int vectorWidth = std::max(1, target.natural_vector_size(H::Float(32)));
  llvm::DenseMap<Value, H::ImageParam> params;
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
  LoweringContext ctx(kernel, cpu::layoutFor(sched, vectorWidth), std::move(params));
  std::vector<H::Func> outs;
  if (stepKernel) {
    std::vector<H::ImageParam> lstmArgs;
    if (kernel.kind == Kernel::Kind::LSTMCell)
      lowerLSTMCell(ctx, lstmArgs, outs);
    else
      lowerLSTMGradCell(ctx, lstmArgs, outs);
    args.assign(lstmArgs.begin(), lstmArgs.end());
  } else {
    auto fusion = mlir::dyn_cast_or_null<dl::FusionOp>(kernel.anchor);
    std::set<std::string> taken;
    for (auto [k, v] : llvm::enumerate(kernel.outputs)) {
      // A group computes what its body yields.
      Value source = fusion ? fusion.getYield()->getOperand(k) : v;
      bool computedHere = !fusion || (source.getDefiningOp() &&
                                      fusion->isAncestor(source.getDefiningOp()));
      Tensor t = ctx.get(source);
      // An op's results are fresh Funcs and become the outputs themselves
      // (one may read another); a copy wraps what it copies.
      if (kernel.kind == Kernel::Kind::Op && computedHere &&
          taken.insert(t.func.name()).second) {
        outs.push_back(t.func);
        continue;
      }
      outs.push_back(ctx.define("out", t.extents, t.type,
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
  cpu::schedule(kernel, sched, ctx.stages, outs, vectorWidth);
  return H::Pipeline(outs);
}

} // namespace halide
} // namespace dlc
