//===- Tile.cpp - Choose each fusion group's schedule ---------------------===//
//
// The schedules are hand-written loop structures (see Passes.td and
// HalideKernels.cpp); this pass picks one per group and its tile sizes from
// the anchor's shapes and the target, so that the choice is visible in the
// IR, testable, and overridable from a file.
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

/// Rows from which `x @ w^T` runs the packed schedule (the host's
/// large-batch dispatch uses the same bound, kLargeBatchRows).
constexpr int64_t kRowsForPacking = 4;

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

struct DLTilePass : dlc::dl::impl::DLTileBase<DLTilePass> {
  using DLTileBase::DLTileBase;

  /// Output channels of a register tile: two vectors when they divide the
  /// channel count (twice the loads reused), else one.
  int64_t channelTile(int64_t channels) const {
    return channels % (2 * vectorWidth) == 0 ? 2 * vectorWidth : vectorWidth;
  }

  Schedule choose(FusionOp fusion) const {
    Schedule s;
    s.vector = vectorWidth;
    s.parallel = cores > 1;
    Operation *anchor = fusion.getAnchor();
    if (naive || !anchor)
      return s;
    if (auto mm = dyn_cast<MatmulOp>(anchor)) {
      // x @ w^T with w stored [N, K] (dense layers) is a dot product per
      // output while rows are few: the weights stream once. From a few
      // rows on, w^T is packed and rows reuse it.
      auto tr = mm.getRhs().getDefiningOp<TransposeOp>();
      bool wT = tr && !isView(tr.getInput().getDefiningOp());
      auto lhs = typeOf(mm.getLhs());
      if (!wT || (!lhs.isDynamicDim(0) && lhs.getDimSize(0) >= kRowsForPacking)) {
        s.kind = "matmul_rows";
        return s;
      }
      s.kind = "matmul_dot";
      s.tile = {8};
      if (lhs.isDynamicDim(0)) {
        s.largeBatch = std::make_shared<Schedule>(s);
        s.largeBatch->kind = "matmul_rows";
        s.largeBatch->tile.clear();
      }
      return s;
    }
    if (auto conv = dyn_cast<Conv2DOp>(anchor)) {
      auto w = typeOf(conv.getFilter());
      auto out = typeOf(conv.getResult());
      int64_t O = w.getDimSize(0);
      if (conv.getGroups() == 1 && O % vectorWidth == 0 && !out.isDynamicDim(3)) {
        int64_t ct = channelTile(O);
        s.kind = "conv_channel_tiled";
        s.tile = {ct, Schedule::convRowTile(out.getDimSize(3), ct / vectorWidth)};
      } else {
        s.kind = "conv_rows";
        s.tile = {8};
      }
      return s;
    }
    if (auto gi = dyn_cast<Conv2DGradInputOp>(anchor)) {
      bool unit = llvm::all_of(gi.getStrides(), [](int64_t v) { return v == 1; }) &&
                  llvm::all_of(gi.getDilation(), [](int64_t v) { return v == 1; });
      if (!unit)
        return s; // a gather of taps: pointwise
      auto w = typeOf(gi.getFilter());
      auto x = typeOf(gi.getInput());
      int64_t C = w.getDimSize(1);
      if (gi.getGroups() == 1 && C % vectorWidth == 0 && !x.isDynamicDim(3)) {
        int64_t ct = channelTile(C);
        s.kind = "conv_channel_tiled";
        s.tile = {ct, Schedule::convRowTile(x.getDimSize(3), ct / vectorWidth)};
      } else {
        s.kind = "conv_rows";
        s.tile = {8};
      }
      return s;
    }
    if (auto gf = dyn_cast<Conv2DGradFilterOp>(anchor)) {
      auto w = typeOf(gf.getFilter());
      int64_t O = w.getDimSize(0), KW = w.getDimSize(3);
      if (gf.getGroups() == 1 && O % vectorWidth == 0 && KW <= 8) {
        s.kind = "conv_grad_filter_tiled";
        s.tile = {channelTile(O), KW};
      } else {
        s.kind = "conv_grad_filter_rfactor";
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
