//===- Lexer.cpp - Tokens of the .dl language -----------------------------===//

#include "dlc/Frontend/Lexer.h"

#include "llvm/ADT/StringSwitch.h"

using namespace dlc;

llvm::StringRef dlc::tokenKindName(TokenKind kind) {
  switch (kind) {
  case TokenKind::Eof: return "end of file";
  case TokenKind::Error: return "invalid token";
  case TokenKind::Identifier: return "identifier";
  case TokenKind::Integer: return "integer";
  case TokenKind::Float: return "number";
  case TokenKind::String: return "string";
  case TokenKind::KwModel: return "'model'";
  case TokenKind::KwFn: return "'fn'";
  case TokenKind::KwLet: return "'let'";
  case TokenKind::KwReturn: return "'return'";
  case TokenKind::KwInput: return "'input'";
  case TokenKind::KwParam: return "'param'";
  case TokenKind::KwOutput: return "'output'";
  case TokenKind::KwTrain: return "'train'";
  case TokenKind::KwLabel: return "'label'";
  case TokenKind::KwTrue: return "'true'";
  case TokenKind::KwFalse: return "'false'";
  case TokenKind::KwNone: return "'none'";
  case TokenKind::LParen: return "'('";
  case TokenKind::RParen: return "')'";
  case TokenKind::LBracket: return "'['";
  case TokenKind::RBracket: return "']'";
  case TokenKind::LBrace: return "'{'";
  case TokenKind::RBrace: return "'}'";
  case TokenKind::Comma: return "','";
  case TokenKind::Colon: return "':'";
  case TokenKind::Semicolon: return "';'";
  case TokenKind::Equal: return "'='";
  case TokenKind::Arrow: return "'->'";
  case TokenKind::Plus: return "'+'";
  case TokenKind::Minus: return "'-'";
  case TokenKind::Star: return "'*'";
  case TokenKind::Slash: return "'/'";
  case TokenKind::At: return "'@'";
  }
  return "token";
}

static bool isIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool isDigit(char c) { return c >= '0' && c <= '9'; }

void Lexer::skipTrivia() {
  const char *end = buffer.end();
  while (cur != end) {
    char c = *cur;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
        c == '\v') {
      ++cur;
    } else if (c == '/' && cur + 1 != end && cur[1] == '/') {
      while (cur != end && *cur != '\n')
        ++cur;
    } else {
      return;
    }
  }
}

Token Lexer::next() {
  skipTrivia();
  const char *start = cur;
  if (cur == buffer.end())
    return make(TokenKind::Eof, start);
  char c = *cur++;
  switch (c) {
  case '(': return make(TokenKind::LParen, start);
  case ')': return make(TokenKind::RParen, start);
  case '[': return make(TokenKind::LBracket, start);
  case ']': return make(TokenKind::RBracket, start);
  case '{': return make(TokenKind::LBrace, start);
  case '}': return make(TokenKind::RBrace, start);
  case ',': return make(TokenKind::Comma, start);
  case ':': return make(TokenKind::Colon, start);
  case ';': return make(TokenKind::Semicolon, start);
  case '=': return make(TokenKind::Equal, start);
  case '+': return make(TokenKind::Plus, start);
  case '*': return make(TokenKind::Star, start);
  case '/': return make(TokenKind::Slash, start);
  case '@': return make(TokenKind::At, start);
  case '-':
    if (cur != buffer.end() && *cur == '>') {
      ++cur;
      return make(TokenKind::Arrow, start);
    }
    return make(TokenKind::Minus, start);
  case '"':
    return lexString(start);
  default:
    break;
  }
  if (isDigit(c) || (c == '.' && cur != buffer.end() && isDigit(*cur)))
    return lexNumber(start);
  if (isIdentStart(c))
    return lexIdentifier(start);
  // One bad byte; a UTF-8 sequence is kept whole so the message shows it.
  if ((unsigned char)c >= 0xC0)
    while (cur != buffer.end() && ((unsigned char)*cur & 0xC0) == 0x80 &&
           cur - start < 4)
      ++cur;
  return make(TokenKind::Error, start);
}

Token Lexer::lexNumber(const char *start) {
  const char *end = buffer.end();
  bool isFloat = *start == '.';
  while (cur != end && isDigit(*cur))
    ++cur;
  if (cur != end && *cur == '.' && !isFloat) {
    isFloat = true;
    ++cur;
    while (cur != end && isDigit(*cur))
      ++cur;
  }
  if (cur != end && (*cur == 'e' || *cur == 'E')) {
    const char *save = cur++;
    if (cur != end && (*cur == '+' || *cur == '-'))
      ++cur;
    if (cur != end && isDigit(*cur)) {
      isFloat = true;
      while (cur != end && isDigit(*cur))
        ++cur;
    } else {
      cur = save; // `2e` is the number 2 followed by the identifier `e`
    }
  }
  return make(isFloat ? TokenKind::Float : TokenKind::Integer, start);
}

Token Lexer::lexIdentifier(const char *start) {
  while (cur != buffer.end() && (isIdentStart(*cur) || isDigit(*cur)))
    ++cur;
  llvm::StringRef text(start, cur - start);
  TokenKind kind = llvm::StringSwitch<TokenKind>(text)
                       .Case("model", TokenKind::KwModel)
                       .Case("fn", TokenKind::KwFn)
                       .Case("let", TokenKind::KwLet)
                       .Case("return", TokenKind::KwReturn)
                       .Case("input", TokenKind::KwInput)
                       .Case("param", TokenKind::KwParam)
                       .Case("output", TokenKind::KwOutput)
                       .Case("train", TokenKind::KwTrain)
                       .Case("label", TokenKind::KwLabel)
                       .Case("true", TokenKind::KwTrue)
                       .Case("false", TokenKind::KwFalse)
                       .Case("none", TokenKind::KwNone)
                       .Default(TokenKind::Identifier);
  return make(kind, start);
}

Token Lexer::lexString(const char *start) {
  const char *end = buffer.end();
  while (cur != end && *cur != '"' && *cur != '\n') {
    if (*cur == '\\' && cur + 1 != end && cur[1] != '\n')
      ++cur;
    ++cur;
  }
  if (cur == end || *cur != '"')
    return make(TokenKind::Error, start); // unterminated
  ++cur;
  return make(TokenKind::String, start);
}

std::string Lexer::unescape(llvm::StringRef spelling) {
  std::string out;
  llvm::StringRef body = spelling.drop_front().drop_back();
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '\\' && i + 1 < body.size()) {
      char e = body[++i];
      out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
    } else {
      out += c;
    }
  }
  return out;
}
