//===- Parser.h - Recursive-descent parser for .dl --------------*- C++ -*-===//
//
// Builds the AST of one `.dl` buffer. On an error the parser reports it,
// skips to the start of the next statement and goes on, so one run shows
// several errors (up to a limit). It never crashes on any input: nesting is
// bounded and every byte is accounted for.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_FRONTEND_PARSER_H
#define DLC_FRONTEND_PARSER_H

#include "dlc/Frontend/AST.h"
#include "dlc/Frontend/Diagnostics.h"
#include "dlc/Frontend/Lexer.h"

#include <optional>

namespace dlc {

class Parser {
public:
  /// Expression nesting deeper than this is rejected.
  static constexpr unsigned kMaxNesting = 256;
  /// The parser stops after this many errors.
  static constexpr unsigned kMaxErrors = 50;

  Parser(llvm::StringRef buffer, SourceLocator &locator)
      : lexer(buffer), locator(locator) {
    tok = lexer.next();
  }

  /// Parses the whole buffer; std::nullopt if any error was reported.
  std::optional<ast::Module> parseModule();

private:
  void consume() { tok = lexer.next(); }
  bool consumeIf(TokenKind kind) {
    if (!tok.is(kind))
      return false;
    consume();
    return true;
  }
  /// Reports an error at the current token unless it is `kind`.
  bool expect(TokenKind kind, llvm::StringRef context);
  /// Reports "expected X" at the current token, describing bad bytes.
  void errorExpected(llvm::StringRef what);
  void error(llvm::SMLoc loc, const llvm::Twine &message);
  bool tooManyErrors() const { return stopped; }

  /// Skips to the next statement keyword or the `}` closing this block.
  void synchronize();
  void synchronizeTopLevel();

  bool parseFunction(ast::Module &module);
  bool parseModel(ast::Module &module);
  bool parseTrain(ast::TrainSection &train);
  /// Parses `{ stmt* }`; a non-null `model` allows input/output/train.
  bool parseBlock(std::vector<ast::Stmt> &body, ast::ModelDecl *model);
  bool parseStatement(std::vector<ast::Stmt> &body, ast::ModelDecl *model);
  bool parseTypedName(std::string &name, ast::TypeSpec &type,
                      llvm::StringRef what);
  bool parseType(ast::TypeSpec &type);

  ast::ExprPtr parseExpr();
  ast::ExprPtr parseBinary(int minPrecedence);
  ast::ExprPtr parseUnary();
  ast::ExprPtr parsePrimary();
  ast::ExprPtr parseCall(llvm::SMLoc loc, std::string callee);
  ast::ExprPtr parseList();
  bool enterNesting(llvm::SMLoc loc);

  Lexer lexer;
  Token tok;
  SourceLocator &locator;
  unsigned depth = 0;
  bool stopped = false;
  /// Whether the last body parsed ended with its closing brace.
  bool blockClosed = false;
};

/// Parses `buffer` (registered in `sourceMgr` as its main file) and reports
/// errors through the MLIR context's diagnostic engine.
std::optional<ast::Module> parseSource(const llvm::SourceMgr &sourceMgr,
                                       mlir::MLIRContext *context);

} // namespace dlc

#endif // DLC_FRONTEND_PARSER_H
