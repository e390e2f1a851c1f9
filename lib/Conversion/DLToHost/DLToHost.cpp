//===- DLToHost.cpp - dl entry points to host code calling kernels --------===//
//
// See DLToHost.h. The plan for one entry point:
//
//  1. Storage: function arguments and results are the caller's buffers,
//     parameters live in the state's parameter store, constants in the
//     object's read-only data, reshapes alias their operand, view ops
//     (transpose, broadcast_to, dropout) have no storage -- kernels read
//     through them -- and every other result gets an arena slot.
//  2. Kernels: one per compute op, in program order, plus copies where a
//     view or alias must become a buffer (returned values, dl.lstm input).
//  3. Arena: values are assigned to slots greedily in program order,
//     reusing a slot once its last reader has run (liveness); a slot's
//     size is the largest of its values' sizes, evaluated at run time from
//     the symbolic dims.
//
//===----------------------------------------------------------------------===//

#include "dlc/Conversion/DLToHost.h"
#include "EntryChecks.h"
#include "dlc/Dialect/DL/IR/DLOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <set>

using namespace mlir;

namespace dlc {

bool isValidPrefix(StringRef name) {
  if (name.empty() || !(llvm::isAlpha(name[0]) || name[0] == '_'))
    return false;
  return llvm::all_of(name, [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

std::string toCIdentifier(StringRef name, StringRef lead) {
  std::string s = name.str();
  for (char &c : s)
    if (!llvm::isAlnum(c))
      c = '_';
  if (s.empty() || llvm::isDigit(s[0]))
    s = lead.str() + s;
  return s;
}

namespace {

/// Each tensor's run-time dims. A MapVector: the host code walks it, and
/// walking it in insertion order keeps the object the same from run to run.
using DimsMap = llvm::MapVector<Value, SmallVector<Value>>;

using halide::Kernel;

/// Where a value's elements are.
struct Storage {
  enum Kind { None, Input, Output, Param, Const, Arena, Alias } kind = None;
  int64_t index = 0;        // argument/result index, param offset, slot
  std::string global;       // Const
  Value aliasOf;            // Alias
};

std::string dtypeName(Type t) {
  if (t.isF32()) return "f32";
  if (t.isF64()) return "f64";
  if (t.isF16()) return "f16";
  if (t.isBF16()) return "bf16";
  if (t.isInteger(32)) return "i32";
  if (t.isInteger(64)) return "i64";
  if (t.isInteger(1)) return "bool";
  return "?";
}
std::string cTypeName(Type t) {
  if (t.isF32()) return "float";
  if (t.isF64()) return "double";
  // f16 (IEEE binary16) and bf16 have no portable C type: their bits.
  if (t.isF16() || t.isBF16()) return "uint16_t";
  if (t.isInteger(32)) return "int32_t";
  if (t.isInteger(64)) return "int64_t";
  if (t.isInteger(1)) return "uint8_t";
  return "void";
}
int64_t elementBytes(Type t) {
  if (t.isInteger(1)) return 1;
  return std::max<int64_t>(1, t.getIntOrFloatBitWidth() / 8);
}
/// halide_type_t {code, bits, lanes} packed little-endian in an i32.
int32_t halideTypeBits(Type t) {
  // halide_type_code_t: int 0, uint 1, float 2, bfloat 4.
  int code = t.isBF16() ? 4 : isa<FloatType>(t) ? 2 : t.isInteger(1) ? 1 : 0;
  int bits = t.isInteger(1) ? 1 : (int)t.getIntOrFloatBitWidth();
  return code | (bits << 8) | (1 << 16);
}

RankedTensorType tensorType(Value v) { return cast<RankedTensorType>(v.getType()); }

double toDouble(std::optional<llvm::APFloat> v, double otherwise) {
  return v ? v->convertToDouble() : otherwise;
}

class HostBuilder {
public:
  HostBuilder(ModuleOp dl, StringRef prefix, HostModule &out)
      : dl(dl), ctx(dl.getContext()), prefix(prefix.str()), out(out),
        builder(ctx) {
    ptrTy = LLVM::LLVMPointerType::get(ctx);
    i64 = builder.getI64Type();
    i32 = builder.getI32Type();
    dimTy = LLVM::LLVMStructType::getLiteral(ctx, {i32, i32, i32, i32});
    // halide_buffer_t: device, device_interface, host, flags, type,
    // dimensions, dim, padding (HalideRuntime.h).
    bufTy = LLVM::LLVMStructType::getLiteral(
        ctx, {i64, ptrTy, ptrTy, i64, i32, i32, ptrTy, ptrTy});
  }

  LogicalResult run(StringRef source);

private:
  ModuleOp dl;
  MLIRContext *ctx;
  std::string prefix;
  HostModule &out;
  OpBuilder builder;
  ModuleOp host;
  Type ptrTy, i64, i32;
  LLVM::LLVMStructType dimTy, bufTy;
  std::map<std::string, int64_t> paramOffsets;
  int stringCounter = 0, globalCounter = 0;

  // Per entry point.
  struct Entry {
    func::FuncOp fn;
    std::string name;
    std::vector<std::string> symbols;
    DenseMap<Value, Storage> storage;
    std::vector<Kernel> kernels;       // in execution order
    std::vector<int> kernelIds;        // index into out.kernels
    std::vector<std::vector<Value>> slotMembers;
    // lstm, lstm_grad: arena slots used only during the kernel (see
    // scratchProxies).
    DenseMap<Operation *, SmallVector<int64_t>> scratchSlots;
    // dl.assign: values copied into parameters after the last kernel.
    std::vector<std::pair<Value, int64_t>> assigns;
    // Run-time dims an op requires to be equal, found by runtimeDims and
    // checked before any kernel runs.
    struct DimCheck {
      Operation *op;
      Value a, b;
      std::string which; // "dim 0 of operand 0 and dim 0 of operand 1"
    };
    std::vector<DimCheck> dimChecks;
  };

  /// The scratch buffers of a host-driven kernel, as values of their size:
  /// dl.lstm's zero initial state [B, H]; dl.lstm_grad's zero state, dh and
  /// dc carried between reverse steps ([B, H] each), and the recomputed h and
  /// c of every step ([B, T, H] each).
  static SmallVector<Value> scratchProxies(const Kernel &kernel) {
    if (kernel.kind == Kernel::Kind::LSTMCell)
      if (auto lstm = dyn_cast<dl::LSTMOp>(kernel.anchor))
        return {lstm.getH()};
    if (kernel.kind == Kernel::Kind::LSTMGradCell) {
      auto g = cast<dl::LSTMGradOp>(kernel.anchor);
      return {g.getDH(), g.getDH(), g.getDC(), g.getDOutput(), g.getDOutput()};
    }
    return {};
  }

  Location loc() { return builder.getUnknownLoc(); }
  Value c64(int64_t v) {
    return builder.create<arith::ConstantIntOp>(loc(), v, 64);
  }
  Value c32(int32_t v) {
    return builder.create<arith::ConstantIntOp>(loc(), v, 32);
  }

  LogicalResult planEntry(func::FuncOp fn, Entry &e);
  /// Optimizer results that may be written straight into the parameter
  /// they replace (their dl.assign then copies nothing), with its offset.
  DenseMap<Value, int64_t> inPlaceUpdates(func::FuncOp fn);
  LogicalResult runtimeDims(Entry &e, ValueRange symbols, DimsMap &dims);
  /// Emits the checks of the caller's data made before any kernel runs:
  /// equal dims (a dl.entry whose dims are inconsistent at compile time is
  /// an error here), indices in range. A failing check returns its status
  /// through `early` (nothing has changed yet).
  LogicalResult emitArgumentChecks(Entry &e, int entryIndex, ValueRange symbols,
                                   ArrayRef<Value> args, DimsMap &dims,
                                   Value desc, Value state, Block *early);
  /// train_step: a non-finite loss returns DLC_ERROR_NON_FINITE before any
  /// parameter or optimizer state changes.
  void emitLossCheck(Entry &e, int entryIndex, Value lossPtr, Value desc,
                     Value state, Block *early);
  /// if (status != 0) return status (through `early`); else go on in a new
  /// block.
  void returnIfFailed(Value status, Block *early);

  Value bytesOf(Value v, DimsMap &dims);
  /// Emits slot sizes/offsets; returns total bytes (or -1 if too large).
  Value emitArenaPlan(Entry &e, DimsMap &dims, SmallVectorImpl<Value> &offsets);
  LogicalResult emitArenaBytesFunc(Entry &e);
  LogicalResult emitEntryFunc(Entry &e, int entryIndex);
  Value makeBuffer(Block *entryBlock, Value hostPtr, Type elemType,
                   ArrayRef<Value> dims, ArrayRef<Value> strides = {});
  Value basePointer(Entry &e, Value v, Value params, Value arena,
                    ArrayRef<Value> offsets, ArrayRef<Value> args);

  std::string globalString(StringRef s);
  void emitDescriptor(std::vector<Entry> &entries);
  void emitWrappers();
  func::FuncOp declare(StringRef name, TypeRange args, TypeRange results);
};

func::FuncOp HostBuilder::declare(StringRef name, TypeRange args,
                                  TypeRange results) {
  if (auto f = host.lookupSymbol<func::FuncOp>(name))
    return f;
  OpBuilder::InsertionGuard g(builder);
  builder.setInsertionPointToEnd(host.getBody());
  auto f = builder.create<func::FuncOp>(loc(), name,
                                        builder.getFunctionType(args, results));
  f.setPrivate();
  return f;
}

std::string HostBuilder::globalString(StringRef s) {
  std::string name = prefix + "__str" + std::to_string(stringCounter++);
  OpBuilder::InsertionGuard g(builder);
  builder.setInsertionPointToEnd(host.getBody());
  std::string data = s.str();
  data.push_back('\0');
  auto type = LLVM::LLVMArrayType::get(builder.getI8Type(), data.size());
  builder.create<LLVM::GlobalOp>(loc(), type, /*isConstant=*/true,
                                 LLVM::Linkage::Internal, name,
                                 builder.getStringAttr(data));
  return name;
}

//===----------------------------------------------------------------------===//
// Planning
//===----------------------------------------------------------------------===//

DenseMap<Value, int64_t> HostBuilder::inPlaceUpdates(func::FuncOp fn) {
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
      inPlace[v] = paramOffsets.at(assign.getName().str());
  }
  return inPlace;
}

LogicalResult HostBuilder::planEntry(func::FuncOp fn, Entry &e) {
  e.fn = fn;
  e.name = fn->getAttrOfType<StringAttr>(dl::DLDialect::kEntryAttrName).str();
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
      if (!llvm::is_contained(e.symbols, name.str()))
        e.symbols.push_back(name.str());
    }
    e.storage[fn.getArgument(i)] = Storage{Storage::Input, i, {}, {}};
  }

  auto ret = cast<func::ReturnOp>(fn.getBody().front().getTerminator());
  // A returned kernel result is written straight into the caller's buffer.
  DenseMap<Value, int64_t> returnedOnce;
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    Operation *def = v.getDefiningOp();
    bool isKernelResult = def && !isa<dl::ParamOp, dl::ConstantOp>(def) &&
                          !halide::isViewOp(def) && !halide::isAliasOp(def);
    if (isKernelResult && !returnedOnce.count(v))
      returnedOnce[v] = i;
  }

  DenseMap<Value, int64_t> inPlace = inPlaceUpdates(fn);
  auto newKernel = [&](Kernel k) {
    k.symbol = prefix + "_" + e.name + "_k" + std::to_string(e.kernels.size());
    e.kernels.push_back(std::move(k));
  };
  auto assignResult = [&](Value v) {
    auto it = returnedOnce.find(v);
    if (it != returnedOnce.end())
      e.storage[v] = Storage{Storage::Output, it->second, {}, {}};
    else if (auto ip = inPlace.find(v); ip != inPlace.end())
      e.storage[v] = Storage{Storage::Param, ip->second, {}, {}};
    else
      e.storage[v] = Storage{Storage::Arena, -1, {}, {}};
  };
  // A kernel the host calls step by step (dl.lstm, dl.lstm_grad): it reads
  // every operand from a buffer and writes every result.
  std::function<Value(Value)> materialize;
  auto stepKernel = [&](Kernel::Kind kind, Operation &op) {
    Kernel k;
    k.kind = kind;
    k.anchor = &op;
    for (Value in : op.getOperands())
      k.inputs.push_back(materialize(in));
    for (Value r : op.getResults()) {
      k.outputs.push_back(r);
      assignResult(r);
    }
    newKernel(std::move(k));
  };
  // Views and aliases of views are materialized on demand by a copy.
  materialize = [&](Value v) -> Value {
    Operation *def = v.getDefiningOp();
    if (!halide::isViewOp(def) || e.storage.count(v))
      return v;
    Kernel k;
    k.kind = Kernel::Kind::Copy;
    k.outputs = {v};
    k.inputs = halide::collectLeaves({v});
    e.storage[v] = Storage{Storage::Arena, -1, {}, {}};
    newKernel(std::move(k));
    return v;
  };

  for (Operation &op : fn.getBody().front()) {
    if (isa<func::ReturnOp>(op))
      continue;
    if (!isa<dl::DLDialect>(op.getDialect()))
      return op.emitOpError("cannot be compiled to host code");
    for (Value r : op.getResults())
      if (!isa<RankedTensorType>(r.getType()))
        return op.emitOpError("result is not a ranked tensor");
    if (auto p = dyn_cast<dl::ParamOp>(op)) {
      e.storage[p.getResult()] =
          Storage{Storage::Param, paramOffsets.at(p.getName().str()), {}, {}};
      continue;
    }
    if (auto c = dyn_cast<dl::ConstantOp>(op)) {
      auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
      if (!dense)
        return op.emitOpError("constant is not a dense elements attribute");
      OpBuilder::InsertionGuard g(builder);
      builder.setInsertionPointToEnd(host.getBody());
      auto type = tensorType(c.getResult());
      int64_t n = std::max<int64_t>(1, type.getNumElements());
      auto flat = dense.reshape(RankedTensorType::get({n}, type.getElementType()));
      if (type.getNumElements() == 0)
        return op.emitOpError("empty constants are not supported");
      std::string name = prefix + "__const" + std::to_string(globalCounter++);
      builder.create<LLVM::GlobalOp>(
          loc(), LLVM::LLVMArrayType::get(type.getElementType(), n),
          /*isConstant=*/true, LLVM::Linkage::Internal, name, flat,
          /*alignment=*/64);
      e.storage[c.getResult()] = Storage{Storage::Const, 0, name, {}};
      continue;
    }
    if (halide::isViewOp(&op))
      continue;
    if (auto a = dyn_cast<dl::AssignOp>(op)) {
      if (inPlace.count(a.getValue()))
        continue; // the update wrote the parameter itself
      Value v = materialize(a.getValue());
      e.assigns.push_back({v, paramOffsets.at(a.getName().str())});
      continue;
    }
    if (auto r = dyn_cast<dl::ReshapeOp>(op)) {
      Value in = materialize(r.getInput());
      e.storage[r.getResult()] = Storage{Storage::Alias, 0, {}, in};
      continue;
    }
    if (auto grad = dyn_cast<dl::LSTMGradOp>(op)) {
      // The forward cell (to recompute h and c of every step), then the
      // reverse cell; the host loops of the second call both.
      Kernel fwd;
      fwd.kind = Kernel::Kind::LSTMCell;
      fwd.anchor = &op;
      for (Value in : op.getOperands().take_front(4))
        fwd.inputs.push_back(materialize(in));
      newKernel(std::move(fwd));
      stepKernel(Kernel::Kind::LSTMGradCell, op);
      continue;
    }
    if (isa<dl::LSTMOp>(op)) {
      stepKernel(Kernel::Kind::LSTMCell, op);
      continue;
    }
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
    newKernel(std::move(k));
    Kernel &added = e.kernels.back();
    // A second schedule for many rows of x @ w^T.
    if (added.schedule.largeBatch) {
      auto mm = dyn_cast<dl::MatmulOp>(main);
      if (!mm || !tensorType(mm.getLhs()).isDynamicDim(0))
        return op.emitOpError("has a large_batch schedule but no matmul with a "
                              "run-time number of rows");
      added.largeBatchSymbol = added.symbol + "_large";
      added.largeBatchRows = mm.getLhs();
    }
  }
  // Returned values without a kernel writing them get a copy.
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    auto it = returnedOnce.find(v);
    if (it != returnedOnce.end() && it->second == (int64_t)i)
      continue;
    Kernel k;
    k.kind = Kernel::Kind::Copy;
    k.outputs = {v};
    k.inputs = halide::collectLeaves({v});
    k.symbol = prefix + "_" + e.name + "_k" + std::to_string(e.kernels.size());
    k.outputIndex = i;
    e.kernels.push_back(std::move(k));
  }

  // Liveness over storage roots (aliases resolve to what they alias).
  auto root = [&](Value v) {
    while (e.storage.count(v) && e.storage[v].kind == Storage::Alias)
      v = e.storage[v].aliasOf;
    return v;
  };
  DenseMap<Value, int> lastUse, defAt;
  for (auto [k, kernel] : llvm::enumerate(e.kernels)) {
    for (Value in : kernel.inputs)
      lastUse[root(in)] = k;
    if (kernel.kind != Kernel::Kind::Copy || kernel.outputIndex < 0)
      for (Value o : kernel.outputs) {
        defAt[o] = k;
        if (!lastUse.count(o))
          lastUse[o] = k;
      }
  }
  // Assigned values live until the copies after the last kernel.
  for (auto &[v, offset] : e.assigns)
    lastUse[root(v)] = e.kernels.size() + 1;
  // Greedy slot assignment in program order.
  std::vector<int> slotFreeAfter; // kernel index after which a slot is free
  for (auto [k, kernel] : llvm::enumerate(e.kernels)) {
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
        e.slotMembers.emplace_back();
      }
      e.slotMembers[chosen].push_back(v);
      slotFreeAfter[chosen] = until;
      return chosen;
    };
    for (Value o : kernel.outputs) {
      auto it = e.storage.find(o);
      if (it != e.storage.end() && it->second.kind == Storage::Arena &&
          it->second.index < 0 &&
          !(kernel.kind == Kernel::Kind::Copy && kernel.outputIndex >= 0))
        it->second.index = take(o, std::max(lastUse.lookup(o), (int)k));
    }
    // Scratch buffers live only during the kernel, each sized like a value.
    for (Value proxy : scratchProxies(kernel))
      e.scratchSlots[kernel.anchor].push_back(take(proxy, k));
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Run-time shapes
//===----------------------------------------------------------------------===//

LogicalResult HostBuilder::runtimeDims(Entry &e, ValueRange symbols, DimsMap &dims) {
  func::FuncOp fn = e.fn;
  e.dimChecks.clear(); // of the function being built only
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
  auto maxOf = [&](Value a, Value b) -> Value {
    return builder.create<arith::MaxSIOp>(loc(), a, b);
  };
  auto mul = [&](Value a, Value b) -> Value {
    return builder.create<arith::MulIOp>(loc(), a, b);
  };
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
        e.dimChecks.push_back({&op, a, b, r.describe()});
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

LogicalResult HostBuilder::emitArgumentChecks(Entry &e, int entryIndex,
                                              ValueRange symbols,
                                              ArrayRef<Value> args, DimsMap &dims,
                                              Value desc, Value state,
                                              Block *early) {
  func::FuncOp fn = e.fn;
  Region *region = builder.getInsertionBlock()->getParent();
  auto symbolName = [&](Value v) -> std::string {
    for (auto [i, s] : llvm::enumerate(symbols))
      if (s == v)
        return e.symbols[i];
    return "";
  };
  auto dimsDiffer = declare("dlc_rt_dims_differ",
                            {ptrTy, ptrTy, i64, ptrTy, i64, i64}, {i32});
  for (auto &check : e.dimChecks) {
    std::string a = symbolName(check.a), b = symbolName(check.b);
    if (!a.empty() && !b.empty())
      return check.op->emitOpError("needs the dims '")
             << a << "' and '" << b
             << "' to be equal; give them one name (dl.dims)";
    Value bad = builder.create<arith::CmpIOp>(loc(), arith::CmpIPredicate::ne,
                                              check.a, check.b);
    Block *next = new Block(), *report = new Block();
    builder.create<cf::CondBranchOp>(loc(), bad, report, ValueRange{}, next,
                                     ValueRange{});
    region->push_back(report);
    builder.setInsertionPointToStart(report);
    std::string what = describeOp(check.op) + " needs " + check.which +
                       " to be equal";
    Value msg = builder.create<LLVM::AddressOfOp>(loc(), ptrTy, globalString(what));
    Value st = builder
                   .create<func::CallOp>(loc(), dimsDiffer,
                                         ValueRange{desc, state, c64(entryIndex), msg,
                                                    check.a, check.b})
                   .getResult(0);
    builder.create<cf::BranchOp>(loc(), early, ValueRange{st});
    region->push_back(next);
    builder.setInsertionPointToStart(next);
  }

  // Indices that come from the caller: out of range is an error, not a
  // clamped read (PyTorch raises too). Checked on the host, so the same
  // check holds for GPU kernels, where a trap would lose the context.
  auto checkIndices = declare("dlc_rt_check_indices",
                              {ptrTy, ptrTy, i64, ptrTy, ptrTy, ptrTy, ptrTy, i64, i32, i64, i64},
                              {i32});
  for (const IndexCheck &c : indexChecks(fn)) {
    BlockArgument arg = c.argument;
    Operation *op = c.op;
    Value table = c.table;
    int64_t axis = c.axis;
    auto it = dims.find(table);
    if (it == dims.end() || !dims.count(arg))
      continue;
    Value limit = it->second[axis];
    // [-limit, limit) for gather, [0, limit) for embedding.
    Value low = c.negativeFromEnd
                    ? builder.create<arith::SubIOp>(loc(), c64(0), limit).getResult()
                    : c64(0);
    SmallVector<Value> idxDims = dims[arg];
    int64_t rank = idxDims.size();
    Value dimArr = builder.create<LLVM::AllocaOp>(
        loc(), ptrTy, LLVM::LLVMArrayType::get(i64, std::max<int64_t>(1, rank)),
        c64(1), 8);
    for (auto [i, d] : llvm::enumerate(idxDims))
      builder.create<LLVM::StoreOp>(
          loc(), d, builder.create<LLVM::GEPOp>(loc(), ptrTy, i64, dimArr,
                                                ArrayRef<LLVM::GEPArg>{(int32_t)i}));
    auto name = fn.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                dl::DLDialect::kNameAttrName);
    std::string input = name ? name.str() : "argument " + std::to_string(arg.getArgNumber());
    Value inputName = builder.create<LLVM::AddressOfOp>(loc(), ptrTy, globalString(input));
    Value what = builder.create<LLVM::AddressOfOp>(loc(), ptrTy,
                                                   globalString(describeOp(op)));
    int32_t bits = tensorType(arg).getElementType().getIntOrFloatBitWidth();
    Value st = builder
                   .create<func::CallOp>(
                       loc(), checkIndices,
                       ValueRange{desc, state, c64(entryIndex), inputName, what,
                                  args[arg.getArgNumber()], dimArr, c64(rank), c32(bits),
                                  low, limit})
                   .getResult(0);
    returnIfFailed(st, early);
  }
  return success();
}

void HostBuilder::returnIfFailed(Value status, Block *early) {
  Block *next = new Block();
  Value bad = builder.create<arith::CmpIOp>(loc(), arith::CmpIPredicate::ne, status, c32(0));
  builder.create<cf::CondBranchOp>(loc(), bad, early, ValueRange{status}, next,
                                   ValueRange{});
  builder.getInsertionBlock()->getParent()->push_back(next);
  builder.setInsertionPointToStart(next);
}

void HostBuilder::emitLossCheck(Entry &e, int entryIndex, Value lossPtr, Value desc,
                                Value state, Block *early) {
  auto check = declare("dlc_rt_check_loss", {ptrTy, ptrTy, i64, ptrTy}, {i32});
  Value st = builder
                 .create<func::CallOp>(loc(), check,
                                       ValueRange{desc, state, c64(entryIndex), lossPtr})
                 .getResult(0);
  returnIfFailed(st, early);
}

Value HostBuilder::bytesOf(Value v, DimsMap &dims) {
  auto t = tensorType(v);
  Value n = c64(elementBytes(t.getElementType()));
  for (Value d : dims[v])
    n = builder.create<arith::MulIOp>(loc(), n, d);
  return n;
}

Value HostBuilder::emitArenaPlan(Entry &e, DimsMap &dims,
                                 SmallVectorImpl<Value> &offsets) {
  Value total = c64(0);
  auto f64 = builder.getF64Type();
  // Halide indexes with int32: any tensor over 2^31 - 1 elements is too
  // large. Element counts are checked in f64, which cannot overflow here.
  Value tooLarge = builder.create<arith::ConstantIntOp>(loc(), 0, 1);
  Value limit = builder.create<arith::ConstantFloatOp>(
      loc(), llvm::APFloat(2147483647.0), builder.getF64Type());
  for (auto &[v, d] : dims) {
    Value n = builder.create<arith::ConstantFloatOp>(loc(), llvm::APFloat(1.0),
                                                     builder.getF64Type());
    for (Value x : d)
      n = builder.create<arith::MulFOp>(
          loc(), n, builder.create<arith::SIToFPOp>(loc(), f64, x));
    tooLarge = builder.create<arith::OrIOp>(
        loc(), tooLarge,
        builder.create<arith::CmpFOp>(loc(), arith::CmpFPredicate::OGT, n, limit));
  }
  for (auto &members : e.slotMembers) {
    Value size = c64(0);
    for (Value v : members)
      size = builder.create<arith::MaxSIOp>(loc(), size, bytesOf(v, dims));
    // Round up to 64 bytes: every slot starts cache-line aligned.
    size = builder.create<arith::AndIOp>(
        loc(), builder.create<arith::AddIOp>(loc(), size, c64(63)), c64(~63LL));
    offsets.push_back(total);
    total = builder.create<arith::AddIOp>(loc(), total, size);
  }
  return builder.create<arith::SelectOp>(loc(), tooLarge, c64(-1), total);
}

LogicalResult HostBuilder::emitArenaBytesFunc(Entry &e) {
  OpBuilder::InsertionGuard g(builder);
  builder.setInsertionPointToEnd(host.getBody());
  SmallVector<Type> args(e.symbols.size(), i64);
  std::string name = prefix + "_" + e.name + "_arena_bytes";
  auto fn = builder.create<func::FuncOp>(loc(), name,
                                         builder.getFunctionType(args, {i64}));
  out.publicSymbols.push_back(name);
  Block *b = fn.addEntryBlock();
  builder.setInsertionPointToStart(b);
  DimsMap dims;
  if (failed(runtimeDims(e, b->getArguments(), dims)))
    return failure();
  SmallVector<Value> offsets;
  Value total = emitArenaPlan(e, dims, offsets);
  // Dims the entry point would reject (outside [1, 2^31 - 1]) cannot be
  // planned either: -1, as for tensors that are too large.
  for (Value sym : b->getArguments())
    for (auto [pred, bound] : {std::pair{arith::CmpIPredicate::slt, int64_t(1)},
                               std::pair{arith::CmpIPredicate::sgt, int64_t(2147483647)}})
      total = builder.create<arith::SelectOp>(
          loc(), builder.create<arith::CmpIOp>(loc(), pred, sym, c64(bound)), c64(-1),
          total);
  builder.create<func::ReturnOp>(loc(), total);
  return success();
}

//===----------------------------------------------------------------------===//
// Kernel calls
//===----------------------------------------------------------------------===//

Value HostBuilder::makeBuffer(Block *entryBlock, Value hostPtr, Type elemType,
                              ArrayRef<Value> dims, ArrayRef<Value> strides) {
  int64_t r = dims.size();
  Value buf, dimArr;
  {
    OpBuilder::InsertionGuard g(builder);
    builder.setInsertionPointToStart(entryBlock);
    Value one = c64(1);
    buf = builder.create<LLVM::AllocaOp>(loc(), ptrTy, bufTy, one, 16);
    dimArr = builder.create<LLVM::AllocaOp>(
        loc(), ptrTy, LLVM::LLVMArrayType::get(dimTy, std::max<int64_t>(r, 1)),
        one, 16);
  }
  auto field = [&](Value base, Type type, ArrayRef<LLVM::GEPArg> idx) {
    return builder.create<LLVM::GEPOp>(loc(), ptrTy, type, base, idx);
  };
  Value zero64 = c64(0);
  Value null = builder.create<LLVM::ZeroOp>(loc(), ptrTy);
  builder.create<LLVM::StoreOp>(loc(), zero64, field(buf, bufTy, {0, 0}));
  builder.create<LLVM::StoreOp>(loc(), null, field(buf, bufTy, {0, 1}));
  builder.create<LLVM::StoreOp>(loc(), hostPtr, field(buf, bufTy, {0, 2}));
  builder.create<LLVM::StoreOp>(loc(), zero64, field(buf, bufTy, {0, 3}));
  builder.create<LLVM::StoreOp>(loc(), c32(halideTypeBits(elemType)),
                                field(buf, bufTy, {0, 4}));
  builder.create<LLVM::StoreOp>(loc(), c32(r), field(buf, bufTy, {0, 5}));
  builder.create<LLVM::StoreOp>(loc(), dimArr, field(buf, bufTy, {0, 6}));
  builder.create<LLVM::StoreOp>(loc(), null, field(buf, bufTy, {0, 7}));
  // Halide's dim 0 is the tensor's last (contiguous) dim.
  Value stride = c64(1);
  for (int64_t k = 0; k < r; ++k) {
    int64_t t = r - 1 - k;
    Value s = strides.empty() ? stride : strides[t];
    auto arrTy = LLVM::LLVMArrayType::get(dimTy, r);
    auto trunc = [&](Value v) {
      return builder.create<arith::TruncIOp>(loc(), i32, v);
    };
    builder.create<LLVM::StoreOp>(loc(), c32(0), field(dimArr, arrTy, {0, (int32_t)k, 0}));
    builder.create<LLVM::StoreOp>(loc(), trunc(dims[t]),
                                  field(dimArr, arrTy, {0, (int32_t)k, 1}));
    builder.create<LLVM::StoreOp>(loc(), trunc(s), field(dimArr, arrTy, {0, (int32_t)k, 2}));
    builder.create<LLVM::StoreOp>(loc(), c32(0), field(dimArr, arrTy, {0, (int32_t)k, 3}));
    if (strides.empty())
      stride = builder.create<arith::MulIOp>(loc(), stride, dims[t]);
  }
  return buf;
}

Value HostBuilder::basePointer(Entry &e, Value v, Value params, Value arena,
                               ArrayRef<Value> offsets, ArrayRef<Value> args) {
  Storage s = e.storage.lookup(v);
  auto i8 = builder.getI8Type();
  switch (s.kind) {
  case Storage::Input:
    return args[s.index];
  case Storage::Output:
    return args[e.fn.getNumArguments() + s.index];
  case Storage::Param:
    return builder.create<LLVM::GEPOp>(loc(), ptrTy, builder.getF32Type(), params,
                                       ArrayRef<LLVM::GEPArg>{(int32_t)s.index});
  case Storage::Const:
    return builder.create<LLVM::AddressOfOp>(loc(), ptrTy, s.global);
  case Storage::Arena:
    return builder.create<LLVM::GEPOp>(loc(), ptrTy, i8, arena,
                                       ArrayRef<LLVM::GEPArg>{offsets[s.index]});
  case Storage::Alias:
    return basePointer(e, s.aliasOf, params, arena, offsets, args);
  case Storage::None:
    break;
  }
  return Value();
}

LogicalResult HostBuilder::emitEntryFunc(Entry &e, int entryIndex) {
  OpBuilder::InsertionGuard g(builder);
  builder.setInsertionPointToEnd(host.getBody());
  func::FuncOp fn = e.fn;
  SmallVector<Type> argTypes = {ptrTy};
  argTypes.append(e.symbols.size(), i64);
  argTypes.append(fn.getNumArguments() + fn.getNumResults(), ptrTy);
  std::string name = prefix + "_" + e.name;
  auto f = builder.create<func::FuncOp>(loc(), name,
                                        builder.getFunctionType(argTypes, {i32}));
  out.publicSymbols.push_back(name);
  Block *entry = f.addEntryBlock();
  Block *errBlock = new Block();
  errBlock->addArgument(i32, loc());
  errBlock->addArgument(i64, loc());
  builder.setInsertionPointToStart(entry);

  Value state = entry->getArgument(0);
  auto symbols = entry->getArguments().slice(1, e.symbols.size());
  SmallVector<Value> args(entry->getArguments().drop_front(1 + e.symbols.size()));
  Value one = c64(1);
  Value desc = builder.create<LLVM::AddressOfOp>(loc(), ptrTy, prefix + "__model");
  Value symArr = builder.create<LLVM::AllocaOp>(
      loc(), ptrTy, LLVM::LLVMArrayType::get(i64, std::max<size_t>(1, e.symbols.size())),
      one, 8);
  for (auto [i, s] : llvm::enumerate(symbols))
    builder.create<LLVM::StoreOp>(
        loc(), s, builder.create<LLVM::GEPOp>(loc(), ptrTy, i64, symArr,
                                              ArrayRef<LLVM::GEPArg>{(int32_t)i}));
  Value argArr = builder.create<LLVM::AllocaOp>(
      loc(), ptrTy, LLVM::LLVMArrayType::get(ptrTy, std::max<size_t>(1, args.size())),
      one, 8);
  for (auto [i, a] : llvm::enumerate(args))
    builder.create<LLVM::StoreOp>(
        loc(), a, builder.create<LLVM::GEPOp>(loc(), ptrTy, ptrTy, argArr,
                                              ArrayRef<LLVM::GEPArg>{(int32_t)i}));
  Value bytes = builder
                    .create<func::CallOp>(loc(), prefix + "_" + e.name + "_arena_bytes",
                                          TypeRange{i64}, symbols)
                    .getResult(0);
  auto begin = declare("dlc_rt_begin_call", {ptrTy, ptrTy, i64, ptrTy, ptrTy, i64}, {i32});
  Value st = builder
                 .create<func::CallOp>(loc(), begin,
                                       ValueRange{desc, state, c64(entryIndex),
                                                  symArr, argArr, bytes})
                 .getResult(0);
  Block *body = new Block();
  Block *early = new Block();
  early->addArgument(i32, loc());
  Value beginFailed =
      builder.create<arith::CmpIOp>(loc(), arith::CmpIPredicate::ne, st, c32(0));
  builder.create<cf::CondBranchOp>(loc(), beginFailed, early, ValueRange{st}, body,
                                   ValueRange{});
  f.getBody().push_back(body);
  builder.setInsertionPointToStart(body);

  Value params = builder
                     .create<func::CallOp>(loc(), declare("dlc_rt_params", {ptrTy}, {ptrTy}),
                                           ValueRange{state})
                     .getResult(0);
  Value arena = builder
                    .create<func::CallOp>(loc(), declare("dlc_rt_arena", {ptrTy}, {ptrTy}),
                                          ValueRange{state})
                    .getResult(0);
  DimsMap dims;
  if (failed(runtimeDims(e, symbols, dims)))
    return failure();
  SmallVector<Value> offsets;
  (void)emitArenaPlan(e, dims, offsets);
  if (failed(emitArgumentChecks(e, entryIndex, symbols, args, dims, desc, state, early)))
    return failure();

  auto checkStatus = [&](Value rc, int64_t k) {
    Block *next = new Block();
    Value bad = builder.create<arith::CmpIOp>(loc(), arith::CmpIPredicate::ne, rc, c32(0));
    builder.create<cf::CondBranchOp>(loc(), bad, errBlock, ValueRange{rc, c64(k)}, next,
                                     ValueRange{});
    f.getBody().push_back(next);
    builder.setInsertionPointToStart(next);
  };
  auto ptrOf = [&](Value v) { return basePointer(e, v, params, arena, offsets, args); };
  auto storageOf = [&](Kernel &k, Value v) -> Value {
    if (k.kind == Kernel::Kind::Copy && k.outputIndex >= 0)
      return args[fn.getNumArguments() + k.outputIndex];
    return ptrOf(v);
  };

  // train_step: the loss is checked once it is computed and before the
  // first kernel that writes a parameter in place (or the copies into
  // parameters after the last kernel).
  Value lossValue = trainStepLoss(fn, e.name);
  int64_t lossKernel = -1, firstWriter = e.kernels.size();
  for (auto [k, kernel] : llvm::enumerate(e.kernels)) {
    for (Value o : kernel.outputs) {
      if (o == lossValue && lossKernel < 0)
        lossKernel = k;
      auto it = e.storage.find(o);
      if (it != e.storage.end() && it->second.kind == Storage::Param &&
          firstWriter == (int64_t)e.kernels.size())
        firstWriter = k;
    }
  }
  if (lossValue && (lossKernel < 0 || lossKernel >= firstWriter))
    return fn.emitOpError("internal error: the loss of train_step is not "
                          "computed before the parameters are updated");
  for (auto [k, kernel] : llvm::enumerate(e.kernels)) {
    if (lossValue && (int64_t)k == firstWriter)
      emitLossCheck(e, entryIndex, ptrOf(lossValue), desc, state, early);
    auto i8 = builder.getI8Type();
    // lstm_grad's forward cell runs inside the next kernel's host loops.
    if (kernel.kind == Kernel::Kind::LSTMCell && isa<dl::LSTMGradOp>(kernel.anchor))
      continue;
    if (kernel.kind == Kernel::Kind::LSTMGradCell) {
      auto grad = cast<dl::LSTMGradOp>(kernel.anchor);
      auto f32 = builder.getF32Type();
      Value x = grad.getInput();
      Value B = dims[x][0], T = dims[x][1], I = dims[x][2];
      Value Hc = c64(tensorType(grad.getDH()).getDimSize(1));
      Value TI = builder.create<arith::MulIOp>(loc(), T, I);
      Value TH = builder.create<arith::MulIOp>(loc(), T, Hc);
      auto at = [&](Value base, Value index) {
        return builder.create<LLVM::GEPOp>(loc(), ptrTy, f32, base, ArrayRef<LLVM::GEPArg>{index})
            .getResult();
      };
      SmallVector<Value> scratch;
      for (int64_t slot : e.scratchSlots[kernel.anchor])
        scratch.push_back(builder.create<LLVM::GEPOp>(loc(), ptrTy, i8, arena,
                                                      ArrayRef<LLVM::GEPArg>{offsets[slot]}));
      Value zeroPtr = scratch[0], dhPtr = scratch[1], dcPtr = scratch[2], hSeq = scratch[3],
            cSeq = scratch[4];
      Value stateBytes = builder.create<arith::MulIOp>(
          loc(), builder.create<arith::MulIOp>(loc(), B, Hc), c64(4));
      Value zeroByte = builder.create<arith::ConstantIntOp>(loc(), 0, 8);
      builder.create<LLVM::MemsetOp>(loc(), zeroPtr, zeroByte, stateBytes, false);
      builder.create<LLVM::MemcpyOp>(loc(), dhPtr, ptrOf(grad.getDH()), stateBytes, false);
      builder.create<LLVM::MemcpyOp>(loc(), dcPtr, ptrOf(grad.getDC()), stateBytes, false);
      SmallVector<Value> outPtrs;
      for (Value r : grad.getResults())
        outPtrs.push_back(storageOf(kernel, r));
      // The weight gradients accumulate over the steps from zero.
      for (Value r : grad.getResults().drop_front())
        builder.create<LLVM::MemsetOp>(loc(), storageOf(kernel, r), zeroByte, bytesOf(r, dims),
                                       false);
      Value xPtr = ptrOf(x), dOut = ptrOf(grad.getDOutput());
      SmallVector<Value> weights;
      for (Value w : {grad.getWIh(), grad.getWHh(), grad.getBias()})
        weights.push_back(makeBuffer(entry, ptrOf(w), f32, dims[w]));
      // for (s = 0; s < T; ++s) body(s), as blocks.
      auto loopOverSteps = [&](llvm::function_ref<void(Value)> body) {
        Block *header = new Block(), *loopBody = new Block(), *exit = new Block();
        header->addArgument(i64, loc());
        builder.create<cf::BranchOp>(loc(), header, ValueRange{c64(0)});
        f.getBody().push_back(header);
        builder.setInsertionPointToStart(header);
        Value s = header->getArgument(0);
        builder.create<cf::CondBranchOp>(
            loc(), builder.create<arith::CmpIOp>(loc(), arith::CmpIPredicate::slt, s, T),
            loopBody, ValueRange{}, exit, ValueRange{});
        f.getBody().push_back(loopBody);
        builder.setInsertionPointToStart(loopBody);
        body(s);
        builder.create<cf::BranchOp>(loc(), header,
                                     ValueRange{builder.create<arith::AddIOp>(loc(), s, one)});
        f.getBody().push_back(exit);
        builder.setInsertionPointToStart(exit);
      };
      // Step t's [B, H] view of a [B, T, H] sequence, and step t - 1's
      // (the zero state at t = 0).
      auto stepOf = [&](Value seq, Value t) {
        return makeBuffer(entry, at(seq, builder.create<arith::MulIOp>(loc(), t, Hc)), f32,
                          {B, Hc}, {TH, one});
      };
      auto previous = [&](Value seq, Value t) {
        Value first = builder.create<arith::CmpIOp>(loc(), arith::CmpIPredicate::eq, t, c64(0));
        Value prev = at(seq, builder.create<arith::MulIOp>(
                                 loc(), builder.create<arith::SubIOp>(loc(), t, one), Hc));
        return makeBuffer(entry, builder.create<arith::SelectOp>(loc(), first, zeroPtr, prev),
                          f32, {B, Hc},
                          {builder.create<arith::SelectOp>(loc(), first, Hc, TH), one});
      };
      auto inputStep = [&](Value base, Value t) {
        return makeBuffer(entry, at(base, builder.create<arith::MulIOp>(loc(), t, I)), f32,
                          {B, I}, {TI, one});
      };
      auto call = [&](StringRef symbol, SmallVector<Value> bufs) {
        auto callee = declare(symbol, SmallVector<Type>(bufs.size(), ptrTy), {i32});
        checkStatus(builder.create<func::CallOp>(loc(), callee, bufs).getResult(0), k);
      };
      // Forward: h and c of every step.
      loopOverSteps([&](Value t) {
        call(e.kernels[k - 1].symbol,
             {inputStep(xPtr, t), previous(hSeq, t), previous(cSeq, t), weights[0], weights[1],
              weights[2], stepOf(hSeq, t), stepOf(cSeq, t)});
      });
      // Reverse: t = T - 1 .. 0.
      loopOverSteps([&](Value s) {
        Value t = builder.create<arith::SubIOp>(loc(), builder.create<arith::SubIOp>(loc(), T, s),
                                                one);
        Value dh = makeBuffer(entry, dhPtr, f32, {B, Hc});
        Value dc = makeBuffer(entry, dcPtr, f32, {B, Hc});
        SmallVector<Value> acc;
        for (auto [r, p] : llvm::zip(grad.getResults().drop_front(),
                                     ArrayRef<Value>(outPtrs).drop_front()))
          acc.push_back(makeBuffer(entry, p, f32, dims[r]));
        call(kernel.symbol,
             {inputStep(xPtr, t), previous(hSeq, t), previous(cSeq, t), weights[0], weights[1],
              weights[2], stepOf(dOut, t), dh, dc, acc[0], acc[1], acc[2],
              inputStep(outPtrs[0], t), dh, dc, acc[0], acc[1], acc[2]});
      });
      continue;
    }
    if (kernel.kind == Kernel::Kind::LSTMCell) {
      auto lstm = cast<dl::LSTMOp>(kernel.anchor);
      Value x = lstm.getInput();
      auto &xd = dims[x];
      Value B = xd[0], T = xd[1], I = xd[2];
      int64_t H = tensorType(lstm.getH()).getDimSize(1);
      Value Hc = c64(H);
      Value outPtr = storageOf(kernel, lstm.getOutput());
      Value hPtr = storageOf(kernel, lstm.getH());
      Value cPtr = storageOf(kernel, lstm.getC());
      Value zeroPtr = builder.create<LLVM::GEPOp>(
          loc(), ptrTy, i8, arena,
          ArrayRef<LLVM::GEPArg>{offsets[e.scratchSlots[kernel.anchor][0]]});
      Value stateBytes = builder.create<arith::MulIOp>(
          loc(), builder.create<arith::MulIOp>(loc(), B, Hc), c64(4));
      Value zeroByte = builder.create<arith::ConstantIntOp>(loc(), 0, 8);
      builder.create<LLVM::MemsetOp>(loc(), zeroPtr, zeroByte, stateBytes, false);
      builder.create<LLVM::MemsetOp>(loc(), cPtr, zeroByte, stateBytes, false);
      Value xPtr = ptrOf(x);
      Value wih = ptrOf(lstm.getWIh());
      Value whh = ptrOf(lstm.getWHh());
      Value bias = ptrOf(lstm.getBias());
      auto f32 = builder.getF32Type();
      Value TI = builder.create<arith::MulIOp>(loc(), T, I);
      Value TH = builder.create<arith::MulIOp>(loc(), T, Hc);
      // Loop over time steps: header(t) -> body -> header(t + 1).
      Block *header = new Block(), *loopBody = new Block(), *exit = new Block();
      header->addArgument(i64, loc());
      builder.create<cf::BranchOp>(loc(), header, ValueRange{c64(0)});
      f.getBody().push_back(header);
      builder.setInsertionPointToStart(header);
      Value t = header->getArgument(0);
      Value more = builder.create<arith::CmpIOp>(loc(), arith::CmpIPredicate::slt, t, T);
      builder.create<cf::CondBranchOp>(loc(), more, loopBody, ValueRange{}, exit, ValueRange{});
      f.getBody().push_back(loopBody);
      builder.setInsertionPointToStart(loopBody);
      Value xt = builder.create<LLVM::GEPOp>(
          loc(), ptrTy, f32, xPtr,
          ArrayRef<LLVM::GEPArg>{builder.create<arith::MulIOp>(loc(), t, I).getResult()});
      Value ht = builder.create<LLVM::GEPOp>(
          loc(), ptrTy, f32, outPtr,
          ArrayRef<LLVM::GEPArg>{builder.create<arith::MulIOp>(loc(), t, Hc).getResult()});
      Value tPrev = builder.create<arith::SubIOp>(loc(), t, c64(1));
      Value hPrevOut = builder.create<LLVM::GEPOp>(
          loc(), ptrTy, f32, outPtr,
          ArrayRef<LLVM::GEPArg>{builder.create<arith::MulIOp>(loc(), tPrev, Hc).getResult()});
      Value first = builder.create<arith::CmpIOp>(loc(), arith::CmpIPredicate::eq, t, c64(0));
      Value hPrev = builder.create<arith::SelectOp>(loc(), first, zeroPtr, hPrevOut);
      Value hPrevStride = builder.create<arith::SelectOp>(loc(), first, Hc, TH);
      SmallVector<Value> bufs = {
          makeBuffer(entry, xt, f32, {B, I}, {TI, one}),
          makeBuffer(entry, hPrev, f32, {B, Hc}, {hPrevStride, one}),
          makeBuffer(entry, cPtr, f32, {B, Hc}),
          makeBuffer(entry, wih, f32, dims[lstm.getWIh()]),
          makeBuffer(entry, whh, f32, dims[lstm.getWHh()]),
          makeBuffer(entry, bias, f32, dims[lstm.getBias()]),
          makeBuffer(entry, ht, f32, {B, Hc}, {TH, one}),
          makeBuffer(entry, cPtr, f32, {B, Hc})};
      auto callee = declare(kernel.symbol, SmallVector<Type>(bufs.size(), ptrTy), {i32});
      Value rc = builder.create<func::CallOp>(loc(), callee, bufs).getResult(0);
      Block *cont = new Block();
      Value bad = builder.create<arith::CmpIOp>(loc(), arith::CmpIPredicate::ne, rc, c32(0));
      builder.create<cf::CondBranchOp>(loc(), bad, errBlock, ValueRange{rc, c64(k)}, cont,
                                       ValueRange{});
      f.getBody().push_back(cont);
      builder.setInsertionPointToStart(cont);
      builder.create<cf::BranchOp>(loc(), header,
                                   ValueRange{builder.create<arith::AddIOp>(loc(), t, one)});
      f.getBody().push_back(exit);
      builder.setInsertionPointToStart(exit);
      // h = output[:, T - 1, :], row by row.
      Block *rowHeader = new Block(), *rowBody = new Block(), *rowExit = new Block();
      rowHeader->addArgument(i64, loc());
      builder.create<cf::BranchOp>(loc(), rowHeader, ValueRange{c64(0)});
      f.getBody().push_back(rowHeader);
      builder.setInsertionPointToStart(rowHeader);
      Value b = rowHeader->getArgument(0);
      builder.create<cf::CondBranchOp>(
          loc(), builder.create<arith::CmpIOp>(loc(), arith::CmpIPredicate::slt, b, B),
          rowBody, ValueRange{}, rowExit, ValueRange{});
      f.getBody().push_back(rowBody);
      builder.setInsertionPointToStart(rowBody);
      Value src = builder.create<LLVM::GEPOp>(
          loc(), ptrTy, f32, outPtr,
          ArrayRef<LLVM::GEPArg>{builder
                                     .create<arith::AddIOp>(
                                         loc(), builder.create<arith::MulIOp>(loc(), b, TH),
                                         builder.create<arith::MulIOp>(
                                             loc(), builder.create<arith::SubIOp>(loc(), T, one), Hc))
                                     .getResult()});
      Value dst = builder.create<LLVM::GEPOp>(
          loc(), ptrTy, f32, hPtr,
          ArrayRef<LLVM::GEPArg>{builder.create<arith::MulIOp>(loc(), b, Hc).getResult()});
      builder.create<LLVM::MemcpyOp>(loc(), dst, src, c64(H * 4), false);
      builder.create<cf::BranchOp>(loc(), rowHeader,
                                   ValueRange{builder.create<arith::AddIOp>(loc(), b, one)});
      f.getBody().push_back(rowExit);
      builder.setInsertionPointToStart(rowExit);
      continue;
    }
    SmallVector<Value> bufs;
    for (Value in : kernel.inputs)
      bufs.push_back(makeBuffer(entry, ptrOf(in), tensorType(in).getElementType(), dims[in]));
    for (Value o : kernel.outputs)
      bufs.push_back(makeBuffer(entry, storageOf(kernel, o), tensorType(o).getElementType(),
                                dims[o]));
    auto callee = declare(kernel.symbol, SmallVector<Type>(bufs.size(), ptrTy), {i32});
    Value rc;
    if (kernel.largeBatchSymbol.empty()) {
      rc = builder.create<func::CallOp>(loc(), callee, bufs).getResult(0);
    } else {
      auto large =
          declare(kernel.largeBatchSymbol, SmallVector<Type>(bufs.size(), ptrTy), {i32});
      Value rows = dims[kernel.largeBatchRows][0];
      Value big = builder.create<arith::CmpIOp>(loc(), arith::CmpIPredicate::sge, rows,
                                                c64(halide::kLargeBatchRows));
      Block *smallB = new Block(), *largeB = new Block(), *join = new Block();
      join->addArgument(i32, loc());
      builder.create<cf::CondBranchOp>(loc(), big, largeB, ValueRange{}, smallB,
                                       ValueRange{});
      for (auto [block, fn] : {std::pair{largeB, large}, std::pair{smallB, callee}}) {
        f.getBody().push_back(block);
        builder.setInsertionPointToStart(block);
        Value r = builder.create<func::CallOp>(loc(), fn, bufs).getResult(0);
        builder.create<cf::BranchOp>(loc(), join, ValueRange{r});
      }
      f.getBody().push_back(join);
      builder.setInsertionPointToStart(join);
      rc = join->getArgument(0);
    }
    checkStatus(rc, k);
  }
  if (lossValue && firstWriter == (int64_t)e.kernels.size())
    emitLossCheck(e, entryIndex, ptrOf(lossValue), desc, state, early);
  // Parameters change only once every kernel has read them.
  for (auto &[v, offset] : e.assigns) {
    Value dst = builder.create<LLVM::GEPOp>(loc(), ptrTy, builder.getF32Type(), params,
                                            ArrayRef<LLVM::GEPArg>{(int32_t)offset});
    builder.create<LLVM::MemcpyOp>(loc(), dst, ptrOf(v), bytesOf(v, dims), false);
  }
  builder.create<func::ReturnOp>(loc(), ValueRange{c32(0)});

  auto end = declare("dlc_rt_end_call", {ptrTy, ptrTy, i64, i32, i64}, {i32});
  f.getBody().push_back(errBlock);
  builder.setInsertionPointToStart(errBlock);
  Value r = builder
                .create<func::CallOp>(loc(), end,
                                      ValueRange{desc, state, c64(entryIndex),
                                                 errBlock->getArgument(0),
                                                 errBlock->getArgument(1)})
                .getResult(0);
  builder.create<func::ReturnOp>(loc(), r);
  f.getBody().push_back(early);
  builder.setInsertionPointToStart(early);
  builder.create<func::ReturnOp>(loc(), early->getArgument(0));
  return success();
}

//===----------------------------------------------------------------------===//
// Descriptor and public wrappers
//===----------------------------------------------------------------------===//

void HostBuilder::emitDescriptor(std::vector<Entry> &entries) {
  auto f64 = builder.getF64Type();
  auto paramTy = LLVM::LLVMStructType::getLiteral(
      ctx, {ptrTy, ptrTy, i64, i64, i64, i64, i64, i64, i64, f64, f64});
  auto entryTy = LLVM::LLVMStructType::getLiteral(
      ctx, {ptrTy, i64, ptrTy, i64, ptrTy, i64, ptrTy});
  auto modelTy = LLVM::LLVMStructType::getLiteral(ctx, {ptrTy, i64, ptrTy, i64, i64, ptrTy});

  // A global whose initializer region is built by `body`.
  auto global = [&](StringRef name, Type type,
                    llvm::function_ref<Value()> body) {
    OpBuilder::InsertionGuard g(builder);
    builder.setInsertionPointToEnd(host.getBody());
    auto gop = builder.create<LLVM::GlobalOp>(loc(), type, true, LLVM::Linkage::Internal,
                                              name, Attribute(), 8);
    Block *b = builder.createBlock(&gop.getInitializerRegion());
    builder.setInsertionPointToStart(b);
    builder.create<LLVM::ReturnOp>(loc(), body());
  };
  auto cst = [&](int64_t v) -> Value {
    return builder.create<LLVM::ConstantOp>(loc(), i64, builder.getI64IntegerAttr(v));
  };
  auto cstF = [&](double v) -> Value {
    return builder.create<LLVM::ConstantOp>(loc(), f64, builder.getF64FloatAttr(v));
  };
  auto addr = [&](StringRef sym) -> Value {
    return builder.create<LLVM::AddressOfOp>(loc(), ptrTy, sym);
  };
  auto nullPtr = [&]() -> Value { return builder.create<LLVM::ZeroOp>(loc(), ptrTy); };
  auto strings = [&](StringRef name, ArrayRef<std::string> items) -> std::string {
    if (items.empty())
      return "";
    std::vector<std::string> syms;
    for (auto &s : items)
      syms.push_back(globalString(s));
    global(name, LLVM::LLVMArrayType::get(ptrTy, items.size()), [&]() -> Value {
      Value arr = builder.create<LLVM::UndefOp>(loc(), LLVM::LLVMArrayType::get(ptrTy, items.size()));
      for (auto [i, s] : llvm::enumerate(syms))
        arr = builder.create<LLVM::InsertValueOp>(loc(), arr, addr(s), ArrayRef<int64_t>{(int64_t)i});
      return arr;
    });
    return name.str();
  };

  // Parameters.
  std::vector<std::string> nameSyms, dimSyms;
  auto params = llvm::to_vector(dl.getOps<dl::ParameterOp>());
  for (auto [i, p] : llvm::enumerate(params)) {
    nameSyms.push_back(globalString(p.getSymName()));
    auto shape = p.getTensorType().getShape();
    std::string ds = prefix + "__dims" + std::to_string(i);
    OpBuilder::InsertionGuard g(builder);
    builder.setInsertionPointToEnd(host.getBody());
    int64_t n = std::max<size_t>(1, shape.size());
    SmallVector<int64_t> vals(shape.begin(), shape.end());
    if (vals.empty())
      vals.push_back(1);
    builder.create<LLVM::GlobalOp>(
        loc(), LLVM::LLVMArrayType::get(i64, n), true, LLVM::Linkage::Internal, ds,
        DenseElementsAttr::get(RankedTensorType::get({n}, i64), ArrayRef<int64_t>(vals)), 8);
    dimSyms.push_back(ds);
  }
  std::string paramArr = prefix + "__params";
  if (!params.empty())
    global(paramArr, LLVM::LLVMArrayType::get(paramTy, params.size()), [&]() -> Value {
      Type arrTy = LLVM::LLVMArrayType::get(paramTy, params.size());
      Value arr = builder.create<LLVM::UndefOp>(loc(), arrTy);
      for (auto [i, p] : llvm::enumerate(params)) {
        auto shape = p.getTensorType().getShape();
        int64_t numel = p.getTensorType().getNumElements();
        // Fans for PyTorch layouts: [out, in, kernel...].
        int64_t rf = 1;
        for (size_t k = 2; k < shape.size(); ++k)
          rf *= shape[k];
        int64_t fanIn = shape.size() >= 2 ? shape[1] * rf : (shape.empty() ? 1 : shape[0]);
        int64_t fanOut = shape.size() >= 2 ? shape[0] * rf : (shape.empty() ? 1 : shape[0]);
        double a = 0, b = 0;
        switch (p.getInitializer()) {
        case dl::Initializer::constant:
          a = toDouble(p.getValue(), 0.0);
          break;
        case dl::Initializer::normal:
        case dl::Initializer::truncated_normal:
          a = toDouble(p.getMean(), 0.0);
          b = toDouble(p.getStddev(), 0.05);
          break;
        case dl::Initializer::uniform:
          a = toDouble(p.getMinval(), -0.05);
          b = toDouble(p.getMaxval(), 0.05);
          break;
        default:
          break;
        }
        Value s = builder.create<LLVM::UndefOp>(loc(), paramTy);
        SmallVector<Value> fields = {addr(nameSyms[i]),
                                     addr(dimSyms[i]),
                                     cst(shape.size()),
                                     cst(numel),
                                     cst(paramOffsets[p.getSymName().str()]),
                                     cst((int64_t)p.getInitializer()),
                                     // flags: 1 trainable, 2 training state
                                     cst((p.getNonTrainable() ? 0 : 1) |
                                         (p.getState() ? 2 : 0)),
                                     cst(fanIn),
                                     cst(fanOut),
                                     cstF(a),
                                     cstF(b)};
        for (auto [f, v] : llvm::enumerate(fields))
          s = builder.create<LLVM::InsertValueOp>(loc(), s, v, ArrayRef<int64_t>{(int64_t)f});
        arr = builder.create<LLVM::InsertValueOp>(loc(), arr, s, ArrayRef<int64_t>{(int64_t)i});
      }
      return arr;
    });

  // Entry points.
  struct EntryNames { std::string name, symbols, args, kernels; };
  std::vector<EntryNames> en;
  for (auto [i, e] : llvm::enumerate(entries)) {
    EntryNames n;
    n.name = globalString(prefix + "_" + e.name);
    n.symbols = strings(prefix + "__syms" + std::to_string(i), e.symbols);
    std::vector<std::string> argNames;
    for (unsigned a = 0; a < e.fn.getNumArguments(); ++a) {
      auto s = e.fn.getArgAttrOfType<StringAttr>(a, dl::DLDialect::kNameAttrName);
      argNames.push_back(s ? s.str() : "arg" + std::to_string(a));
    }
    for (unsigned r = 0; r < e.fn.getNumResults(); ++r) {
      auto s = e.fn.getResultAttrOfType<StringAttr>(r, dl::DLDialect::kNameAttrName);
      argNames.push_back(s ? s.str() : "result" + std::to_string(r));
    }
    n.args = strings(prefix + "__args" + std::to_string(i), argNames);
    std::vector<std::string> kernelNames;
    for (auto &k : e.kernels) {
      Operation *main = k.mainOp();
      kernelNames.push_back(
          main ? describeOp(main, k.group)
               : describeOp("a copy", k.outputs.front().getLoc(), k.group));
    }
    n.kernels = strings(prefix + "__kernels" + std::to_string(i), kernelNames);
    en.push_back(n);
  }
  std::string entryArr = prefix + "__entries";
  global(entryArr, LLVM::LLVMArrayType::get(entryTy, entries.size()), [&]() -> Value {
    Type arrTy = LLVM::LLVMArrayType::get(entryTy, entries.size());
    Value arr = builder.create<LLVM::UndefOp>(loc(), arrTy);
    for (auto [i, e] : llvm::enumerate(entries)) {
      auto maybe = [&](const std::string &s) { return s.empty() ? nullPtr() : addr(s); };
      SmallVector<Value> fields = {addr(en[i].name),
                                   cst(e.symbols.size()),
                                   maybe(en[i].symbols),
                                   cst(e.fn.getNumArguments() + e.fn.getNumResults()),
                                   maybe(en[i].args),
                                   cst(e.kernels.size()),
                                   maybe(en[i].kernels)};
      Value s = builder.create<LLVM::UndefOp>(loc(), entryTy);
      for (auto [f, v] : llvm::enumerate(fields))
        s = builder.create<LLVM::InsertValueOp>(loc(), s, v, ArrayRef<int64_t>{(int64_t)f});
      arr = builder.create<LLVM::InsertValueOp>(loc(), arr, s, ArrayRef<int64_t>{(int64_t)i});
    }
    return arr;
  });
  std::string modelName = globalString(prefix);
  global(prefix + "__model", modelTy, [&]() -> Value {
    Value s = builder.create<LLVM::UndefOp>(loc(), modelTy);
    SmallVector<Value> fields = {addr(modelName), cst(params.size()),
                                 params.empty() ? nullPtr() : addr(paramArr),
                                 cst(out.interface.paramElems), cst(entries.size()),
                                 addr(entryArr)};
    for (auto [f, v] : llvm::enumerate(fields))
      s = builder.create<LLVM::InsertValueOp>(loc(), s, v, ArrayRef<int64_t>{(int64_t)f});
    return s;
  });
}

void HostBuilder::emitWrappers() {
  // <prefix>_<name>(args...) = dlc_rt_<name>(&<prefix>__model, args...)
  struct Wrapper {
    const char *name;
    std::vector<Type> args;
    std::vector<Type> results;
    bool passDesc;
  };
  std::vector<Wrapper> wrappers = {
      {"create", {ptrTy, i64}, {i32}, true},
      {"destroy", {ptrTy}, {}, true},
      {"last_error", {ptrTy}, {ptrTy}, true},
      {"set_num_threads", {i32}, {i32}, false},
      {"num_params", {}, {i64}, true},
      {"param_name", {i64}, {ptrTy}, true},
      {"param_numel", {ptrTy}, {i64}, true},
      {"get_param", {ptrTy, ptrTy, ptrTy, i64}, {i32}, true},
      {"set_param", {ptrTy, ptrTy, ptrTy, i64}, {i32}, true},
      {"load", {ptrTy, ptrTy}, {i32}, true},
      {"load_buffer", {ptrTy, ptrTy, i64}, {i32}, true},
      {"save", {ptrTy, ptrTy}, {i32}, true},
  };
  OpBuilder::InsertionGuard g(builder);
  for (auto &w : wrappers) {
    SmallVector<Type> rtArgs;
    if (w.passDesc)
      rtArgs.push_back(ptrTy);
    rtArgs.append(w.args.begin(), w.args.end());
    auto rt = declare(std::string("dlc_rt_") + w.name, rtArgs, w.results);
    builder.setInsertionPointToEnd(host.getBody());
    std::string name = prefix + "_" + w.name;
    auto f = builder.create<func::FuncOp>(loc(), name,
                                          builder.getFunctionType(w.args, w.results));
    out.publicSymbols.push_back(name);
    Block *b = f.addEntryBlock();
    builder.setInsertionPointToStart(b);
    SmallVector<Value> callArgs;
    if (w.passDesc)
      callArgs.push_back(builder.create<LLVM::AddressOfOp>(loc(), ptrTy, prefix + "__model"));
    callArgs.append(b->getArguments().begin(), b->getArguments().end());
    auto call = builder.create<func::CallOp>(loc(), rt, callArgs);
    builder.create<func::ReturnOp>(loc(), call.getResults());
  }
}

LogicalResult HostBuilder::run(StringRef source) {
  host = ModuleOp::create(dl.getLoc());
  out.interface.prefix = prefix;
  out.interface.source = source.str();
  if (auto name = dl->getAttrOfType<StringAttr>(dl::DLDialect::kModelAttrName))
    out.interface.model = name.str();
  int64_t offset = 0;
  for (auto p : dl.getOps<dl::ParameterOp>()) {
    auto type = p.getTensorType();
    if (!type.getElementType().isF32())
      return p.emitOpError("only f32 parameters can be compiled");
    paramOffsets[p.getSymName().str()] = offset;
    InterfaceParam ip;
    ip.name = p.getSymName().str();
    ip.shape.assign(type.getShape().begin(), type.getShape().end());
    ip.init = dl::stringifyInitializer(p.getInitializer()).str();
    ip.trainable = !p.getNonTrainable();
    ip.state = p.getState();
    out.interface.params.push_back(ip);
    // 16-element (64-byte) alignment for every parameter's first element.
    offset += (type.getNumElements() + 15) / 16 * 16;
  }
  out.interface.paramElems = offset;

  std::vector<Entry> entries;
  for (auto fn : dl.getOps<func::FuncOp>()) {
    if (!fn->hasAttr(dl::DLDialect::kEntryAttrName))
      continue;
    entries.emplace_back();
    if (failed(planEntry(fn, entries.back())))
      return failure();
  }
  if (entries.empty())
    return emitError(dl.getLoc()) << "the module has no entry point (dl.entry)";
  // A kernel computed by several entry points (the forward pass of
  // forward, loss and evaluate) is compiled once, under its first symbol.
  std::map<std::string, std::pair<std::string, std::string>> bySignature;
  for (Entry &e : entries)
    for (Kernel &k : e.kernels) {
      std::string sig = halide::kernelSignature(k);
      if (sig.empty())
        continue;
      auto [it, inserted] =
          bySignature.try_emplace(sig, std::pair{k.symbol, k.largeBatchSymbol});
      if (!inserted) {
        k.symbol = it->second.first;
        k.largeBatchSymbol = it->second.second;
      }
    }
  std::set<std::string> compiled;

  for (auto [i, e] : llvm::enumerate(entries)) {
    if (failed(emitArenaBytesFunc(e)) || failed(emitEntryFunc(e, i)))
      return failure();
    InterfaceEntry ie;
    ie.name = e.name;
    ie.symbols = e.symbols;
    auto describe = [&](Type type, DictionaryAttr attrs, StringRef fallback) {
      InterfaceTensor t;
      auto tt = cast<RankedTensorType>(type);
      auto name = attrs ? attrs.getAs<StringAttr>(dl::DLDialect::kNameAttrName) : StringAttr();
      t.name = name ? name.str() : fallback.str();
      t.dtype = dtypeName(tt.getElementType());
      t.cType = cTypeName(tt.getElementType());
      auto dims = attrs ? attrs.getAs<ArrayAttr>(dl::DLDialect::kDimsAttrName) : ArrayAttr();
      for (int64_t d = 0; d < tt.getRank(); ++d) {
        if (dims && d < (int64_t)dims.size())
          if (auto s = dyn_cast<StringAttr>(dims[d])) {
            t.dims.push_back(s.str());
            continue;
          }
        t.dims.push_back(tt.isDynamicDim(d) ? "?" : std::to_string(tt.getDimSize(d)));
      }
      return t;
    };
    for (unsigned a = 0; a < e.fn.getNumArguments(); ++a)
      ie.inputs.push_back(describe(e.fn.getArgumentTypes()[a], e.fn.getArgAttrDict(a),
                                   "arg" + std::to_string(a)));
    for (unsigned r = 0; r < e.fn.getNumResults(); ++r)
      ie.outputs.push_back(describe(e.fn.getResultTypes()[r], e.fn.getResultAttrDict(r),
                                    "result" + std::to_string(r)));
    ie.numKernels = e.kernels.size();
    ie.numSlots = e.slotMembers.size();
    out.interface.entries.push_back(ie);
    for (auto &k : e.kernels)
      if (compiled.insert(k.symbol).second)
        out.kernels.push_back(k);
  }
  emitDescriptor(entries);
  emitWrappers();
  out.module = host;
  return success();
}

} // namespace

LogicalResult buildHostModule(ModuleOp dl, StringRef prefix, StringRef source,
                              HostModule &out) {
  if (!isValidPrefix(prefix))
    return emitError(dl.getLoc()) << "'" << prefix
                                  << "' is not a valid C identifier for --name";
  dl.getContext()->loadDialect<arith::ArithDialect, cf::ControlFlowDialect,
                               func::FuncDialect, LLVM::LLVMDialect>();
  HostBuilder b(dl, prefix, out);
  if (failed(b.run(source)))
    return failure();
  // Fold the constants and shared dim arithmetic the builder repeats.
  PassManager pm(dl.getContext());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  return pm.run(*out.module);
}

} // namespace dlc
