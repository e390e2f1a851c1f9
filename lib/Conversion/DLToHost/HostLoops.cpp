//===- HostLoops.cpp - The step loops of host-driven kernels --------------===//
//
// dl.lstm and dl.lstm_grad compile to one Halide kernel per time step (the
// cell), and the host loops over the steps: a step reads the state the
// previous one wrote, which a single Halide pipeline would have to
// recompute or keep in one huge buffer. The loops are plain cf blocks (the
// host pipeline lowers cf, not scf, to LLVM), all built by
// buildCountedLoop.
//
// A step's buffers are strided views of the [B, T, H] sequences: step t's
// [B, H] slice has row stride T * H, and step t - 1's is the zero state at
// t = 0 (a select of pointer and stride, so the cell needs no special case).
//
//===----------------------------------------------------------------------===//

#include "HostContext.h"

#include "dlc/Dialect/DL/IR/DLOps.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"

using namespace mlir;

namespace dlc {

using halide::Kernel;

void buildCountedLoop(HostContext &hc, Value count, Value one,
                      llvm::function_ref<void(Value)> body) {
  OpBuilder &builder = hc.builder;
  Region *region = builder.getInsertionBlock()->getParent();
  Block *header = new Block(), *loopBody = new Block(), *exit = new Block();
  header->addArgument(hc.i64, hc.loc());
  builder.create<cf::BranchOp>(hc.loc(), header, ValueRange{hc.c64(0)});
  region->push_back(header);
  builder.setInsertionPointToStart(header);
  Value i = header->getArgument(0);
  Value more = builder.create<arith::CmpIOp>(hc.loc(), arith::CmpIPredicate::slt, i, count);
  builder.create<cf::CondBranchOp>(hc.loc(), more, loopBody, ValueRange{}, exit, ValueRange{});
  region->push_back(loopBody);
  builder.setInsertionPointToStart(loopBody);
  body(i);
  builder.create<cf::BranchOp>(hc.loc(), header,
                               ValueRange{builder.create<arith::AddIOp>(hc.loc(), i, one)});
  region->push_back(exit);
  builder.setInsertionPointToStart(exit);
}

void emitLSTMLoops(EntryFrame &frame, int64_t k) {
  HostContext &hc = frame.hc;
  OpBuilder &builder = hc.builder;
  auto loc = [&] { return hc.loc(); };
  Type ptrTy = hc.ptrTy;
  DimsMap &dims = frame.dims;
  Value one = frame.one;
  const Kernel &kernel = frame.plan().kernels[k];
  auto lstm = cast<dl::LSTMOp>(kernel.anchor);
  Value x = lstm.getInput();
  auto &xd = dims[x];
  Value B = xd[0], T = xd[1], I = xd[2];
  int64_t H = tensorType(lstm.getH()).getDimSize(1);
  Value Hc = hc.c64(H);
  Value outPtr = frame.storageOf(kernel, lstm.getOutput());
  Value hPtr = frame.storageOf(kernel, lstm.getH());
  Value cPtr = frame.storageOf(kernel, lstm.getC());
  Value zeroPtr = frame.slotPtr(frame.plan().scratchSlots.lookup(kernel.anchor)[0]);
  Value stateBytes = builder.create<arith::MulIOp>(
      loc(), builder.create<arith::MulIOp>(loc(), B, Hc), hc.c64(4));
  Value zeroByte = builder.create<arith::ConstantIntOp>(loc(), 0, 8);
  builder.create<LLVM::MemsetOp>(loc(), zeroPtr, zeroByte, stateBytes, false);
  builder.create<LLVM::MemsetOp>(loc(), cPtr, zeroByte, stateBytes, false);
  Value xPtr = frame.ptrOf(x);
  Value wih = frame.ptrOf(lstm.getWIh());
  Value whh = frame.ptrOf(lstm.getWHh());
  Value bias = frame.ptrOf(lstm.getBias());
  auto f32 = builder.getF32Type();
  Value TI = builder.create<arith::MulIOp>(loc(), T, I);
  Value TH = builder.create<arith::MulIOp>(loc(), T, Hc);
  // Loop over time steps: header(t) -> body -> header(t + 1).
  buildCountedLoop(hc, T, one, [&](Value t) {
    Value xt = builder.create<LLVM::GEPOp>(
        loc(), ptrTy, f32, xPtr,
        ArrayRef<LLVM::GEPArg>{builder.create<arith::MulIOp>(loc(), t, I).getResult()});
    Value ht = builder.create<LLVM::GEPOp>(
        loc(), ptrTy, f32, outPtr,
        ArrayRef<LLVM::GEPArg>{builder.create<arith::MulIOp>(loc(), t, Hc).getResult()});
    Value tPrev = builder.create<arith::SubIOp>(loc(), t, hc.c64(1));
    Value hPrevOut = builder.create<LLVM::GEPOp>(
        loc(), ptrTy, f32, outPtr,
        ArrayRef<LLVM::GEPArg>{builder.create<arith::MulIOp>(loc(), tPrev, Hc).getResult()});
    Value first = builder.create<arith::CmpIOp>(loc(), arith::CmpIPredicate::eq, t, hc.c64(0));
    Value hPrev = builder.create<arith::SelectOp>(loc(), first, zeroPtr, hPrevOut);
    Value hPrevStride = builder.create<arith::SelectOp>(loc(), first, Hc, TH);
    SmallVector<Value> bufs = {
        frame.makeBuffer(xt, f32, {B, I}, {TI, one}),
        frame.makeBuffer(hPrev, f32, {B, Hc}, {hPrevStride, one}),
        frame.makeBuffer(cPtr, f32, {B, Hc}),
        frame.makeBuffer(wih, f32, dims[lstm.getWIh()]),
        frame.makeBuffer(whh, f32, dims[lstm.getWHh()]),
        frame.makeBuffer(bias, f32, dims[lstm.getBias()]),
        frame.makeBuffer(ht, f32, {B, Hc}, {TH, one}),
        frame.makeBuffer(cPtr, f32, {B, Hc})};
    auto callee = hc.declare(kernel.symbol, SmallVector<Type>(bufs.size(), ptrTy), {hc.i32});
    frame.checkStatus(builder.create<func::CallOp>(loc(), callee, bufs).getResult(0), k);
  });
  // h = output[:, T - 1, :], row by row.
  buildCountedLoop(hc, B, one, [&](Value b) {
    Value src = builder.create<LLVM::GEPOp>(
        loc(), ptrTy, f32, outPtr,
        ArrayRef<LLVM::GEPArg>{builder
                                   .create<arith::AddIOp>(
                                       loc(), builder.create<arith::MulIOp>(loc(), b, TH),
                                       builder.create<arith::MulIOp>(
                                           loc(), builder.create<arith::SubIOp>(loc(), T, one),
                                           Hc))
                                   .getResult()});
    Value dst = builder.create<LLVM::GEPOp>(
        loc(), ptrTy, f32, hPtr,
        ArrayRef<LLVM::GEPArg>{builder.create<arith::MulIOp>(loc(), b, Hc).getResult()});
    builder.create<LLVM::MemcpyOp>(loc(), dst, src, hc.c64(H * 4), false);
  });
}

namespace {

/// The buffers of dl.lstm_grad's steps (see emitLSTMGradLoops).
struct LSTMGradSteps {
  EntryFrame &frame;
  Value B, T, I, Hc, TI, TH, zeroPtr;

  HostContext &hc() { return frame.hc; }
  Value at(Value base, Value index) {
    return hc()
        .builder
        .create<LLVM::GEPOp>(hc().loc(), hc().ptrTy, hc().builder.getF32Type(), base,
                             ArrayRef<LLVM::GEPArg>{index})
        .getResult();
  }
  Value mul(Value a, Value b) {
    return hc().builder.create<arith::MulIOp>(hc().loc(), a, b);
  }
  /// Step t's [B, H] view of a [B, T, H] sequence.
  Value stepOf(Value seq, Value t) {
    return frame.makeBuffer(at(seq, mul(t, Hc)), hc().builder.getF32Type(), {B, Hc},
                            {TH, frame.one});
  }
  /// Step t - 1's (the zero state at t = 0).
  Value previous(Value seq, Value t) {
    OpBuilder &builder = hc().builder;
    auto loc = hc().loc();
    Value first = builder.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, t, hc().c64(0));
    Value prev = at(seq, mul(builder.create<arith::SubIOp>(loc, t, frame.one), Hc));
    return frame.makeBuffer(builder.create<arith::SelectOp>(loc, first, zeroPtr, prev),
                            builder.getF32Type(), {B, Hc},
                            {builder.create<arith::SelectOp>(loc, first, Hc, TH), frame.one});
  }
  /// Step t's [B, I] view of a [B, T, I] input.
  Value inputStep(Value base, Value t) {
    return frame.makeBuffer(at(base, mul(t, I)), hc().builder.getF32Type(), {B, I},
                            {TI, frame.one});
  }
  /// A call of `symbol` (of kernel `k`) on `bufs`.
  void call(StringRef symbol, SmallVector<Value> bufs, int64_t k) {
    auto callee =
        hc().declare(symbol, SmallVector<Type>(bufs.size(), hc().ptrTy), {hc().i32});
    frame.checkStatus(
        hc().builder.create<func::CallOp>(hc().loc(), callee, bufs).getResult(0), k);
  }
};

} // namespace

void emitLSTMGradLoops(EntryFrame &frame, int64_t k) {
  HostContext &hc = frame.hc;
  OpBuilder &builder = hc.builder;
  auto loc = [&] { return hc.loc(); };
  DimsMap &dims = frame.dims;
  const EntryPlan &plan = frame.plan();
  const Kernel &kernel = plan.kernels[k];
  auto grad = cast<dl::LSTMGradOp>(kernel.anchor);
  auto f32 = builder.getF32Type();
  Value x = grad.getInput();
  LSTMGradSteps steps{frame, dims[x][0], dims[x][1], dims[x][2], {}, {}, {}, {}};
  Value B = steps.B, T = steps.T;
  Value Hc = steps.Hc = hc.c64(tensorType(grad.getDH()).getDimSize(1));
  steps.TI = builder.create<arith::MulIOp>(loc(), T, steps.I);
  steps.TH = builder.create<arith::MulIOp>(loc(), T, Hc);
  SmallVector<Value> scratch;
  for (int64_t slot : plan.scratchSlots.lookup(kernel.anchor))
    scratch.push_back(frame.slotPtr(slot));
  Value zeroPtr = steps.zeroPtr = scratch[0], dhPtr = scratch[1], dcPtr = scratch[2],
        hSeq = scratch[3], cSeq = scratch[4];
  Value stateBytes = builder.create<arith::MulIOp>(
      loc(), builder.create<arith::MulIOp>(loc(), B, Hc), hc.c64(4));
  Value zeroByte = builder.create<arith::ConstantIntOp>(loc(), 0, 8);
  builder.create<LLVM::MemsetOp>(loc(), zeroPtr, zeroByte, stateBytes, false);
  builder.create<LLVM::MemcpyOp>(loc(), dhPtr, frame.ptrOf(grad.getDH()), stateBytes, false);
  builder.create<LLVM::MemcpyOp>(loc(), dcPtr, frame.ptrOf(grad.getDC()), stateBytes, false);
  SmallVector<Value> outPtrs;
  for (Value r : grad.getResults())
    outPtrs.push_back(frame.storageOf(kernel, r));
  // The weight gradients accumulate over the steps from zero.
  for (Value r : grad.getResults().drop_front())
    builder.create<LLVM::MemsetOp>(loc(), frame.storageOf(kernel, r), zeroByte,
                                   hc.bytesOf(r, dims), false);
  Value xPtr = frame.ptrOf(x), dOut = frame.ptrOf(grad.getDOutput());
  SmallVector<Value> weights;
  for (Value w : {grad.getWIh(), grad.getWHh(), grad.getBias()})
    weights.push_back(frame.makeBuffer(frame.ptrOf(w), f32, dims[w]));
  // Forward: h and c of every step.
  buildCountedLoop(hc, T, frame.one, [&](Value t) {
    steps.call(plan.kernels[k - 1].symbol,
               {steps.inputStep(xPtr, t), steps.previous(hSeq, t), steps.previous(cSeq, t),
                weights[0], weights[1], weights[2], steps.stepOf(hSeq, t),
                steps.stepOf(cSeq, t)},
               k);
  });
  // Reverse: t = T - 1 .. 0.
  buildCountedLoop(hc, T, frame.one, [&](Value s) {
    Value t = builder.create<arith::SubIOp>(loc(), builder.create<arith::SubIOp>(loc(), T, s),
                                            frame.one);
    Value dh = frame.makeBuffer(dhPtr, f32, {B, Hc});
    Value dc = frame.makeBuffer(dcPtr, f32, {B, Hc});
    SmallVector<Value> acc;
    for (auto [r, p] : llvm::zip(grad.getResults().drop_front(),
                                 ArrayRef<Value>(outPtrs).drop_front()))
      acc.push_back(frame.makeBuffer(p, f32, dims[r]));
    steps.call(kernel.symbol,
               {steps.inputStep(xPtr, t), steps.previous(hSeq, t), steps.previous(cSeq, t),
                weights[0], weights[1], weights[2], steps.stepOf(dOut, t), dh, dc, acc[0],
                acc[1], acc[2], steps.inputStep(outPtrs[0], t), dh, dc, acc[0], acc[1],
                acc[2]},
               k);
  });
}

} // namespace dlc
