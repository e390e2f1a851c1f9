//===- ScheduleTest.cpp - dl.schedule attribute <-> JSON ------------------===//
//
// The schedule a fusion group carries must read back from its attribute
// and from the JSON that --emit=schedules prints, so that a dumped file
// passed to --schedules changes nothing; overrides replace only the keys
// they name.

#include "dlc/Dialect/DL/IR/DLDialect.h"
#include "dlc/Dialect/DL/IR/Schedule.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/JSON.h"

#include <gtest/gtest.h>

using namespace dlc::dl;

namespace {

Schedule tiledWithLargeBatch() {
  Schedule s;
  s.kind = ScheduleKind::MatmulDot;
  s.tile = {8};
  s.largeBatch = std::make_shared<Schedule>();
  s.largeBatch->kind = ScheduleKind::MatmulTiled;
  s.largeBatch->tile = {24, 64, 4, 1};
  s.largeBatch->parallel = false;
  return s;
}

TEST(ScheduleTest, AttributeRoundTrip) {
  mlir::MLIRContext ctx;
  Schedule s = tiledWithLargeBatch(), back;
  std::string error;
  ASSERT_TRUE(Schedule::fromAttr(s.toAttr(&ctx), back, error)) << error;
  EXPECT_EQ(back.kind, ScheduleKind::MatmulDot);
  EXPECT_EQ(back.tile, s.tile);
  ASSERT_TRUE(back.largeBatch);
  EXPECT_EQ(back.largeBatch->kind, ScheduleKind::MatmulTiled);
  EXPECT_EQ(back.largeBatch->tile, s.largeBatch->tile);
  EXPECT_FALSE(back.largeBatch->parallel);
}

TEST(ScheduleTest, JSONDumpMergesToTheSameSchedule) {
  Schedule s = tiledWithLargeBatch(), other;
  std::string error;
  ASSERT_TRUE(other.merge(s.toJSON(), error)) << error;
  EXPECT_EQ(llvm::json::Value(other.toJSON()), llvm::json::Value(s.toJSON()));
}

TEST(ScheduleTest, OverrideKeepsKeysItDoesNotName) {
  Schedule s = tiledWithLargeBatch();
  std::string error;
  ASSERT_TRUE(s.merge(llvm::json::Object{{"parallel", false}}, error)) << error;
  EXPECT_FALSE(s.parallel);
  EXPECT_EQ(s.kind, ScheduleKind::MatmulDot);
  EXPECT_EQ(s.tile, (llvm::SmallVector<int64_t>{8}));
  ASSERT_TRUE(s.largeBatch);
  EXPECT_EQ(s.largeBatch->kind, ScheduleKind::MatmulTiled);
}

TEST(ScheduleTest, BadValuesSayWhy) {
  Schedule s;
  std::string error;
  EXPECT_FALSE(s.merge(llvm::json::Object{{"kind", "fastest"}}, error));
  EXPECT_NE(error.find("unknown schedule kind 'fastest'"), std::string::npos) << error;
  s = Schedule();
  EXPECT_FALSE(s.merge(llvm::json::Object{{"vector", 0}}, error));
  EXPECT_NE(error.find("vector width 0"), std::string::npos) << error;
  s = Schedule();
  EXPECT_FALSE(s.merge(llvm::json::Object{{"tile", llvm::json::Array{4, "x"}}}, error));
  EXPECT_NE(error.find("list of integers"), std::string::npos) << error;
}

TEST(ScheduleTest, ConvTile) {
  auto tile = [](int64_t w, int64_t h, int64_t vectors, int64_t regs = 16) {
    auto t = Schedule::convTile(w, h, vectors, regs);
    return std::make_pair(t.x, t.y);
  };
  using P = std::pair<int64_t, int64_t>;
  // 2 filter vectors on AVX2: at most 13 accumulators, so 3 x 2 positions
  // (14 x 14: one shifted column of tiles) rather than the 7 of a row,
  // which needs 17 registers.
  EXPECT_EQ(tile(14, 14, 2), P(3, 2));
  EXPECT_EQ(tile(28, 28, 2), P(6, 1)); // ties go to the longer row
  // One vector of channels: 14 accumulators, a whole row (rather than the
  // equally good 7 x 2: longer rows broadcast contiguous inputs).
  EXPECT_EQ(tile(14, 14, 1), P(14, 1));
  // 32 registers (AVX-512): 2 vectors x 14 positions, a whole row.
  EXPECT_EQ(tile(14, 14, 2, 32), P(14, 1));
  // Tiny outputs: the whole output.
  EXPECT_EQ(tile(1, 1, 2), P(1, 1));
  EXPECT_EQ(tile(2, 3, 2), P(2, 3));
  // Every tile fits the registers and the output.
  for (int64_t w : {1, 5, 7, 13, 14, 28, 31, 56})
    for (int64_t h : {1, 3, 14, 28})
      for (int64_t v : {1, 2, 4}) {
        auto t = Schedule::convTile(w, h, v);
        EXPECT_LE(t.x * t.y * v + v + 1, 16) << w << "x" << h << " v" << v;
        EXPECT_LE(t.x, w);
        EXPECT_LE(t.y, h);
      }
}

} // namespace
