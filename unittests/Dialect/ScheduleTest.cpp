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
  s.kind = "matmul_dot";
  s.tile = {8};
  s.largeBatch = std::make_shared<Schedule>();
  s.largeBatch->kind = "matmul_tiled";
  s.largeBatch->tile = {24, 64, 4, 1};
  s.largeBatch->parallel = false;
  return s;
}

TEST(ScheduleTest, AttributeRoundTrip) {
  mlir::MLIRContext ctx;
  Schedule s = tiledWithLargeBatch(), back;
  std::string error;
  ASSERT_TRUE(Schedule::fromAttr(s.toAttr(&ctx), back, error)) << error;
  EXPECT_EQ(back.kind, "matmul_dot");
  EXPECT_EQ(back.tile, s.tile);
  ASSERT_TRUE(back.largeBatch);
  EXPECT_EQ(back.largeBatch->kind, "matmul_tiled");
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
  EXPECT_EQ(s.kind, "matmul_dot");
  EXPECT_EQ(s.tile, (llvm::SmallVector<int64_t>{8}));
  ASSERT_TRUE(s.largeBatch);
  EXPECT_EQ(s.largeBatch->kind, "matmul_tiled");
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

TEST(ScheduleTest, ConvRowTilePrefersDivisors) {
  EXPECT_EQ(Schedule::convRowTile(28, 2), 7); // 14 accumulators
  EXPECT_EQ(Schedule::convRowTile(14, 2), 7);
  EXPECT_EQ(Schedule::convRowTile(5, 2), 5); // the whole row
  EXPECT_EQ(Schedule::convRowTile(30, 2), 6); // no 7 divides 30
  EXPECT_EQ(Schedule::convRowTile(31, 2), 7); // nothing from 4 to 7 does
  EXPECT_EQ(Schedule::convRowTile(28, 4), 3); // 4 vectors: 3 positions
}

} // namespace
