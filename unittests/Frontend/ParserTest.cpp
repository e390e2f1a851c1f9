//===- ParserTest.cpp - Unit tests for the .dl parser ---------------------===//

#include "dlc/Frontend/Parser.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <gtest/gtest.h>

using namespace dlc;

namespace {
struct Parsed {
  std::optional<ast::Module> module;
  std::vector<std::string> errors;
};

Parsed parse(llvm::StringRef text) {
  mlir::MLIRContext context;
  Parsed p;
  context.getDiagEngine().registerHandler(
      [&](mlir::Diagnostic &d) { p.errors.push_back(d.str()); });
  llvm::SourceMgr sm;
  sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, "t.dl"),
                        llvm::SMLoc());
  p.module = parseSource(sm, &context);
  return p;
}
} // namespace

TEST(ParserTest, ModelWithTrainSection) {
  auto p = parse(R"(
    model m {
      input x: f32[batch, 4]
      param w: f32[4, 2] = glorot_uniform
      let y = x @ w
      output y
      train { label t: f32[batch, 2]  loss = mse(y, t)  optimizer = sgd() }
    })");
  ASSERT_TRUE(p.module) << (p.errors.empty() ? "" : p.errors[0]);
  ASSERT_EQ(p.module->models.size(), 1u);
  const ast::ModelDecl &m = p.module->models[0];
  EXPECT_EQ(m.name, "m");
  EXPECT_EQ(m.body.size(), 4u);
  ASSERT_TRUE(m.train);
  EXPECT_EQ(m.train->labels.size(), 1u);
  EXPECT_EQ(m.train->settings.size(), 2u);
}

TEST(ParserTest, PrecedenceAndAssociativity) {
  auto p = parse("model m { input x: f32[2] output y = x - x * x - -x }");
  ASSERT_TRUE(p.module);
  auto &out = std::get<ast::OutputStmt>(p.module->models[0].body[1].node);
  // ((x - (x * x)) - (-x))
  auto *top = llvm::dyn_cast<ast::BinaryExpr>(out.value.get());
  ASSERT_TRUE(top);
  EXPECT_EQ(top->getOp(), '-');
  EXPECT_TRUE(llvm::isa<ast::UnaryExpr>(top->getRhs()));
  auto *left = llvm::dyn_cast<ast::BinaryExpr>(&top->getLhs());
  ASSERT_TRUE(left);
  EXPECT_EQ(left->getOp(), '-');
  EXPECT_TRUE(llvm::isa<ast::BinaryExpr>(left->getRhs()));
}

TEST(ParserTest, KeywordArguments) {
  auto p = parse("model m { input x: f32[2] output y = f(x, 1, a=2, b=\"s\") }");
  ASSERT_TRUE(p.module);
  auto &out = std::get<ast::OutputStmt>(p.module->models[0].body[1].node);
  auto *call = llvm::dyn_cast<ast::CallExpr>(out.value.get());
  ASSERT_TRUE(call);
  ASSERT_EQ(call->getArgs().size(), 4u);
  EXPECT_EQ(call->getArgs()[0].keyword, "");
  EXPECT_EQ(call->getArgs()[2].keyword, "a");
  EXPECT_EQ(call->getArgs()[3].keyword, "b");
}

TEST(ParserTest, RecoversAndReportsSeveralErrors) {
  auto p = parse("model m {\n let = 1\n let y 2\n output y\n}");
  EXPECT_FALSE(p.module);
  EXPECT_EQ(p.errors.size(), 2u);
}

TEST(ParserTest, DeepNestingIsAnErrorNotACrash) {
  std::string deep(100000, '(');
  auto p = parse("model m { input x: f32[1] output y = " + deep + "x }");
  EXPECT_FALSE(p.module);
  ASSERT_FALSE(p.errors.empty());
  EXPECT_NE(p.errors[0].find("nested too deeply"), std::string::npos);
}

TEST(ParserTest, LongOperatorChainsAreBounded) {
  std::string chain = "x";
  for (int i = 0; i < 100000; ++i)
    chain += " + x";
  auto p = parse("model m { input x: f32[1] output y = " + chain + " }");
  EXPECT_FALSE(p.module);
}

TEST(ParserTest, ErrorLimit) {
  std::string bad;
  for (int i = 0; i < 1000; ++i)
    bad += "let = 1\n";
  auto p = parse("model m {\n" + bad + "}");
  EXPECT_FALSE(p.module);
  EXPECT_LE(p.errors.size(), Parser::kMaxErrors + 1);
  EXPECT_NE(p.errors.back().find("too many errors"), std::string::npos);
}

TEST(ParserTest, EmptyAndGarbageInputs) {
  EXPECT_TRUE(parse("").module); // no model: MLIRGen reports that
  EXPECT_FALSE(parse(std::string("\0\x01\x02\xff", 4)).module);
  EXPECT_FALSE(parse("}}}}{{{{").module);
}
