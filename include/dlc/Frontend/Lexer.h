//===- Lexer.h - Tokens of the .dl language ---------------------*- C++ -*-===//
//
// Splits a `.dl` buffer into tokens. Every token keeps its source range so
// that diagnostics point at `file:line:col` with a caret. The lexer never
// fails: bytes it does not understand become `Error` tokens that the parser
// reports.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_FRONTEND_LEXER_H
#define DLC_FRONTEND_LEXER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

#include <cstdint>
#include <string>

namespace dlc {

enum class TokenKind {
  Eof,
  Error, // an unexpected byte or an unterminated string; spelling holds it
  Identifier,
  Integer,
  Float,
  String,
  // Keywords.
  KwModel,
  KwFn,
  KwLet,
  KwReturn,
  KwInput,
  KwParam,
  KwOutput,
  KwTrain,
  KwLabel,
  KwTrue,
  KwFalse,
  KwNone,
  // Punctuation.
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Colon,
  Semicolon,
  Equal,
  Arrow,
  Plus,
  Minus,
  Star,
  Slash,
  At,
};

/// A printable name for a token kind, for "expected X" messages.
llvm::StringRef tokenKindName(TokenKind kind);

struct Token {
  TokenKind kind = TokenKind::Eof;
  /// The token's text in the source buffer (string tokens include quotes).
  llvm::StringRef spelling;

  llvm::SMLoc loc() const { return llvm::SMLoc::getFromPointer(spelling.data()); }
  bool is(TokenKind k) const { return kind == k; }
  bool isKeyword() const {
    return kind >= TokenKind::KwModel && kind <= TokenKind::KwNone;
  }
};

class Lexer {
public:
  explicit Lexer(llvm::StringRef buffer)
      : buffer(buffer), cur(buffer.begin()) {}

  /// Returns the next token; Eof forever at the end.
  Token next();

  /// Decodes a string token's body (escapes \" \\ \n \t).
  static std::string unescape(llvm::StringRef spelling);

private:
  Token make(TokenKind kind, const char *start) {
    return Token{kind, llvm::StringRef(start, cur - start)};
  }
  void skipTrivia();
  Token lexNumber(const char *start);
  Token lexIdentifier(const char *start);
  Token lexString(const char *start);

  llvm::StringRef buffer;
  const char *cur;
};

} // namespace dlc

#endif // DLC_FRONTEND_LEXER_H
