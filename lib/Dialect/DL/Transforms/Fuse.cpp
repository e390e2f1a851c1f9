//===- Fuse.cpp - Form fusion groups --------------------------------------===//
//
// Greedy producer-consumer fusion (see Passes.td): groups grow from their
// root, the last op in program order, towards its producers. A producer
// joins only when every use of it is already in the group, so a group has
// one way out -- its root's results -- and no fused value is computed
// twice or also needed elsewhere. The one exception is work cheaper to
// redo than to store and load (isRecomputable): it is copied into each
// consumer first.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/DL/IR/DLOps.h"
#include "dlc/Dialect/DL/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/SetVector.h"

#include <map>

namespace dlc::dl {
#define GEN_PASS_DEF_DLFUSE
#include "dlc/Dialect/DL/Transforms/Passes.h.inc"
} // namespace dlc::dl

using namespace mlir;
using namespace dlc::dl;

namespace {

/// Ops computed by a kernel (as opposed to storage, views, aliases and host
/// loops).
bool isKernelOp(Operation *op) {
  return isa_and_nonnull<DLDialect>(op->getDialect()) &&
         !op->hasTrait<trait::NoKernel>() && !op->hasTrait<trait::Alias>() &&
         !op->hasTrait<trait::HostDriven>() && !op->hasTrait<trait::View>();
}

/// Ops that each consumer's kernel computes again rather than one kernel
/// storing them: a dropout mask is a hash of the element index and the
/// seed (a dozen integer ops an element) and reads no tensor's elements,
/// so a copy per consumer costs less than a store and a load per consumer.
bool isRecomputable(Operation *op) { return isa<DropoutMaskOp>(op); }

/// Gives every consumer of a recomputable op a copy of its own, so that
/// each copy can join its consumer's group.
void copyRecomputables(func::FuncOp fn) {
  SmallVector<Operation *> ops;
  fn.walk([&](Operation *op) {
    if (isRecomputable(op))
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    llvm::SetVector<Operation *> users(op->user_begin(), op->user_end());
    OpBuilder b(op->getContext());
    b.setInsertionPointAfter(op);
    for (Operation *user : llvm::drop_begin(users)) {
      Operation *copy = b.clone(*op);
      op->getResult(0).replaceUsesWithIf(copy->getResult(0), [&](OpOperand &use) {
        return use.getOwner() == user;
      });
    }
  }
}

ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

struct Group {
  Operation *root;
  Operation *anchor = nullptr; // the non-elementwise op, if any
  llvm::SetVector<Operation *> ops;
};

struct DLFusePass : dlc::dl::impl::DLFuseBase<DLFusePass> {
  using DLFuseBase::DLFuseBase;

  /// Whether `producer` may join `g` as an operand of its member
  /// `consumer`.
  bool canJoin(const Group &g, Operation *consumer, Operation *producer,
               const llvm::DenseMap<Operation *, int> &groupOf) {
    if (!producer || !isKernelOp(producer) || groupOf.count(producer) ||
        g.ops.contains(producer) || producer->getNumResults() != 1 ||
        producer->getBlock() != g.root->getBlock())
      return false;
    for (Operation *user : producer->getUsers())
      if (!g.ops.contains(user))
        return false;
    Value v = producer->getResult(0);
    bool elementwise = isElementwise(producer);
    if (isElementwise(consumer) && shapeOf(consumer->getResult(0)) == shapeOf(v)) {
      if (elementwise)
        return true;
      // One heavy op per group, with the root's shape, so that the root's
      // loops are the anchor's loops; its kernel's output must be a pure
      // function of its accumulators or statistics, so that the epilogue
      // can be applied before the store.
      return !g.anchor && producer->hasTrait<trait::AcceptsEpilogue>() &&
             shapeOf(g.root->getResult(0)) == shapeOf(v);
    }
    // A reduction reads each element of its operand once.
    return consumer->hasTrait<trait::Reduction>() && elementwise;
  }

  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    if (!singletons)
      copyRecomputables(fn);
    llvm::DenseMap<Operation *, int> groupOf;
    std::vector<Group> groups;
    for (Block &block : fn.getBody()) {
      SmallVector<Operation *> ops;
      for (Operation &op : block.without_terminator())
        ops.push_back(&op);
      for (Operation *op : llvm::reverse(ops)) {
        if (!isKernelOp(op) || groupOf.count(op))
          continue;
        Group g;
        g.root = op;
        g.ops.insert(op);
        if (!isElementwise(op))
          g.anchor = op;
        SmallVector<Operation *> worklist = {op};
        while (!singletons && !worklist.empty()) {
          Operation *consumer = worklist.pop_back_val();
          for (Value operand : consumer->getOperands()) {
            Operation *producer = operand.getDefiningOp();
            if (!canJoin(g, consumer, producer, groupOf))
              continue;
            g.ops.insert(producer);
            if (!isElementwise(producer))
              g.anchor = producer;
            worklist.push_back(producer);
          }
        }
        for (Operation *member : g.ops)
          groupOf[member] = groups.size();
        groups.push_back(std::move(g));
      }
    }

    // Build the dl.fusion ops in program order, so that names count up.
    // (Optimizer updates are merged into one group afterwards.)
    std::map<std::string, int> counts;
    OpBuilder b(&getContext());
    for (Group &g : llvm::reverse(groups)) {
      SmallVector<Operation *> members(g.ops.begin(), g.ops.end());
      llvm::sort(members, [](Operation *a, Operation *b) {
        return a->isBeforeInBlock(b);
      });
      Operation *anchor = g.anchor ? g.anchor : g.root;
      std::string kind = anchor->getName().stripDialect().str();
      std::string name = kind + "_" + std::to_string(counts[kind]++);
      b.setInsertionPoint(g.root);
      auto fusion = b.create<FusionOp>(g.root->getLoc(), g.root->getResultTypes(),
                                       b.getStringAttr(name));
      Block *body = b.createBlock(&fusion.getBody());
      for (Operation *member : members)
        member->moveBefore(body, body->end());
      b.setInsertionPointToEnd(body);
      b.create<YieldOp>(g.root->getLoc(), g.root->getResults());
      for (auto [from, to] : llvm::zip(g.root->getResults(), fusion.getResults()))
        from.replaceUsesWithIf(to, [&](OpOperand &use) {
          return use.getOwner()->getParentOp() != fusion;
        });
    }
    if (!singletons)
      for (Block &block : fn.getBody())
        mergeUpdates(block);
  }

  /// Horizontal fusion of the optimizer: the update groups of all
  /// parameters (independent elementwise work) become one group, so one
  /// kernel updates every parameter. It sits where the last update was;
  /// the dl.assigns of the earlier ones move after it (they take effect
  /// when the entry point returns, wherever they stand).
  void mergeUpdates(Block &block) {
    SmallVector<FusionOp> updates;
    for (auto fusion : block.getOps<FusionOp>()) {
      Block &body = fusion.getBody().front();
      if (body.getOperations().size() == 2 &&
          isa<AdamUpdateOp, SGDUpdateOp>(body.front()))
        updates.push_back(fusion);
    }
    if (updates.size() < 2)
      return;
    FusionOp last = updates.back();
    // Only dl.assigns may stand between the updates and need moving.
    for (FusionOp f : updates)
      for (Operation *user : f->getUsers())
        if (user->isBeforeInBlock(last) && !isa<AssignOp>(user))
          return;
    SmallVector<Type> types;
    for (FusionOp f : updates)
      llvm::append_range(types, f.getResultTypes());
    OpBuilder b(last);
    auto merged = b.create<FusionOp>(last.getLoc(), types,
                                     b.getStringAttr(updates.front().getName()));
    Block *body = b.createBlock(&merged.getBody());
    SmallVector<Value> yields;
    unsigned next = 0;
    Operation *after = merged; // the moved assigns keep their order
    for (FusionOp f : updates) {
      Operation *update = &f.getBody().front().front();
      update->moveBefore(body, body->end());
      llvm::append_range(yields, update->getResults());
      for (Value r : f.getResults()) {
        Value to = merged.getResult(next++);
        for (OpOperand &use : llvm::make_early_inc_range(r.getUses())) {
          Operation *user = use.getOwner();
          if (user->isBeforeInBlock(merged)) {
            user->moveAfter(after);
            after = user;
          }
          use.set(to);
        }
      }
    }
    b.setInsertionPointToEnd(body);
    b.create<YieldOp>(last.getLoc(), yields);
    for (FusionOp f : updates)
      f.erase();
  }
};

} // namespace
