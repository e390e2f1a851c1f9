//===- Tile.cpp - Choose each fusion group's schedule ---------------------===//
//
// The schedules are hand-written loop structures (see Passes.td and
// lib/Target/Halide/Schedules/CPU); this pass picks one per group and its
// tile sizes from the anchor's shapes and the target, so that the choice is
// visible in the IR, testable, and overridable from a file.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/DL/IR/DLOps.h"
#include "dlc/Dialect/DL/IR/Schedule.h"
#include "dlc/Dialect/DL/Transforms/Passes.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

namespace dlc::dl {
#define GEN_PASS_DEF_DLTILE
#include "dlc/Dialect/DL/Transforms/Passes.h.inc"
} // namespace dlc::dl

using namespace mlir;
using namespace dlc::dl;

namespace {

/// Rows from which the host runs a matmul's large-batch schedule (at
/// least the rows of any register tile: tiles shift inwards at the edge).
constexpr int64_t kRowsForPacking = Schedule::kLargeBatchRows;
/// From these many rows and this deep a sum, a matmul of static shape is
/// packed and blocked as BLAS does (matmul_packed).
constexpr int64_t kPackedRows = 384, kPackedDepth = 512;
/// L1 data cache bytes: 32 KiB on every x86-64 core since Haswell and the
/// smallest of the arm64 cores dlc targets.
constexpr int64_t kL1Bytes = 32 * 1024;

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

struct DLTilePass : dlc::dl::impl::DLTileBase<DLTilePass> {
  using DLTileBase::DLTileBase;

  /// Output channels of a register tile: two vectors when they divide the
  /// channel count (twice the loads reused), else one.
  int64_t channelTile(int64_t channels) const {
    return channels % (2 * vectorWidth) == 0 ? 2 * vectorWidth : vectorWidth;
  }

  /// A convolution-shaped anchor with `channels` in the vector lanes and
  /// rows of `out`, summing over `reduced` channels x a KH x KW window of an
  /// input `inWidth` wide: register tiles when the channels fill whole
  /// vectors (see Schedule::convTile). When a tile's filter slice (ct
  /// channels x reduced x KH x KW) and input rows exceed a quarter of L1,
  /// the reduced channels go in blocks that fit (tile[3]): each block then
  /// serves every tile of the row from L1.
  void convSchedule(Schedule &s, int64_t groups, int64_t channels, int64_t reduced,
                    int64_t kh, int64_t kw, int64_t inWidth,
                    RankedTensorType out) const {
    if (groups == 1 && channels % vectorWidth == 0 && !out.isDynamicDim(2) &&
        !out.isDynamicDim(3)) {
      int64_t ct = channelTile(channels);
      s.kind = ScheduleKind::ConvChannelTiled;
      auto t = Schedule::convTile(out.getDimSize(3), out.getDimSize(2), ct / vectorWidth,
                                  vectorRegisters);
      ConvChannelTiledTile tile{ct, t.x, t.y};
      int64_t perChannel = 4 * (ct * kh * kw + (t.y + kh - 1) * inWidth);
      int64_t cb = reduced;
      while (cb > 1 && cb * perChannel > kL1Bytes / 4)
        --cb;
      while (cb > 1 && reduced % cb != 0)
        --cb;
      if (cb < reduced)
        tile.channelBlock = cb;
      s.tile = tile.list();
    } else {
      s.kind = ScheduleKind::ConvRows;
      s.tile = ConvRowsTile{8}.list();
    }
  }

  Schedule choose(FusionOp fusion) const {
    Schedule s;
    s.vector = vectorWidth;
    s.parallel = cores > 1;
    Operation *anchor = fusion.getAnchor();
    if (naive || !anchor)
      return s;
    if (auto mm = dyn_cast<MatmulOp>(anchor)) {
      // Few rows of x @ w^T (w stored [N, K], every dense layer): a dot
      // product per output, vectorized along k; the weights stream once.
      // Otherwise register tiles (matmul_tiled) where the product has at
      // least a vector of columns, else rows with w^T packed. With a
      // run-time number of rows, the host picks between the few-rows
      // schedule and `large_batch` from kRowsForPacking rows on.
      auto tr = mm.getRhs().getDefiningOp<TransposeOp>();
      bool wT = tr && !isView(tr.getInput().getDefiningOp());
      auto lhs = typeOf(mm.getLhs());
      auto out = typeOf(mm.getResult());
      Schedule many = s;
      if (!lhs.isDynamicDim(0) && !lhs.isDynamicDim(1) && !out.isDynamicDim(1) &&
          lhs.getDimSize(0) >= kPackedRows && lhs.getDimSize(1) >= kPackedDepth &&
          out.getDimSize(1) >= 8 * vectorWidth) {
        // A large GEMM of static shape: both operands packed, k in slices
        // (GotoBLAS / BLIS). 2 x 6 vectors of accumulators (BLIS's haswell
        // sgemm micro-kernel); k in near-equal slices of at most 256, whose
        // kc x tx panel slice (16 KB) stays in L1. Tasks of up to 192 rows,
        // whose packed slivers (192 x kc) stay in L2, span all the columns
        // up to BLIS's NC of 4080, so that each row is packed once per
        // slice (512-column tasks packed it twice at N = 1024: 1-3% of the
        // call); their count is rounded up to a multiple of the cores and
        // the rows shared evenly, as whole tasks are what cores take.
        // Below these sizes matmul_tiled is as fast (measured at 256^3;
        // faster at 384 x 784 x 128 and up).
        int64_t m = lhs.getDimSize(0), k = lhs.getDimSize(1), n = out.getDimSize(1);
        int64_t slices = (k + 255) / 256;
        // With 32 vector registers (AVX-512, arm64) 2 x 12, as BLIS's
        // skx and armv8a kernels.
        int64_t tx = 2 * vectorWidth, ry = vectorRegisters >= 32 ? 12 : 6;
        int64_t tasks = (m + 191) / 192;
        int64_t c = std::max<int64_t>(1, cores);
        tasks = (tasks + c - 1) / c * c;
        int64_t ty = (m + tasks * ry - 1) / (tasks * ry) * ry;
        int64_t nc = std::min<int64_t>((n + tx - 1) / tx * tx, 4080 / tx * tx);
        s.kind = ScheduleKind::MatmulPacked;
        s.tile = MatmulPackedTile{tx, ty, ry, (k + slices - 1) / slices, nc}.list();
        return s;
      }
      if (!out.isDynamicDim(1) && out.getDimSize(1) >= vectorWidth) {
        // tx / V x ry accumulators: 3 x 4 vectors of 16 registers, as
        // Halide's matrix-multiplication test. A task packs its K x tx
        // panel once for ty = 64 rows, which stream over it from L2; the
        // packing is 1/64 of the work whatever K is. (Fewer rows per task
        // where the rows and the panel together exceed L2, as this pass
        // once chose, packed the CNN's fc1 panels 4 times: 8.6 ms against
        // 5.5 ms at batch 64.)
        int64_t n = out.getDimSize(1);
        int64_t tx = std::min<int64_t>(3, n / vectorWidth) * vectorWidth, ry = 4;
        // 2 x 6 vectors (also 12 accumulators) where the shifted last tile
        // of 3 vectors would compute 5% more columns than needed and one of
        // 2 fewer: N = 128 computes 144 columns in tiles of 24, 128 in
        // tiles of 16 (the MLP at batch 10,000: 10% faster).
        auto computed = [&](int64_t t) { return (n + t - 1) / t * t; };
        if (tx == 3 * vectorWidth && computed(2 * vectorWidth) < computed(tx) &&
            computed(tx) * 20 >= n * 21) {
          tx = 2 * vectorWidth;
          ry = 6;
        }
        int64_t k = lhs.isDynamicDim(1) ? 1024 : lhs.getDimSize(1);
        int64_t ty = 64;
        // w^T transposed once per call when that is cheap (it fits a few
        // L2s); else each task packs its panel from w.
        bool transposeOnce = wT && n * k * 4 <= 4 * l2Bytes;
        many.kind = ScheduleKind::MatmulTiled;
        many.tile = MatmulTiledTile{tx, ty, ry, transposeOnce ? 1 : 0}.list();
      } else {
        many.kind = ScheduleKind::MatmulRows;
      }
      if (!lhs.isDynamicDim(0) && lhs.getDimSize(0) >= kRowsForPacking)
        return many;
      s.kind = wT ? ScheduleKind::MatmulDot : ScheduleKind::MatmulRows;
      if (wT)
        s.tile = MatmulDotTile{8}.list();
      if (lhs.isDynamicDim(0))
        s.largeBatch = std::make_shared<Schedule>(many);
      return s;
    }
    if (auto conv = dyn_cast<Conv2DOp>(anchor)) {
      // Output channels in the vector lanes, along output rows.
      auto w = typeOf(conv.getFilter());
      auto x = typeOf(conv.getInput());
      convSchedule(s, conv.getGroups(), w.getDimSize(0), w.getDimSize(1), w.getDimSize(2),
                   w.getDimSize(3), x.isDynamicDim(3) ? 1 : x.getDimSize(3),
                   typeOf(conv.getResult()));
      return s;
    }
    if (auto gi = dyn_cast<Conv2DGradInputOp>(anchor)) {
      bool unit = llvm::all_of(gi.getStrides(), [](int64_t v) { return v == 1; }) &&
                  llvm::all_of(gi.getDilation(), [](int64_t v) { return v == 1; });
      if (!unit)
        return s; // a gather of taps: pointwise
      // A convolution of the cotangent: input channels in the lanes.
      auto w = typeOf(gi.getFilter());
      auto g = typeOf(gi.getGrad());
      convSchedule(s, gi.getGroups(), w.getDimSize(1), w.getDimSize(0) / gi.getGroups(),
                   w.getDimSize(2), w.getDimSize(3), g.isDynamicDim(3) ? 1 : g.getDimSize(3),
                   typeOf(gi.getInput()));
      return s;
    }
    if (auto gf = dyn_cast<Conv2DGradFilterOp>(anchor)) {
      auto w = typeOf(gf.getFilter());
      int64_t O = w.getDimSize(0), KW = w.getDimSize(3);
      if (gf.getGroups() == 1 && O % vectorWidth == 0 && KW <= 8) {
        s.kind = ScheduleKind::ConvGradFilterTiled;
        s.tile = ConvGradFilterTiledTile{channelTile(O), KW}.list();
      } else {
        s.kind = ScheduleKind::ConvGradFilterRfactor;
      }
      return s;
    }
    return s;
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::json::Object overrides;
    if (!scheduleFile.empty()) {
      auto buffer = llvm::MemoryBuffer::getFile(scheduleFile);
      if (!buffer) {
        module.emitError() << "cannot read schedule file '" << scheduleFile
                           << "': " << buffer.getError().message();
        return signalPassFailure();
      }
      auto json = llvm::json::parse((*buffer)->getBuffer());
      if (!json) {
        module.emitError() << "schedule file '" << scheduleFile
                           << "' is not valid JSON: " << llvm::toString(json.takeError());
        return signalPassFailure();
      }
      if (!json->getAsObject()) {
        module.emitError() << "schedule file '" << scheduleFile
                           << "' must hold an object of \"<entry>/<group>\": schedule";
        return signalPassFailure();
      }
      overrides = std::move(*json->getAsObject());
    }
    llvm::StringSet<> used;
    bool failed = false;
    module.walk([&](FusionOp fusion) {
      Schedule s = choose(fusion);
      auto fn = fusion->getParentOfType<func::FuncOp>();
      auto entry = fn ? fn->getAttrOfType<StringAttr>(DLDialect::kEntryAttrName) : nullptr;
      std::string key = (entry ? entry.str() : fn ? fn.getSymName().str() : "?") + "/" +
                        fusion.getName().str();
      if (const llvm::json::Value *o = overrides.get(key)) {
        used.insert(key);
        std::string error;
        if (!o->getAsObject()) {
          fusion.emitError() << "schedule override '" << key << "' is not an object";
          failed = true;
          return;
        }
        if (!s.merge(*o->getAsObject(), error)) {
          fusion.emitError() << "schedule override '" << key << "': " << error;
          failed = true;
          return;
        }
      }
      fusion->setAttr(Schedule::kAttrName, s.toAttr(&getContext()));
    });
    for (const auto &entry : overrides)
      if (!used.contains(entry.first)) {
        module.emitError() << "schedule file '" << scheduleFile
                           << "' names no fusion group '" << entry.first.str() << "'";
        failed = true;
      }
    if (failed)
      signalPassFailure();
  }
};

} // namespace
