//===- EntryPoint.cpp - An entry point's host function --------------------===//
//
// Emits, per entry point, `<prefix>_<entry>_arena_bytes(symbols...)` and
// `<prefix>_<entry>(state, symbols..., buffers...)`. The second one:
//
//  1. hands the symbols, buffers and arena size to dlc_rt_begin_call,
//  2. computes every tensor's dims and the arena slots' offsets,
//  3. checks the caller's data before anything runs (equal dims, indices
//     in range; train_step's loss before the first parameter write),
//  4. calls the kernels in order, each on halide_buffer_t descriptors
//     (the host-driven ones in HostLoops.cpp),
//  5. copies dl.assign's values into the parameters once every kernel has
//     read them.
//
// A failing check returns its status without touching anything; a failing
// kernel goes through dlc_rt_end_call, which records which one.
//
//===----------------------------------------------------------------------===//

#include "EntryChecks.h"
#include "HostContext.h"

#include "dlc/Dialect/DL/IR/DLOps.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"

using namespace mlir;

namespace dlc {

using halide::Kernel;

//===----------------------------------------------------------------------===//
// Buffers
//===----------------------------------------------------------------------===//

Value EntryFrame::slotPtr(int64_t slot) {
  return hc.builder.create<LLVM::GEPOp>(hc.loc(), hc.ptrTy, hc.builder.getI8Type(), arena,
                                        ArrayRef<LLVM::GEPArg>{offsets[slot]});
}

Value EntryFrame::ptrOf(Value v) {
  Storage s = plan().storage.lookup(v);
  OpBuilder &builder = hc.builder;
  switch (s.kind) {
  case Storage::Input:
    return args[s.index];
  case Storage::Output:
    return args[func::FuncOp(plan().fn).getNumArguments() + s.index];
  case Storage::Param:
    return builder.create<LLVM::GEPOp>(hc.loc(), hc.ptrTy, builder.getF32Type(), params,
                                       ArrayRef<LLVM::GEPArg>{(int32_t)s.index});
  case Storage::Const:
    return builder.create<LLVM::AddressOfOp>(hc.loc(), hc.ptrTy,
                                             entry.constGlobals[s.index]);
  case Storage::Arena:
    return slotPtr(s.index);
  case Storage::Alias:
    return ptrOf(s.aliasOf);
  case Storage::None:
    break;
  }
  return Value();
}

Value EntryFrame::storageOf(const Kernel &kernel, Value v) {
  if (kernel.kind == Kernel::Kind::Copy && kernel.outputIndex >= 0)
    return args[func::FuncOp(plan().fn).getNumArguments() + kernel.outputIndex];
  return ptrOf(v);
}

void EntryFrame::checkStatus(Value rc, int64_t k) {
  OpBuilder &builder = hc.builder;
  Block *next = new Block();
  Value bad = builder.create<arith::CmpIOp>(hc.loc(), arith::CmpIPredicate::ne, rc, hc.c32(0));
  builder.create<cf::CondBranchOp>(hc.loc(), bad, errBlock, ValueRange{rc, hc.c64(k)}, next,
                                   ValueRange{});
  f.getBody().push_back(next);
  builder.setInsertionPointToStart(next);
}

/// halide_type_t {code, bits, lanes} packed little-endian in an i32.
static int32_t halideTypeBits(Type t) {
  // halide_type_code_t: int 0, uint 1, float 2, bfloat 4.
  int code = t.isBF16() ? 4 : isa<FloatType>(t) ? 2 : t.isInteger(1) ? 1 : 0;
  int bits = t.isInteger(1) ? 1 : (int)t.getIntOrFloatBitWidth();
  return code | (bits << 8) | (1 << 16);
}

Value EntryFrame::makeBuffer(Value hostPtr, Type elemType, ArrayRef<Value> dims,
                             ArrayRef<Value> strides) {
  OpBuilder &builder = hc.builder;
  auto loc = [&] { return hc.loc(); };
  Type ptrTy = hc.ptrTy, i32 = hc.i32;
  LLVM::LLVMStructType bufTy = hc.bufTy, dimTy = hc.dimTy;
  int64_t r = dims.size();
  Value buf, dimArr;
  {
    OpBuilder::InsertionGuard g(builder);
    builder.setInsertionPointToStart(entryBlock);
    Value one = hc.c64(1);
    buf = builder.create<LLVM::AllocaOp>(loc(), ptrTy, bufTy, one, 16);
    dimArr = builder.create<LLVM::AllocaOp>(
        loc(), ptrTy, LLVM::LLVMArrayType::get(dimTy, std::max<int64_t>(r, 1)),
        one, 16);
  }
  auto field = [&](Value base, Type type, ArrayRef<LLVM::GEPArg> idx) {
    return builder.create<LLVM::GEPOp>(loc(), ptrTy, type, base, idx);
  };
  Value zero64 = hc.c64(0);
  Value null = builder.create<LLVM::ZeroOp>(loc(), ptrTy);
  builder.create<LLVM::StoreOp>(loc(), zero64, field(buf, bufTy, {0, 0}));
  builder.create<LLVM::StoreOp>(loc(), null, field(buf, bufTy, {0, 1}));
  builder.create<LLVM::StoreOp>(loc(), hostPtr, field(buf, bufTy, {0, 2}));
  builder.create<LLVM::StoreOp>(loc(), zero64, field(buf, bufTy, {0, 3}));
  builder.create<LLVM::StoreOp>(loc(), hc.c32(halideTypeBits(elemType)),
                                field(buf, bufTy, {0, 4}));
  builder.create<LLVM::StoreOp>(loc(), hc.c32(r), field(buf, bufTy, {0, 5}));
  builder.create<LLVM::StoreOp>(loc(), dimArr, field(buf, bufTy, {0, 6}));
  builder.create<LLVM::StoreOp>(loc(), null, field(buf, bufTy, {0, 7}));
  // Halide's dim 0 is the tensor's last (contiguous) dim.
  Value stride = hc.c64(1);
  for (int64_t k = 0; k < r; ++k) {
    int64_t t = r - 1 - k;
    Value s = strides.empty() ? stride : strides[t];
    auto arrTy = LLVM::LLVMArrayType::get(dimTy, r);
    auto trunc = [&](Value v) {
      return builder.create<arith::TruncIOp>(loc(), i32, v);
    };
    builder.create<LLVM::StoreOp>(loc(), hc.c32(0), field(dimArr, arrTy, {0, (int32_t)k, 0}));
    builder.create<LLVM::StoreOp>(loc(), trunc(dims[t]),
                                  field(dimArr, arrTy, {0, (int32_t)k, 1}));
    builder.create<LLVM::StoreOp>(loc(), trunc(s), field(dimArr, arrTy, {0, (int32_t)k, 2}));
    builder.create<LLVM::StoreOp>(loc(), hc.c32(0), field(dimArr, arrTy, {0, (int32_t)k, 3}));
    if (strides.empty())
      stride = builder.create<arith::MulIOp>(loc(), stride, dims[t]);
  }
  return buf;
}

//===----------------------------------------------------------------------===//
// Arena
//===----------------------------------------------------------------------===//

/// Emits slot sizes/offsets; returns total bytes (or -1 if too large).
static Value emitArenaPlan(HostContext &hc, const EntryPlan &e, DimsMap &dims,
                           SmallVectorImpl<Value> &offsets) {
  OpBuilder &builder = hc.builder;
  auto loc = [&] { return hc.loc(); };
  Value total = hc.c64(0);
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
  for (auto &uses : e.slots) {
    Value size = hc.c64(0);
    for (const EntryPlan::SlotUse &use : uses)
      size = builder.create<arith::MaxSIOp>(loc(), size, hc.bytesOf(use.value, dims));
    // Round up to 64 bytes: every slot starts cache-line aligned.
    size = builder.create<arith::AndIOp>(
        loc(), builder.create<arith::AddIOp>(loc(), size, hc.c64(63)), hc.c64(~63LL));
    offsets.push_back(total);
    total = builder.create<arith::AddIOp>(loc(), total, size);
  }
  return builder.create<arith::SelectOp>(loc(), tooLarge, hc.c64(-1), total);
}

LogicalResult emitArenaBytesFunc(HostContext &hc, const HostEntry &entry) {
  const EntryPlan &e = entry.plan;
  OpBuilder &builder = hc.builder;
  auto loc = [&] { return hc.loc(); };
  OpBuilder::InsertionGuard g(builder);
  builder.setInsertionPointToEnd(hc.host.getBody());
  SmallVector<Type> args(e.symbols.size(), hc.i64);
  std::string name = hc.prefix + "_" + e.name + "_arena_bytes";
  auto fn = builder.create<func::FuncOp>(loc(), name,
                                         builder.getFunctionType(args, {hc.i64}));
  hc.out.publicSymbols.push_back(name);
  Block *b = fn.addEntryBlock();
  builder.setInsertionPointToStart(b);
  DimsMap dims;
  std::vector<DimCheck> dimChecks;
  if (failed(runtimeDims(hc, e, b->getArguments(), dims, dimChecks)))
    return failure();
  SmallVector<Value> offsets;
  Value total = emitArenaPlan(hc, e, dims, offsets);
  // Dims the entry point would reject (outside [1, 2^31 - 1]) cannot be
  // planned either: -1, as for tensors that are too large.
  for (Value sym : b->getArguments())
    for (auto [pred, bound] : {std::pair{arith::CmpIPredicate::slt, int64_t(1)},
                               std::pair{arith::CmpIPredicate::sgt, int64_t(2147483647)}})
      total = builder.create<arith::SelectOp>(
          loc(), builder.create<arith::CmpIOp>(loc(), pred, sym, hc.c64(bound)), hc.c64(-1),
          total);
  builder.create<func::ReturnOp>(loc(), total);
  return success();
}

//===----------------------------------------------------------------------===//
// Checks of the caller's data
//===----------------------------------------------------------------------===//

namespace {

/// Emits the body of one entry function, step by step.
class EntryEmitter {
public:
  EntryEmitter(HostContext &hc, const HostEntry &entry, int entryIndex)
      : hc(hc), builder(hc.builder), e(entry.plan), fn(entry.plan.fn),
        entryIndex(entryIndex),
        frame{hc, entry, {}} {}

  LogicalResult run();

private:
  HostContext &hc;
  OpBuilder &builder;
  const EntryPlan &e;
  func::FuncOp fn;
  int entryIndex;
  EntryFrame frame;
  std::vector<DimCheck> dimChecks;

  Location loc() { return hc.loc(); }
  /// The function, its symbol and buffer arrays, and dlc_rt_begin_call.
  void emitPrologue();
  /// Emits the checks of the caller's data made before any kernel runs:
  /// equal dims (a dl.entry whose dims are inconsistent at compile time is
  /// an error here), indices in range. A failing check returns its status
  /// through `early` (nothing has changed yet).
  LogicalResult emitArgumentChecks();
  LogicalResult emitDimChecks();
  void emitIndexChecks();
  /// train_step: a non-finite loss returns DLC_ERROR_NON_FINITE before any
  /// parameter or optimizer state changes.
  void emitLossCheck(Value lossPtr);
  /// if (status != 0) return status (through `early`); else go on in a new
  /// block.
  void returnIfFailed(Value status);
  /// The kernel before which train_step's loss is checked: the first that
  /// writes a parameter in place (kernels.size(): the copies after the last
  /// kernel). Fails if the loss is not computed before it.
  FailureOr<int64_t> lossCheckPoint(Value lossValue);
  /// A call of kernel `k` on a buffer per input and output (with its
  /// large-batch variant chosen at run time).
  void emitKernelCall(const Kernel &kernel, int64_t k);
  /// dl.assign's copies, the return and the two exits.
  void emitEpilogue();
};

} // namespace

LogicalResult EntryEmitter::emitArgumentChecks() {
  if (failed(emitDimChecks()))
    return failure();
  emitIndexChecks();
  return success();
}

LogicalResult EntryEmitter::emitDimChecks() {
  Region *region = builder.getInsertionBlock()->getParent();
  auto symbolName = [&](Value v) -> std::string {
    for (auto [i, s] : llvm::enumerate(frame.symbols))
      if (s == v)
        return e.symbols[i];
    return "";
  };
  Type ptrTy = hc.ptrTy, i64 = hc.i64;
  auto dimsDiffer = hc.declare("dlc_rt_dims_differ",
                               {ptrTy, ptrTy, i64, ptrTy, i64, i64}, {hc.i32});
  for (auto &check : dimChecks) {
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
    Value msg = builder.create<LLVM::AddressOfOp>(loc(), ptrTy, hc.globalString(what));
    Value st = builder
                   .create<func::CallOp>(loc(), dimsDiffer,
                                         ValueRange{frame.desc, frame.state,
                                                    hc.c64(entryIndex), msg, check.a,
                                                    check.b})
                   .getResult(0);
    builder.create<cf::BranchOp>(loc(), frame.early, ValueRange{st});
    region->push_back(next);
    builder.setInsertionPointToStart(next);
  }
  return success();
}

void EntryEmitter::emitIndexChecks() {
  // Indices that come from the caller: out of range is an error, not a
  // clamped read (PyTorch raises too). Checked on the host, so the same
  // check holds for GPU kernels, where a trap would lose the context.
  Type ptrTy = hc.ptrTy, i64 = hc.i64;
  DimsMap &dims = frame.dims;
  auto checkIndices = hc.declare(
      "dlc_rt_check_indices",
      {ptrTy, ptrTy, i64, ptrTy, ptrTy, ptrTy, ptrTy, i64, hc.i32, i64, i64}, {hc.i32});
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
                    ? builder.create<arith::SubIOp>(loc(), hc.c64(0), limit).getResult()
                    : hc.c64(0);
    SmallVector<Value> idxDims = dims[arg];
    int64_t rank = idxDims.size();
    Value dimArr = builder.create<LLVM::AllocaOp>(
        loc(), ptrTy, LLVM::LLVMArrayType::get(i64, std::max<int64_t>(1, rank)),
        hc.c64(1), 8);
    for (auto [i, d] : llvm::enumerate(idxDims))
      builder.create<LLVM::StoreOp>(
          loc(), d, builder.create<LLVM::GEPOp>(loc(), ptrTy, i64, dimArr,
                                                ArrayRef<LLVM::GEPArg>{(int32_t)i}));
    auto name = fn.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                  dl::DLDialect::kNameAttrName);
    std::string input = name ? name.str() : "argument " + std::to_string(arg.getArgNumber());
    Value inputName =
        builder.create<LLVM::AddressOfOp>(loc(), ptrTy, hc.globalString(input));
    Value what = builder.create<LLVM::AddressOfOp>(loc(), ptrTy,
                                                   hc.globalString(describeOp(op)));
    int32_t bits = tensorType(arg).getElementType().getIntOrFloatBitWidth();
    Value st = builder
                   .create<func::CallOp>(
                       loc(), checkIndices,
                       ValueRange{frame.desc, frame.state, hc.c64(entryIndex), inputName,
                                  what, frame.args[arg.getArgNumber()], dimArr,
                                  hc.c64(rank), hc.c32(bits), low, limit})
                   .getResult(0);
    returnIfFailed(st);
  }
}

void EntryEmitter::returnIfFailed(Value status) {
  Block *next = new Block();
  Value bad =
      builder.create<arith::CmpIOp>(loc(), arith::CmpIPredicate::ne, status, hc.c32(0));
  builder.create<cf::CondBranchOp>(loc(), bad, frame.early, ValueRange{status}, next,
                                   ValueRange{});
  builder.getInsertionBlock()->getParent()->push_back(next);
  builder.setInsertionPointToStart(next);
}

void EntryEmitter::emitLossCheck(Value lossPtr) {
  Type ptrTy = hc.ptrTy;
  auto check = hc.declare("dlc_rt_check_loss", {ptrTy, ptrTy, hc.i64, ptrTy}, {hc.i32});
  Value st = builder
                 .create<func::CallOp>(loc(), check,
                                       ValueRange{frame.desc, frame.state,
                                                  hc.c64(entryIndex), lossPtr})
                 .getResult(0);
  returnIfFailed(st);
}

FailureOr<int64_t> EntryEmitter::lossCheckPoint(Value lossValue) {
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
  return firstWriter;
}

//===----------------------------------------------------------------------===//
// Kernel calls
//===----------------------------------------------------------------------===//

void EntryEmitter::emitPrologue() {
  Type ptrTy = hc.ptrTy, i64 = hc.i64, i32 = hc.i32;
  SmallVector<Type> argTypes = {ptrTy};
  argTypes.append(e.symbols.size(), i64);
  argTypes.append(fn.getNumArguments() + fn.getNumResults(), ptrTy);
  std::string name = hc.prefix + "_" + e.name;
  auto f = builder.create<func::FuncOp>(loc(), name,
                                        builder.getFunctionType(argTypes, {i32}));
  frame.f = f;
  hc.out.publicSymbols.push_back(name);
  Block *entry = frame.entryBlock = f.addEntryBlock();
  Block *errBlock = frame.errBlock = new Block();
  errBlock->addArgument(i32, loc());
  errBlock->addArgument(i64, loc());
  builder.setInsertionPointToStart(entry);

  frame.state = entry->getArgument(0);
  auto symbols = entry->getArguments().slice(1, e.symbols.size());
  frame.symbols.assign(symbols.begin(), symbols.end());
  frame.args.assign(entry->getArguments().begin() + 1 + e.symbols.size(),
                    entry->getArguments().end());
  Value one = frame.one = hc.c64(1);
  frame.desc = builder.create<LLVM::AddressOfOp>(loc(), ptrTy, hc.prefix + "__model");
  Value symArr = builder.create<LLVM::AllocaOp>(
      loc(), ptrTy, LLVM::LLVMArrayType::get(i64, std::max<size_t>(1, e.symbols.size())),
      one, 8);
  for (auto [i, s] : llvm::enumerate(symbols))
    builder.create<LLVM::StoreOp>(
        loc(), s, builder.create<LLVM::GEPOp>(loc(), ptrTy, i64, symArr,
                                              ArrayRef<LLVM::GEPArg>{(int32_t)i}));
  Value argArr = builder.create<LLVM::AllocaOp>(
      loc(), ptrTy, LLVM::LLVMArrayType::get(ptrTy, std::max<size_t>(1, frame.args.size())),
      one, 8);
  for (auto [i, a] : llvm::enumerate(frame.args))
    builder.create<LLVM::StoreOp>(
        loc(), a, builder.create<LLVM::GEPOp>(loc(), ptrTy, ptrTy, argArr,
                                              ArrayRef<LLVM::GEPArg>{(int32_t)i}));
  Value bytes = builder
                    .create<func::CallOp>(loc(), hc.prefix + "_" + e.name + "_arena_bytes",
                                          TypeRange{i64}, symbols)
                    .getResult(0);
  auto begin =
      hc.declare("dlc_rt_begin_call", {ptrTy, ptrTy, i64, ptrTy, ptrTy, i64}, {i32});
  Value st = builder
                 .create<func::CallOp>(loc(), begin,
                                       ValueRange{frame.desc, frame.state,
                                                  hc.c64(entryIndex), symArr, argArr,
                                                  bytes})
                 .getResult(0);
  Block *body = new Block();
  Block *early = frame.early = new Block();
  early->addArgument(i32, loc());
  Value beginFailed =
      builder.create<arith::CmpIOp>(loc(), arith::CmpIPredicate::ne, st, hc.c32(0));
  builder.create<cf::CondBranchOp>(loc(), beginFailed, early, ValueRange{st}, body,
                                   ValueRange{});
  f.getBody().push_back(body);
  builder.setInsertionPointToStart(body);

  frame.params =
      builder
          .create<func::CallOp>(loc(), hc.declare("dlc_rt_params", {ptrTy}, {ptrTy}),
                                ValueRange{frame.state})
          .getResult(0);
  frame.arena =
      builder
          .create<func::CallOp>(loc(), hc.declare("dlc_rt_arena", {ptrTy}, {ptrTy}),
                                ValueRange{frame.state})
          .getResult(0);
}

void EntryEmitter::emitKernelCall(const Kernel &kernel, int64_t k) {
  DimsMap &dims = frame.dims;
  SmallVector<Value> bufs;
  for (Value in : kernel.inputs)
    bufs.push_back(
        frame.makeBuffer(frame.ptrOf(in), tensorType(in).getElementType(), dims[in]));
  for (Value o : kernel.outputs)
    bufs.push_back(frame.makeBuffer(frame.storageOf(kernel, o),
                                    tensorType(o).getElementType(), dims[o]));
  SmallVector<Type> bufTypes(bufs.size(), hc.ptrTy);
  auto callee = hc.declare(kernel.symbol, bufTypes, {hc.i32});
  Value rc;
  if (kernel.largeBatchSymbol.empty()) {
    rc = builder.create<func::CallOp>(loc(), callee, bufs).getResult(0);
  } else {
    auto large = hc.declare(kernel.largeBatchSymbol, bufTypes, {hc.i32});
    Value rows = dims[kernel.largeBatchRows][0];
    Value big = builder.create<arith::CmpIOp>(loc(), arith::CmpIPredicate::sge, rows,
                                              hc.c64(halide::kLargeBatchRows));
    Block *smallB = new Block(), *largeB = new Block(), *join = new Block();
    join->addArgument(hc.i32, loc());
    builder.create<cf::CondBranchOp>(loc(), big, largeB, ValueRange{}, smallB,
                                     ValueRange{});
    for (auto [block, fn] : {std::pair{largeB, large}, std::pair{smallB, callee}}) {
      frame.f.getBody().push_back(block);
      builder.setInsertionPointToStart(block);
      Value r = builder.create<func::CallOp>(loc(), fn, bufs).getResult(0);
      builder.create<cf::BranchOp>(loc(), join, ValueRange{r});
    }
    frame.f.getBody().push_back(join);
    builder.setInsertionPointToStart(join);
    rc = join->getArgument(0);
  }
  frame.checkStatus(rc, k);
}

void EntryEmitter::emitEpilogue() {
  // Parameters change only once every kernel has read them.
  for (auto &[v, offset] : e.assigns) {
    Value dst = builder.create<LLVM::GEPOp>(loc(), hc.ptrTy, builder.getF32Type(),
                                            frame.params,
                                            ArrayRef<LLVM::GEPArg>{(int32_t)offset});
    builder.create<LLVM::MemcpyOp>(loc(), dst, frame.ptrOf(v), hc.bytesOf(v, frame.dims),
                                   false);
  }
  builder.create<func::ReturnOp>(loc(), ValueRange{hc.c32(0)});

  Type ptrTy = hc.ptrTy;
  Block *errBlock = frame.errBlock, *early = frame.early;
  auto end = hc.declare("dlc_rt_end_call", {ptrTy, ptrTy, hc.i64, hc.i32, hc.i64}, {hc.i32});
  frame.f.getBody().push_back(errBlock);
  builder.setInsertionPointToStart(errBlock);
  Value r = builder
                .create<func::CallOp>(loc(), end,
                                      ValueRange{frame.desc, frame.state, hc.c64(entryIndex),
                                                 errBlock->getArgument(0),
                                                 errBlock->getArgument(1)})
                .getResult(0);
  builder.create<func::ReturnOp>(loc(), r);
  frame.f.getBody().push_back(early);
  builder.setInsertionPointToStart(early);
  builder.create<func::ReturnOp>(loc(), early->getArgument(0));
}

LogicalResult EntryEmitter::run() {
  OpBuilder::InsertionGuard g(builder);
  builder.setInsertionPointToEnd(hc.host.getBody());
  emitPrologue();
  if (failed(runtimeDims(hc, e, frame.symbols, frame.dims, dimChecks)))
    return failure();
  (void)emitArenaPlan(hc, e, frame.dims, frame.offsets);
  if (failed(emitArgumentChecks()))
    return failure();

  // train_step: the loss is checked once it is computed and before the
  // first kernel that writes a parameter in place (or the copies into
  // parameters after the last kernel).
  Value lossValue = trainStepLoss(fn, e.name);
  FailureOr<int64_t> firstWriter = lossCheckPoint(lossValue);
  if (failed(firstWriter))
    return failure();
  for (auto [k, kernel] : llvm::enumerate(e.kernels)) {
    if (lossValue && (int64_t)k == *firstWriter)
      emitLossCheck(frame.ptrOf(lossValue));
    // lstm_grad's forward cell runs inside the next kernel's host loops.
    if (kernel.kind == Kernel::Kind::LSTMCell && isa<dl::LSTMGradOp>(kernel.anchor))
      continue;
    if (kernel.kind == Kernel::Kind::LSTMGradCell)
      emitLSTMGradLoops(frame, k);
    else if (kernel.kind == Kernel::Kind::LSTMCell)
      emitLSTMLoops(frame, k);
    else
      emitKernelCall(kernel, k);
  }
  if (lossValue && *firstWriter == (int64_t)e.kernels.size())
    emitLossCheck(frame.ptrOf(lossValue));
  emitEpilogue();
  return success();
}

LogicalResult emitEntryFunc(HostContext &hc, const HostEntry &entry, int entryIndex) {
  return EntryEmitter(hc, entry, entryIndex).run();
}

} // namespace dlc
