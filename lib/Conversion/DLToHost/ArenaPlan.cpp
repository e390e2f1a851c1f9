//===- ArenaPlan.cpp - Where every tensor of an entry point lives ---------===//
//
// See ArenaPlan.h. Planning is apart from emission so that what decides
// storage (in-place updates, slot reuse) can be unit tested without
// building host code, and so that every emitter reads one plan.
//
//===----------------------------------------------------------------------===//

#include "dlc/Conversion/ArenaPlan.h"
#include "dlc/Dialect/DL/IR/DLOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"

#include <functional>

using namespace mlir;

namespace dlc {

using halide::Kernel;

LogicalResult layoutParameters(ModuleOp dl, ParamLayout &out) {
  int64_t offset = 0;
  for (auto p : dl.getOps<dl::ParameterOp>()) {
    auto type = p.getTensorType();
    if (!type.getElementType().isF32())
      return p.emitOpError("only f32 parameters can be compiled");
    out.offsets[p.getSymName().str()] = offset;
    // 16-element (64-byte) alignment for every parameter's first element.
    offset += (type.getNumElements() + 15) / 16 * 16;
  }
  out.numElements = offset;
  return success();
}

Value EntryPlan::root(Value v) const {
  for (auto it = storage.find(v); it != storage.end() && it->second.kind == Storage::Alias;
       it = storage.find(v))
    v = it->second.aliasOf;
  return v;
}

SmallVector<Value> scratchProxies(const Kernel &kernel) {
  if (kernel.kind == Kernel::Kind::LSTMCell)
    if (auto lstm = dyn_cast<dl::LSTMOp>(kernel.anchor))
      return {lstm.getH()};
  if (kernel.kind == Kernel::Kind::LSTMGradCell) {
    auto g = cast<dl::LSTMGradOp>(kernel.anchor);
    return {g.getDH(), g.getDH(), g.getDC(), g.getDOutput(), g.getDOutput()};
  }
  return {};
}

DenseMap<Value, int64_t> inPlaceUpdates(func::FuncOp fn, const ParamLayout &params) {
  DenseMap<Value, int64_t> inPlace;
  Block &body = fn.getBody().front();
  // A failed call changes no parameter: updates write in place only where
  // nothing after them can fail on the caller's data (a label check), i.e.
  // in the tail of optimizer updates and elementwise bookkeeping.
  Operation *tail = body.getTerminator();
  for (Operation &op : llvm::reverse(body)) {
    bool harmless = isa<dl::ParamOp, dl::ConstantOp, dl::AssignOp, dl::ReshapeOp,
                        func::ReturnOp>(op) ||
                    dl::isView(&op);
    if (auto f = dyn_cast<dl::FusionOp>(op)) {
      Operation *anchor = f.getAnchor();
      harmless = !anchor || isa<dl::AdamUpdateOp, dl::SGDUpdateOp>(anchor) ||
                 dl::isElementwise(anchor);
    }
    if (!harmless)
      break;
    tail = &op;
  }
  for (auto assign : body.getOps<dl::AssignOp>()) {
    Value v = assign.getValue();
    auto fusion = v.getDefiningOp<dl::FusionOp>();
    if (!fusion || !v.hasOneUse() || fusion->isBeforeInBlock(tail))
      continue;
    // The update's operand that result `r` replaces. Adam's results are
    // one pipeline whose new parameter reads the new moments' buffers, so
    // all three may alias their inputs; SGD recomputes the new buffer for
    // the new parameter, so only the parameter may.
    Value yielded = fusion.getYield()->getOperand(cast<OpResult>(v).getResultNumber());
    Operation *anchor = yielded.getDefiningOp();
    if (!anchor || anchor->getParentOp() != fusion)
      continue;
    unsigned r = cast<OpResult>(yielded).getResultNumber();
    Value source;
    if (auto adam = dyn_cast<dl::AdamUpdateOp>(anchor))
      source = r == 0 ? adam.getParam() : r == 1 ? adam.getM() : adam.getV();
    else if (auto sgd = dyn_cast<dl::SGDUpdateOp>(anchor); sgd && r == 0)
      source = sgd.getParam();
    auto param = source ? source.getDefiningOp<dl::ParamOp>() : dl::ParamOp();
    if (!param || param.getName() != assign.getName())
      continue;
    // Every reader of the old value (through views and reshapes) runs no
    // later than the update.
    bool readAfter = false;
    std::function<void(Value)> visit = [&](Value x) {
      for (Operation *user : x.getUsers()) {
        Operation *top = body.findAncestorOpInBlock(*user);
        if (dl::isView(user) || isa<dl::ReshapeOp>(user))
          for (Value r : user->getResults())
            visit(r);
        else if (top != fusion.getOperation() && !top->isBeforeInBlock(fusion))
          readAfter = true;
      }
    };
    for (auto p : body.getOps<dl::ParamOp>())
      if (p.getName() == assign.getName())
        visit(p.getResult());
    if (!readAfter)
      inPlace[v] = params.offsets.at(assign.getName().str());
  }
  return inPlace;
}

namespace {

/// The steps of planEntry, sharing what they find about `fn`.
class EntryPlanner {
public:
  EntryPlanner(func::FuncOp fn, const ParamLayout &params, StringRef prefix,
               EntryPlan &plan)
      : fn(fn), params(params), prefix(prefix), plan(plan) {}

  LogicalResult run();

private:
  func::FuncOp fn;
  const ParamLayout &params;
  StringRef prefix;
  EntryPlan &plan;
  /// Kernel results returned to the caller: the first result index each
  /// is returned at (a returned kernel result is written straight into
  /// the caller's buffer).
  DenseMap<Value, int64_t> returnedOnce;
  DenseMap<Value, int64_t> inPlace;

  /// Symbols and argument storage.
  LogicalResult planArguments();
  void findReturnedResults();
  /// The storage and kernels of one op of the body.
  LogicalResult planOp(Operation &op);
  /// A kernel (or fusion group) that computes `op`'s results.
  LogicalResult planComputeOp(Operation &op);
  /// Returned values without a kernel writing them get a copy.
  void planReturnCopies();
  /// Liveness and greedy slot assignment.
  void assignSlots();

  void addKernel(Kernel k);
  void assignResult(Value v);
  /// A kernel the host calls step by step (dl.lstm, dl.lstm_grad): it reads
  /// every operand from a buffer and writes every result.
  void addStepKernel(Kernel::Kind kind, Operation &op);
  /// Views and aliases of views are materialized on demand by a copy.
  Value materialize(Value v);
};

LogicalResult EntryPlanner::run() {
  plan.fn = fn;
  plan.name = fn->getAttrOfType<StringAttr>(dl::DLDialect::kEntryAttrName).str();
  if (failed(planArguments()))
    return failure();
  findReturnedResults();
  inPlace = inPlaceUpdates(fn, params);
  for (Operation &op : fn.getBody().front())
    if (!isa<func::ReturnOp>(op) && failed(planOp(op)))
      return failure();
  planReturnCopies();
  assignSlots();
  return success();
}

LogicalResult EntryPlanner::planArguments() {
  // Symbols: the named dynamic dims of the arguments, in order.
  for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
    auto type = dyn_cast<RankedTensorType>(fn.getArgumentTypes()[i]);
    if (!type)
      return emitError(fn.getLoc()) << "entry point argument " << i
                                    << " is not a ranked tensor";
    auto dims = fn.getArgAttrOfType<ArrayAttr>(i, dl::DLDialect::kDimsAttrName);
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (!type.isDynamicDim(d))
        continue;
      auto name = dims && d < (int64_t)dims.size() ? dyn_cast<StringAttr>(dims[d])
                                                   : StringAttr();
      if (!name)
        return emitError(fn.getLoc())
               << "argument " << i << " has a dynamic dim " << d
               << " without a name (dl.dims)";
      if (!llvm::is_contained(plan.symbols, name.str()))
        plan.symbols.push_back(name.str());
    }
    plan.storage[fn.getArgument(i)] = Storage{Storage::Input, i, {}};
  }
  return success();
}

void EntryPlanner::findReturnedResults() {
  auto ret = cast<func::ReturnOp>(fn.getBody().front().getTerminator());
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    Operation *def = v.getDefiningOp();
    bool isKernelResult = def && !isa<dl::ParamOp, dl::ConstantOp>(def) &&
                          !halide::isViewOp(def) && !halide::isAliasOp(def);
    if (isKernelResult && !returnedOnce.count(v))
      returnedOnce[v] = i;
  }
}

void EntryPlanner::addKernel(Kernel k) {
  k.symbol = prefix.str() + "_" + plan.name + "_k" + std::to_string(plan.kernels.size());
  plan.kernels.push_back(std::move(k));
}

void EntryPlanner::assignResult(Value v) {
  auto it = returnedOnce.find(v);
  if (it != returnedOnce.end())
    plan.storage[v] = Storage{Storage::Output, it->second, {}};
  else if (auto ip = inPlace.find(v); ip != inPlace.end())
    plan.storage[v] = Storage{Storage::Param, ip->second, {}};
  else
    plan.storage[v] = Storage{Storage::Arena, -1, {}};
}

void EntryPlanner::addStepKernel(Kernel::Kind kind, Operation &op) {
  Kernel k;
  k.kind = kind;
  k.anchor = &op;
  for (Value in : op.getOperands())
    k.inputs.push_back(materialize(in));
  for (Value r : op.getResults()) {
    k.outputs.push_back(r);
    assignResult(r);
  }
  addKernel(std::move(k));
}

Value EntryPlanner::materialize(Value v) {
  Operation *def = v.getDefiningOp();
  if (!halide::isViewOp(def) || plan.storage.count(v))
    return v;
  Kernel k;
  k.kind = Kernel::Kind::Copy;
  k.outputs = {v};
  k.inputs = halide::collectLeaves({v});
  plan.storage[v] = Storage{Storage::Arena, -1, {}};
  addKernel(std::move(k));
  return v;
}

LogicalResult EntryPlanner::planOp(Operation &op) {
  if (!isa<dl::DLDialect>(op.getDialect()))
    return op.emitOpError("cannot be compiled to host code");
  for (Value r : op.getResults())
    if (!isa<RankedTensorType>(r.getType()))
      return op.emitOpError("result is not a ranked tensor");
  if (auto p = dyn_cast<dl::ParamOp>(op)) {
    plan.storage[p.getResult()] =
        Storage{Storage::Param, params.offsets.at(p.getName().str()), {}};
    return success();
  }
  if (auto c = dyn_cast<dl::ConstantOp>(op)) {
    if (!isa<DenseElementsAttr>(c.getValue()))
      return op.emitOpError("constant is not a dense elements attribute");
    if (cast<RankedTensorType>(c.getType()).getNumElements() == 0)
      return op.emitOpError("empty constants are not supported");
    plan.storage[c.getResult()] =
        Storage{Storage::Const, (int64_t)plan.constants.size(), {}};
    plan.constants.push_back(&op);
    return success();
  }
  if (halide::isViewOp(&op))
    return success();
  if (auto a = dyn_cast<dl::AssignOp>(op)) {
    if (inPlace.count(a.getValue()))
      return success(); // the update wrote the parameter itself
    Value v = materialize(a.getValue());
    plan.assigns.push_back({v, params.offsets.at(a.getName().str())});
    return success();
  }
  if (auto r = dyn_cast<dl::ReshapeOp>(op)) {
    Value in = materialize(r.getInput());
    plan.storage[r.getResult()] = Storage{Storage::Alias, 0, in};
    return success();
  }
  if (isa<dl::LSTMGradOp>(op)) {
    // The forward cell (to recompute h and c of every step), then the
    // reverse cell; the host loops of the second call both.
    Kernel fwd;
    fwd.kind = Kernel::Kind::LSTMCell;
    fwd.anchor = &op;
    for (Value in : op.getOperands().take_front(4))
      fwd.inputs.push_back(materialize(in));
    addKernel(std::move(fwd));
    addStepKernel(Kernel::Kind::LSTMGradCell, op);
    return success();
  }
  if (isa<dl::LSTMOp>(op)) {
    addStepKernel(Kernel::Kind::LSTMCell, op);
    return success();
  }
  return planComputeOp(op);
}

LogicalResult EntryPlanner::planComputeOp(Operation &op) {
  Kernel k;
  k.kind = Kernel::Kind::Op;
  k.anchor = &op;
  k.outputs.assign(op.getResults().begin(), op.getResults().end());
  if (auto fusion = dyn_cast<dl::FusionOp>(op)) {
    // The group reads the values defined above its body.
    SmallVector<Value> used;
    fusion.getBody().walk([&](Operation *inner) {
      for (Value v : inner->getOperands())
        if (!fusion->isAncestor(v.getParentBlock()->getParentOp()))
          used.push_back(v);
    });
    k.inputs = halide::collectLeaves(used);
    k.group = fusion.getName().str();
    if (auto attr = fusion->getAttrOfType<DictionaryAttr>(dl::Schedule::kAttrName)) {
      std::string error;
      if (!dl::Schedule::fromAttr(attr, k.schedule, error))
        return fusion.emitOpError("has a bad ") << dl::Schedule::kAttrName << ": " << error;
    }
  } else {
    k.inputs = halide::collectLeaves(llvm::to_vector(op.getOperands()));
  }
  for (Value r : op.getResults())
    assignResult(r);
  Operation *main = k.mainOp();
  addKernel(std::move(k));
  Kernel &added = plan.kernels.back();
  // A second schedule for many rows of x @ w^T.
  if (added.schedule.largeBatch) {
    auto mm = dyn_cast<dl::MatmulOp>(main);
    if (!mm || !cast<RankedTensorType>(mm.getLhs().getType()).isDynamicDim(0))
      return op.emitOpError("has a large_batch schedule but no matmul with a "
                            "run-time number of rows");
    added.largeBatchSymbol = added.symbol + "_large";
    added.largeBatchRows = mm.getLhs();
  }
  return success();
}

void EntryPlanner::planReturnCopies() {
  auto ret = cast<func::ReturnOp>(fn.getBody().front().getTerminator());
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    auto it = returnedOnce.find(v);
    if (it != returnedOnce.end() && it->second == (int64_t)i)
      continue;
    Kernel k;
    k.kind = Kernel::Kind::Copy;
    k.outputs = {v};
    k.inputs = halide::collectLeaves({v});
    k.outputIndex = i;
    addKernel(std::move(k));
  }
}

void EntryPlanner::assignSlots() {
  // Liveness over storage roots (aliases resolve to what they alias).
  DenseMap<Value, int> lastUse;
  for (auto [k, kernel] : llvm::enumerate(plan.kernels)) {
    for (Value in : kernel.inputs)
      lastUse[plan.root(in)] = k;
    if (kernel.kind != Kernel::Kind::Copy || kernel.outputIndex < 0)
      for (Value o : kernel.outputs)
        if (!lastUse.count(o))
          lastUse[o] = k;
  }
  // Assigned values live until the copies after the last kernel.
  for (auto &[v, offset] : plan.assigns)
    lastUse[plan.root(v)] = plan.kernels.size() + 1;
  // Greedy slot assignment in program order.
  std::vector<int> slotFreeAfter; // kernel index after which a slot is free
  for (auto [k, kernel] : llvm::enumerate(plan.kernels)) {
    // A free slot for `v`, busy until kernel `until`.
    auto take = [&](Value v, int until) {
      int chosen = -1;
      for (int s = 0; s < (int)slotFreeAfter.size(); ++s)
        if (slotFreeAfter[s] < (int)k) {
          chosen = s;
          break;
        }
      if (chosen < 0) {
        chosen = slotFreeAfter.size();
        slotFreeAfter.push_back(0);
        plan.slots.emplace_back();
      }
      plan.slots[chosen].push_back({v, (int)k, until});
      slotFreeAfter[chosen] = until;
      return chosen;
    };
    for (Value o : kernel.outputs) {
      auto it = plan.storage.find(o);
      if (it != plan.storage.end() && it->second.kind == Storage::Arena &&
          it->second.index < 0 &&
          !(kernel.kind == Kernel::Kind::Copy && kernel.outputIndex >= 0))
        it->second.index = take(o, std::max(lastUse.lookup(o), (int)k));
    }
    // Scratch buffers live only during the kernel, each sized like a value.
    for (Value proxy : scratchProxies(kernel))
      plan.scratchSlots[kernel.anchor].push_back(take(proxy, k));
  }
}

} // namespace

LogicalResult planEntry(func::FuncOp fn, const ParamLayout &params, StringRef prefix,
                        EntryPlan &plan) {
  return EntryPlanner(fn, params, prefix, plan).run();
}

} // namespace dlc
