//===- ShapeFunctionsTest.cpp - Unit tests for the dl shape rules ---------===//

#include "dlc/Dialect/DL/IR/ShapeFunctions.h"

#include <gtest/gtest.h>

using namespace dlc;

static TensorShape shape(std::initializer_list<Dim> dims,
                         DType dtype = DType::F32) {
  return TensorShape{dtype, llvm::SmallVector<Dim, 4>(dims)};
}
static Dim n(int64_t v) { return Dim::fixed(v); }
static Dim s(const char *name) { return Dim::named(name); }

TEST(ShapeFunctionsTest, BroadcastKeepsNames) {
  std::string err;
  auto r = inferBroadcastShape(shape({s("batch"), n(128)}), shape({n(128)}),
                               [&](const llvm::Twine &m) { err = m.str(); });
  ASSERT_TRUE(mlir::succeeded(r));
  EXPECT_EQ(r->str(), "f32[batch,128]");
}

TEST(ShapeFunctionsTest, MatmulErrorNamesBothShapes) {
  std::string err;
  auto r = inferMatmulShape(shape({s("batch"), n(784)}), shape({n(512), n(128)}),
                            [&](const llvm::Twine &m) { err = m.str(); });
  EXPECT_TRUE(mlir::failed(r));
  EXPECT_EQ(err, "inner dimensions differ: f32[batch,784] @ f32[512,128]");
}

TEST(ShapeFunctionsTest, ReshapeInfersSymbolically) {
  auto ignore = [](const llvm::Twine &) {};
  auto r = inferReshapeShape(shape({s("batch"), n(28), n(28)}), {-1, 784}, ignore);
  ASSERT_TRUE(mlir::succeeded(r));
  EXPECT_EQ(r->str(), "f32[batch,784]");
  r = inferReshapeShape(shape({s("b"), s("t"), n(512)}), {0, 0, 8, 64}, ignore);
  ASSERT_TRUE(mlir::succeeded(r));
  EXPECT_EQ(r->str(), "f32[b,t,8,64]");
  EXPECT_TRUE(mlir::failed(inferReshapeShape(shape({n(2), n(3)}), {4, -1}, ignore)));
}

TEST(ShapeFunctionsTest, ConvAndPool) {
  auto ignore = [](const llvm::Twine &) {};
  auto c = inferConv2DShape(shape({s("batch"), n(1), n(28), n(28)}),
                            shape({n(32), n(1), n(5), n(5)}), {1, 1},
                            {2, 2, 2, 2}, {1, 1}, 1, ignore);
  ASSERT_TRUE(mlir::succeeded(c));
  EXPECT_EQ(c->str(), "f32[batch,32,28,28]");
  auto p = inferPool2DShape(*c, {2, 2}, {2, 2}, {0, 0, 0, 0}, ignore);
  ASSERT_TRUE(mlir::succeeded(p));
  EXPECT_EQ(p->str(), "f32[batch,32,14,14]");
}

TEST(ShapeFunctionsTest, NamedDimsDifferFromStaticOnes) {
  EXPECT_FALSE(dimsCompatible(s("batch"), n(4)));
  EXPECT_TRUE(dimsCompatible(Dim::unknown(), n(4)));
  EXPECT_FALSE(dimsCompatible(s("a"), s("b")));
}
