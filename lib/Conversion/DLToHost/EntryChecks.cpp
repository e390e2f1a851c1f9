//===- EntryChecks.cpp - What an entry point checks of the caller's data --===//
//
// See EntryChecks.h.
//
//===----------------------------------------------------------------------===//

#include "EntryChecks.h"

#include "dlc/Dialect/DL/IR/DLOps.h"

#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace dlc {

std::string DimRequirement::describe() const {
  return "dim " + std::to_string(dimA) + " of operand " + std::to_string(operandA) +
         " and dim " + std::to_string(dimB) + " of operand " + std::to_string(operandB);
}

SmallVector<DimRequirement> requiredEqualDims(Operation &op) {
  SmallVector<DimRequirement> out;
  if (op.getNumOperands() < 2)
    return out;
  auto type = [&](unsigned o) {
    return dyn_cast<RankedTensorType>(op.getOperand(o).getType());
  };
  for (unsigned o = 0; o < op.getNumOperands(); ++o)
    if (!type(o))
      return out;
  auto require = [&](unsigned oa, int64_t da, unsigned ob, int64_t db) {
    if (type(oa).isDynamicDim(da) || type(ob).isDynamicDim(db))
      out.push_back({oa, (unsigned)da, ob, (unsigned)db});
  };
  // Dims [fa, fa + n) of operand oa against [fb, fb + n) of operand ob.
  auto sameDims = [&](unsigned oa, int64_t fa, unsigned ob, int64_t fb, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
      require(oa, fa + i, ob, fb + i);
  };
  // The trailing dims of the first `ra` / `rb` dims; a static 1 broadcasts.
  auto broadcastDims = [&](unsigned oa, int64_t ra, unsigned ob, int64_t rb) {
    for (int64_t i = 1; i <= std::min(ra, rb); ++i) {
      int64_t da = ra - i, db = rb - i;
      if (type(oa).getDimSize(da) != 1 && type(ob).getDimSize(db) != 1)
        require(oa, da, ob, db);
    }
  };
  int64_t r0 = type(0).getRank(), r1 = type(1).getRank();
  auto kind = op.getAttrOfType<StringAttr>("kind");
  if (isa<dl::AddOp, dl::SubOp, dl::MulOp, dl::DivOp, dl::PowOp, dl::MaximumOp,
          dl::MinimumOp>(op)) {
    broadcastDims(0, r0, 1, r1);
  } else if (isa<dl::SparseCategoricalCrossEntropyOp>(op) ||
             (isa<dl::LossGradOp, dl::AccuracyOp>(op) && kind &&
              kind.getValue() == "sparse_categorical_cross_entropy")) {
    // [..., C] predictions, [...] labels.
    sameDims(0, 0, 1, 0, std::min(r0 - 1, r1));
  } else if (isa<dl::MSELossOp, dl::BinaryCrossEntropyOp, dl::CategoricalCrossEntropyOp,
                 dl::LossGradOp, dl::AccuracyOp>(op)) {
    sameDims(0, 0, 1, 0, std::min(r0, r1));
  } else if (isa<dl::MatmulOp>(op) && r0 == 2 && r1 == 2) {
    require(0, 1, 1, 0);
  } else if (isa<dl::BatchMatmulOp>(op) && r0 >= 2 && r1 >= 2) {
    require(0, r0 - 1, 1, r1 - 2);
    broadcastDims(0, r0 - 2, 1, r1 - 2);
  } else if (auto cat = dyn_cast<dl::ConcatOp>(op)) {
    int64_t axis = (int64_t)cat.getAxis();
    if (axis < 0)
      axis += r0;
    for (unsigned o = 1; o < op.getNumOperands(); ++o)
      for (int64_t i = 0; i < r0 && i < type(o).getRank(); ++i)
        if (i != axis)
          require(0, i, o, i);
  } else if (op.hasTrait<OpTrait::SameOperandsAndResultShape>() ||
             op.hasTrait<OpTrait::SameOperandsAndResultType>()) {
    for (unsigned o = 1; o < op.getNumOperands(); ++o)
      sameDims(0, 0, o, 0, std::min(r0, type(o).getRank()));
  }
  return out;
}

/// The entry argument `v` is read from, through ops that only move or
/// select integers; null if it is computed.
static BlockArgument indexSource(Value v, func::FuncOp fn) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto group = dyn_cast<dl::FusionOp>(def)) {
      v = group.getYield()->getOperand(cast<OpResult>(v).getResultNumber());
      continue;
    }
    if (!isa<dl::ReshapeOp, dl::TransposeOp, dl::SliceOp, dl::BroadcastToOp, dl::CastOp>(def))
      return {};
    v = def->getOperand(0);
    Type elem = cast<RankedTensorType>(v.getType()).getElementType();
    if (!elem.isSignlessInteger() || elem.isInteger(1))
      return {};
  }
  auto arg = dyn_cast<BlockArgument>(v);
  return arg && arg.getOwner() == &fn.getBody().front() ? arg : BlockArgument();
}

SmallVector<IndexCheck> indexChecks(func::FuncOp fn) {
  SmallVector<IndexCheck> out;
  fn.walk([&](Operation *op) {
    IndexCheck c{op, {}, 0, false, {}};
    Value indices;
    if (auto emb = dyn_cast<dl::EmbeddingOp>(op)) {
      c.table = emb.getTable();
      indices = emb.getIndices();
    } else if (auto g = dyn_cast<dl::GatherOp>(op)) {
      c.table = g.getInput();
      indices = g.getIndices();
      c.axis = (int64_t)g.getAxis();
      if (c.axis < 0)
        c.axis += cast<RankedTensorType>(c.table.getType()).getRank();
      c.negativeFromEnd = true;
    } else {
      return;
    }
    if ((c.argument = indexSource(indices, fn)))
      out.push_back(c);
  });
  return out;
}

Value trainStepLoss(func::FuncOp fn, StringRef entry) {
  if (entry != "train_step")
    return {};
  Operation *ret = fn.getBody().front().getTerminator();
  Value first;
  for (unsigned r = 0; r < fn.getNumResults(); ++r) {
    auto t = dyn_cast<RankedTensorType>(ret->getOperand(r).getType());
    bool scalar = t && t.getRank() == 0 && t.getElementType().isF32();
    auto name = fn.getResultAttrOfType<StringAttr>(r, dl::DLDialect::kNameAttrName);
    if (name && name.getValue() == "loss")
      return scalar ? ret->getOperand(r) : Value();
    if (!first && scalar)
      first = ret->getOperand(r);
  }
  return first;
}

std::string describeOp(StringRef what, Location loc, StringRef group) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << what;
  if (!group.empty())
    os << " (group " << group << ")";
  if (auto file = loc->findInstanceOf<FileLineColLoc>())
    os << " at " << llvm::sys::path::filename(file.getFilename().getValue()) << ":"
       << file.getLine() << ":" << file.getColumn();
  return s;
}

std::string describeOp(Operation *op, StringRef group) {
  return describeOp(op->getName().getStringRef(), op->getLoc(), group);
}

} // namespace dlc
