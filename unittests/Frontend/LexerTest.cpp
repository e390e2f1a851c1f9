//===- LexerTest.cpp - Unit tests for the .dl lexer -----------------------===//

#include "dlc/Frontend/Lexer.h"

#include <gtest/gtest.h>
#include <vector>

using namespace dlc;

static std::vector<Token> lex(llvm::StringRef text) {
  Lexer lexer(text);
  std::vector<Token> out;
  for (Token t = lexer.next();; t = lexer.next()) {
    out.push_back(t);
    if (t.is(TokenKind::Eof))
      return out;
  }
}

TEST(LexerTest, KeywordsIdentifiersAndPunctuation) {
  auto t = lex("model m { let x = a @ b -> c; }");
  std::vector<TokenKind> kinds;
  for (auto &tok : t)
    kinds.push_back(tok.kind);
  std::vector<TokenKind> want = {
      TokenKind::KwModel, TokenKind::Identifier, TokenKind::LBrace,
      TokenKind::KwLet,   TokenKind::Identifier, TokenKind::Equal,
      TokenKind::Identifier, TokenKind::At, TokenKind::Identifier,
      TokenKind::Arrow,   TokenKind::Identifier, TokenKind::Semicolon,
      TokenKind::RBrace,  TokenKind::Eof};
  EXPECT_EQ(kinds, want);
}

TEST(LexerTest, Numbers) {
  auto t = lex("0 42 1.5 .5 1e-3 2E+4 3e");
  EXPECT_EQ(t[0].kind, TokenKind::Integer);
  EXPECT_EQ(t[1].spelling, "42");
  EXPECT_EQ(t[2].kind, TokenKind::Float);
  EXPECT_EQ(t[3].kind, TokenKind::Float);
  EXPECT_EQ(t[4].spelling, "1e-3");
  EXPECT_EQ(t[4].kind, TokenKind::Float);
  EXPECT_EQ(t[5].kind, TokenKind::Float);
  // `3e` is the integer 3 followed by the identifier e.
  EXPECT_EQ(t[6].kind, TokenKind::Integer);
  EXPECT_EQ(t[7].kind, TokenKind::Identifier);
}

TEST(LexerTest, CommentsAreSkipped) {
  auto t = lex("// RUN: dlc %s\nx // trailing\n// last");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].spelling, "x");
}

TEST(LexerTest, Strings) {
  auto t = lex(R"("same" "a\"b" "open)");
  EXPECT_EQ(t[0].kind, TokenKind::String);
  EXPECT_EQ(Lexer::unescape(t[0].spelling), "same");
  EXPECT_EQ(Lexer::unescape(t[1].spelling), "a\"b");
  EXPECT_EQ(t[2].kind, TokenKind::Error); // unterminated
}

TEST(LexerTest, BadBytesBecomeErrorTokens) {
  std::string text = std::string("x \0 \xff\xfe $", 8);
  auto t = lex(text);
  EXPECT_EQ(t[0].kind, TokenKind::Identifier);
  EXPECT_EQ(t[1].kind, TokenKind::Error);
  EXPECT_EQ(t[2].kind, TokenKind::Error);
  EXPECT_EQ(t.back().kind, TokenKind::Eof);
}

TEST(LexerTest, LocationsPointIntoTheBuffer) {
  llvm::StringRef text = "let  y";
  auto t = lex(text);
  EXPECT_EQ(t[1].loc().getPointer(), text.data() + 5);
}
