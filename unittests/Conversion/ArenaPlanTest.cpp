//===- ArenaPlanTest.cpp - Unit tests for the host code's arena plan ------===//
//
// Plans small dl entry points (parsed from .mlir text) and checks the plan
// against rules recomputed here from its kernel list: arena values that
// are live at the same time never share a slot, in-place optimizer updates
// write their own parameter's storage, views have no storage, reshapes
// alias, returned values are the caller's buffers.
//
//===----------------------------------------------------------------------===//

#include "dlc/Conversion/ArenaPlan.h"
#include "dlc/Dialect/DL/IR/DLDialect.h"
#include "dlc/Dialect/DL/IR/DLOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace dlc;

namespace {

class ArenaPlanTest : public ::testing::Test {
protected:
  ArenaPlanTest() { ctx.loadDialect<dl::DLDialect, func::FuncDialect>(); }

  /// Parses `src` and plans its entry point `entry`.
  void plan(StringRef src, StringRef entry = "forward") {
    module = parseSourceString<ModuleOp>(src, &ctx);
    ASSERT_TRUE(module) << "does not parse";
    ASSERT_TRUE(succeeded(layoutParameters(*module, params)));
    for (auto fn : module->getOps<func::FuncOp>())
      if (auto name = fn->getAttrOfType<StringAttr>(dl::DLDialect::kEntryAttrName);
          name && name.getValue() == entry)
        fn_ = fn;
    ASSERT_TRUE(fn_) << "no entry " << entry.str();
    ASSERT_TRUE(succeeded(planEntry(fn_, params, "m", result)));
  }

  /// The value of `op` in program order whose result is `name`d by its
  /// position: the n-th op of the entry's body.
  Operation *op(unsigned n) {
    auto it = fn_.getBody().front().begin();
    std::advance(it, n);
    return &*it;
  }
  Value resultOf(unsigned n, unsigned r = 0) { return op(n)->getResult(r); }
  Storage storageOf(Value v) { return result.storage.lookup(v); }

  /// Every pair of arena values whose live ranges overlap, recomputed from
  /// the kernels (def: the kernel writing it; last use: its last reader,
  /// the copies into parameters after the last kernel for dl.assign's
  /// values), must be in different slots.
  void expectNoOverlap() {
    DenseMap<Value, std::pair<int, int>> live;
    for (auto [k, kernel] : llvm::enumerate(result.kernels)) {
      for (Value o : kernel.outputs)
        if (!live.count(o))
          live[o] = {(int)k, (int)k};
      for (Value in : kernel.inputs) {
        Value root = result.root(in);
        if (live.count(root))
          live[root].second = std::max(live[root].second, (int)k);
      }
    }
    for (auto &[v, offset] : result.assigns)
      live[result.root(v)].second = result.kernels.size() + 1;
    SmallVector<std::pair<Value, Storage>> arena;
    for (auto &[v, s] : result.storage)
      if (s.kind == Storage::Arena) {
        ASSERT_GE(s.index, 0) << "an arena value without a slot";
        ASSERT_LT(s.index, (int64_t)result.slots.size());
        arena.push_back({v, s});
      }
    for (auto &[a, sa] : arena)
      for (auto &[b, sb] : arena) {
        if (a == b || sa.index != sb.index)
          continue;
        auto [fa, la] = live.lookup(a);
        auto [fb, lb] = live.lookup(b);
        EXPECT_TRUE(la < fb || lb < fa)
            << "two values live at once in slot " << sa.index << ": [" << fa << ", "
            << la << "] and [" << fb << ", " << lb << "]";
      }
    // The plan's own record of each slot agrees.
    for (auto &uses : result.slots)
      for (size_t i = 1; i < uses.size(); ++i)
        EXPECT_GT(uses[i].first, uses[i - 1].last);
  }

  MLIRContext ctx;
  OwningOpRef<ModuleOp> module;
  ParamLayout params;
  func::FuncOp fn_;
  EntryPlan result;
};

TEST_F(ArenaPlanTest, ChainReusesSlotsOfDeadValues) {
  plan(R"mlir(
    func.func @forward(%x: tensor<?x8xf32> {dl.dims = ["batch", 8]})
        -> tensor<?x8xf32> attributes {dl.entry = "forward"} {
      %0 = dl.relu %x : tensor<?x8xf32>
      %1 = dl.exp %0 : tensor<?x8xf32>
      %2 = dl.relu %1 : tensor<?x8xf32>
      %3 = dl.exp %2 : tensor<?x8xf32>
      return %3 : tensor<?x8xf32>
    })mlir");
  EXPECT_EQ(result.name, "forward");
  EXPECT_EQ(result.symbols, std::vector<std::string>{"batch"});
  ASSERT_EQ(result.kernels.size(), 4u);
  EXPECT_EQ(result.kernels[2].symbol, "m_forward_k2");
  EXPECT_EQ(storageOf(fn_.getArgument(0)).kind, Storage::Input);
  // The last result is written into the caller's buffer.
  Storage out = storageOf(resultOf(3));
  EXPECT_EQ(out.kind, Storage::Output);
  EXPECT_EQ(out.index, 0);
  // %0 is dead once %1 is computed: %2 takes its slot, so two slots.
  EXPECT_EQ(storageOf(resultOf(0)).kind, Storage::Arena);
  EXPECT_EQ(result.slots.size(), 2u);
  EXPECT_EQ(storageOf(resultOf(2)).index, storageOf(resultOf(0)).index);
  EXPECT_NE(storageOf(resultOf(1)).index, storageOf(resultOf(0)).index);
  expectNoOverlap();
}

TEST_F(ArenaPlanTest, LiveValuesKeepTheirSlots) {
  // %0 is read by the last op, so nothing computed in between reuses it.
  plan(R"mlir(
    func.func @forward(%x: tensor<16xf32>) -> tensor<16xf32>
        attributes {dl.entry = "forward"} {
      %0 = dl.relu %x : tensor<16xf32>
      %1 = dl.exp %0 : tensor<16xf32>
      %2 = dl.exp %1 : tensor<16xf32>
      %3 = dl.exp %2 : tensor<16xf32>
      %4 = dl.add %3, %0 : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
      return %4 : tensor<16xf32>
    })mlir");
  for (unsigned n : {1, 2, 3})
    EXPECT_NE(storageOf(resultOf(n)).index, storageOf(resultOf(0)).index);
  EXPECT_EQ(result.slots.size(), 3u);
  expectNoOverlap();
}

TEST_F(ArenaPlanTest, ViewsHaveNoStorageAndReshapesAlias) {
  plan(R"mlir(
    func.func @forward(%x: tensor<?x4xf32> {dl.dims = ["batch", 4]})
        -> (tensor<4x?xf32>, tensor<?xf32>) attributes {dl.entry = "forward"} {
      %0 = dl.relu %x : tensor<?x4xf32>
      %1 = dl.transpose %0 [1, 0] : (tensor<?x4xf32>) -> tensor<4x?xf32>
      %2 = dl.reshape %0 [-1] : (tensor<?x4xf32>) -> tensor<?xf32>
      return %1, %2 : tensor<4x?xf32>, tensor<?xf32>
    })mlir");
  EXPECT_FALSE(result.storage.count(resultOf(1)));
  Storage alias = storageOf(resultOf(2));
  EXPECT_EQ(alias.kind, Storage::Alias);
  EXPECT_EQ(alias.aliasOf, resultOf(0));
  EXPECT_EQ(result.root(resultOf(2)), resultOf(0));
  // The relu, then a copy into each result (neither is a kernel's result).
  ASSERT_EQ(result.kernels.size(), 3u);
  EXPECT_EQ(result.kernels[1].kind, halide::Kernel::Kind::Copy);
  EXPECT_EQ(result.kernels[1].outputIndex, 0);
  EXPECT_EQ(result.kernels[2].outputIndex, 1);
  // The relu lives until the second copy has read it.
  ASSERT_EQ(result.slots.size(), 1u);
  EXPECT_EQ(result.slots[0][0].first, 0);
  EXPECT_EQ(result.slots[0][0].last, 2);
  expectNoOverlap();
}

TEST_F(ArenaPlanTest, ParametersAndConstants) {
  plan(R"mlir(
    dl.parameter @a : tensor<3xf32> = zeros
    dl.parameter @b : tensor<17xf32> = zeros
    dl.parameter @c : tensor<2xf32> = zeros
    func.func @forward(%x: tensor<2xf32>) -> tensor<2xf32>
        attributes {dl.entry = "forward"} {
      %0 = dl.param @c : tensor<2xf32>
      %1 = dl.constant dense<[1.0, 2.0]> : tensor<2xf32>
      %2 = dl.add %0, %1 : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
      %3 = dl.add %2, %x : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
      return %3 : tensor<2xf32>
    })mlir");
  // Every parameter starts on a 16-element boundary.
  EXPECT_EQ(params.offsets.at("a"), 0);
  EXPECT_EQ(params.offsets.at("b"), 16);
  EXPECT_EQ(params.offsets.at("c"), 48);
  EXPECT_EQ(params.numElements, 64);
  Storage p = storageOf(resultOf(0));
  EXPECT_EQ(p.kind, Storage::Param);
  EXPECT_EQ(p.index, 48);
  Storage c = storageOf(resultOf(1));
  EXPECT_EQ(c.kind, Storage::Const);
  ASSERT_EQ(result.constants.size(), 1u);
  EXPECT_EQ(result.constants[c.index], op(1));
  expectNoOverlap();
}

/// A train_step tail: Adam updates @w from a gradient; `after` is spliced
/// in after the update.
static std::string adamStep(StringRef after, StringRef results = "tensor<f32>",
                            StringRef returned = "%g0 : tensor<f32>") {
  return (R"mlir(
    dl.parameter @w : tensor<4xf32> = zeros
    dl.parameter @w.m : tensor<4xf32> = zeros non_trainable state
    dl.parameter @w.v : tensor<4xf32> = zeros non_trainable state
    dl.parameter @step : tensor<f32> = zeros non_trainable state
    dl.parameter @lr : tensor<f32> = zeros non_trainable state
    func.func @train_step(%x: tensor<4xf32>) -> ()mlir" +
          results + R"mlir() attributes {dl.entry = "train_step"} {
      %w = dl.param @w : tensor<4xf32>
      %g = dl.mul %w, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
      %g0 = dl.reduce_sum %g axes = [0] : (tensor<4xf32>) -> tensor<f32>
      %m = dl.param @w.m : tensor<4xf32>
      %v = dl.param @w.v : tensor<4xf32>
      %s = dl.param @step : tensor<f32>
      %lr = dl.param @lr : tensor<f32>
      %u:3 = dl.fusion "adam_update_0" {
        %p1, %m1, %v1 = dl.adam_update %w, %g, %m, %v, %s, %lr {beta1 = 0.9 : f64, beta2 = 0.999 : f64, epsilon = 1.0e-8 : f64, weight_decay = 0.0 : f64} : tensor<4xf32>, tensor<f32>, tensor<f32>
        dl.yield %p1, %m1, %v1 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
      } : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
      dl.assign @w, %u#0 : tensor<4xf32>
      dl.assign @w.m, %u#1 : tensor<4xf32>
      dl.assign @w.v, %u#2 : tensor<4xf32>
)mlir" + after + R"mlir(
      return )mlir" + returned + R"mlir(
    })mlir")
      .str();
}

TEST_F(ArenaPlanTest, AdamUpdatesWriteTheirParametersInPlace) {
  plan(adamStep(""), "train_step");
  Operation *fusion = op(7);
  ASSERT_TRUE(isa<dl::FusionOp>(fusion));
  const char *names[] = {"w", "w.m", "w.v"};
  for (auto [r, name] : llvm::enumerate(names)) {
    Storage s = storageOf(fusion->getResult(r));
    EXPECT_EQ(s.kind, Storage::Param) << name;
    EXPECT_EQ(s.index, params.offsets.at(name)) << name;
  }
  // Nothing is left to copy into the parameters.
  EXPECT_TRUE(result.assigns.empty());
  EXPECT_EQ(inPlaceUpdates(fn_, params).size(), 3u);
  expectNoOverlap();
}

TEST_F(ArenaPlanTest, ParameterReadAfterItsUpdateIsCopiedInstead) {
  // The old @w is read after the update (by an elementwise group, which
  // cannot fail on the caller's data, so the update is still in the tail):
  // writing it in place would change what that reader sees, so the update
  // goes to the arena and dl.assign copies it after the last kernel.
  plan(adamStep(R"mlir(
      %late = dl.fusion "exp_0" {
        %e = dl.exp %w : tensor<4xf32>
        dl.yield %e : tensor<4xf32>
      } : tensor<4xf32>)mlir",
                "tensor<f32>, tensor<4xf32>",
                "%g0, %late : tensor<f32>, tensor<4xf32>"),
       "train_step");
  Operation *fusion = op(7);
  Value newW = fusion->getResult(0);
  EXPECT_EQ(storageOf(newW).kind, Storage::Arena);
  ASSERT_EQ(result.assigns.size(), 1u);
  EXPECT_EQ(result.assigns[0].first, newW);
  EXPECT_EQ(result.assigns[0].second, params.offsets.at("w"));
  // The moments nobody reads again still update in place.
  EXPECT_EQ(storageOf(fusion->getResult(1)).kind, Storage::Param);
  // The new @w lives until the copies after the last kernel.
  int64_t slot = storageOf(newW).index;
  EXPECT_EQ(result.slots[slot].back().last, (int)result.kernels.size() + 1);
  expectNoOverlap();
}

TEST_F(ArenaPlanTest, LSTMScratchBuffersLiveOnlyDuringTheKernel) {
  plan(R"mlir(
    func.func @forward(%x: tensor<?x?x8xf32> {dl.dims = ["batch", "seq", 8]},
                       %wih: tensor<16x8xf32>, %whh: tensor<16x4xf32>, %b: tensor<16xf32>)
        -> tensor<?x4xf32> attributes {dl.entry = "forward"} {
      %x1 = dl.exp %x : tensor<?x?x8xf32>
      %o, %h, %c = dl.lstm %x1, %wih, %whh, %b : (tensor<?x?x8xf32>, tensor<16x8xf32>, tensor<16x4xf32>, tensor<16xf32>) -> (tensor<?x?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>)
      %y = dl.relu %h : tensor<?x4xf32>
      return %y : tensor<?x4xf32>
    })mlir");
  EXPECT_EQ(result.symbols, (std::vector<std::string>{"batch", "seq"}));
  ASSERT_EQ(result.kernels.size(), 3u);
  const halide::Kernel &cell = result.kernels[1];
  EXPECT_EQ(cell.kind, halide::Kernel::Kind::LSTMCell);
  auto scratch = result.scratchSlots.lookup(cell.anchor);
  ASSERT_EQ(scratch.size(), 1u);
  // The zero state is sized like h and busy only during the cell: it does
  // not share a slot with the input or the results the cell writes.
  const EntryPlan::SlotUse &use = result.slots[scratch[0]].back();
  EXPECT_EQ(use.first, 1);
  EXPECT_EQ(use.last, 1);
  for (Value v : {resultOf(0), resultOf(1, 0), resultOf(1, 1), resultOf(1, 2)})
    EXPECT_NE(storageOf(v).index, scratch[0]);
  expectNoOverlap();
}

TEST_F(ArenaPlanTest, RejectsOpsOutsideTheDialect) {
  module = parseSourceString<ModuleOp>(R"mlir(
    func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32>
        attributes {dl.entry = "forward"} {
      %0 = func.call @f(%x) : (tensor<4xf32>) -> tensor<4xf32>
      return %0 : tensor<4xf32>
    }
    func.func private @f(tensor<4xf32>) -> tensor<4xf32>)mlir",
                                       &ctx);
  ASSERT_TRUE(module);
  std::string message;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
    message = d.str();
    return success();
  });
  auto fn = *module->getOps<func::FuncOp>().begin();
  EXPECT_TRUE(failed(planEntry(fn, params, "m", result)));
  EXPECT_EQ(message, "'func.call' op cannot be compiled to host code");
}

} // namespace
