//===- Parser.cpp - Recursive-descent parser for .dl ----------------------===//

#include "dlc/Frontend/Parser.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <cerrno>
#include <cstdlib>

using namespace dlc;
using namespace dlc::ast;

/// Describes the current token for "expected X, got Y" messages.
static std::string describe(const Token &tok) {
  switch (tok.kind) {
  case TokenKind::Eof:
    return "end of file";
  case TokenKind::Error: {
    if (tok.spelling.starts_with("\""))
      return "an unterminated string";
    unsigned char c = tok.spelling.empty() ? 0 : tok.spelling[0];
    if (c >= 0x20 && c < 0x7f)
      return "unexpected character '" + std::string(1, c) + "'";
    std::string hex;
    for (unsigned char b : tok.spelling)
      hex += llvm::formatv("\\x{0:X-2}", (unsigned)b).str();
    return "unexpected byte(s) '" + hex + "'";
  }
  default: {
    std::string s = tok.spelling.take_front(32).str();
    return "'" + s + (tok.spelling.size() > 32 ? "...'" : "'");
  }
  }
}

void Parser::error(llvm::SMLoc loc, const llvm::Twine &message) {
  if (stopped)
    return;
  if (locator.getNumErrors() >= kMaxErrors) {
    locator.emitError(loc) << "too many errors, stopping";
    stopped = true;
    return;
  }
  locator.emitError(loc) << message.str();
}

void Parser::errorExpected(llvm::StringRef what) {
  error(tok.loc(), "expected " + what + ", got " + describe(tok));
}

bool Parser::expect(TokenKind kind, llvm::StringRef context) {
  if (consumeIf(kind))
    return true;
  std::string what = tokenKindName(kind).str();
  if (!context.empty())
    what += " " + context.str();
  errorExpected(what);
  return false;
}

static bool startsStatement(TokenKind k) {
  return k == TokenKind::KwLet || k == TokenKind::KwReturn ||
         k == TokenKind::KwInput || k == TokenKind::KwParam ||
         k == TokenKind::KwOutput || k == TokenKind::KwTrain ||
         k == TokenKind::KwLabel;
}

void Parser::synchronize() {
  int braces = 0;
  while (!tok.is(TokenKind::Eof)) {
    if (braces == 0 && (startsStatement(tok.kind) || tok.is(TokenKind::RBrace) ||
                        tok.is(TokenKind::KwModel) || tok.is(TokenKind::KwFn)))
      return;
    if (tok.is(TokenKind::LBrace))
      ++braces;
    else if (tok.is(TokenKind::RBrace))
      --braces;
    consume();
  }
}

void Parser::synchronizeTopLevel() {
  while (!tok.is(TokenKind::Eof) && !tok.is(TokenKind::KwModel) &&
         !tok.is(TokenKind::KwFn))
    consume();
}

std::optional<Module> Parser::parseModule() {
  Module module;
  while (!tok.is(TokenKind::Eof) && !stopped) {
    bool ok;
    blockClosed = false;
    if (tok.is(TokenKind::KwModel)) {
      ok = parseModel(module);
    } else if (tok.is(TokenKind::KwFn)) {
      ok = parseFunction(module);
    } else {
      errorExpected("'model' or 'fn' at top level");
      consume();
      ok = false;
    }
    // A body that closed its braces leaves the parser at top level already.
    if (!ok && !blockClosed)
      synchronizeTopLevel();
  }
  if (locator.getNumErrors())
    return std::nullopt;
  return module;
}

bool Parser::parseTypedName(std::string &name, TypeSpec &type,
                            llvm::StringRef what) {
  if (!tok.is(TokenKind::Identifier)) {
    errorExpected(("a name for the " + what).str());
    return false;
  }
  name = tok.spelling.str();
  consume();
  if (!expect(TokenKind::Colon, ("before the type of '" + name + "'").c_str()))
    return false;
  return parseType(type);
}

bool Parser::parseType(TypeSpec &type) {
  type.loc = tok.loc();
  static const char *dtypes[] = {"f32", "f64", "f16", "bf16",
                                 "i32", "i64", "bool"};
  if (!tok.is(TokenKind::Identifier)) {
    errorExpected("a type such as f32[batch, 10]");
    return false;
  }
  type.dtype = tok.spelling.str();
  if (!llvm::is_contained(llvm::ArrayRef(dtypes), tok.spelling)) {
    std::vector<std::string> names(std::begin(dtypes), std::end(dtypes));
    std::string hint = closestMatch(tok.spelling, names);
    error(tok.loc(), "unknown element type '" + tok.spelling +
                         "' (expected f32, f64, f16, bf16, i32, i64 or bool)" +
                         (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
    return false;
  }
  consume();
  if (!consumeIf(TokenKind::LBracket))
    return true; // a scalar
  while (!tok.is(TokenKind::RBracket)) {
    DimSpec dim{tok.loc(), int64_t(0)};
    if (tok.is(TokenKind::Integer)) {
      int64_t v = 0;
      if (tok.spelling.getAsInteger(10, v) || v < 0 || v > (int64_t(1) << 40)) {
        error(tok.loc(), "dimension " + tok.spelling + " is out of range");
        return false;
      }
      dim.value = v;
    } else if (tok.is(TokenKind::Identifier)) {
      dim.value = tok.spelling.str();
    } else {
      errorExpected("a dimension (a size or a name such as 'batch')");
      return false;
    }
    type.dims.push_back(std::move(dim));
    consume();
    if (!consumeIf(TokenKind::Comma))
      break;
  }
  return expect(TokenKind::RBracket, "to close the dimensions");
}

bool Parser::parseFunction(Module &module) {
  FunctionDecl fn;
  fn.loc = tok.loc();
  consume(); // fn
  if (!tok.is(TokenKind::Identifier)) {
    errorExpected("a function name after 'fn'");
    return false;
  }
  fn.name = tok.spelling.str();
  consume();
  if (!expect(TokenKind::LParen, "after the function name"))
    return false;
  while (!tok.is(TokenKind::RParen)) {
    FunctionParam p;
    p.loc = tok.loc();
    if (!tok.is(TokenKind::Identifier)) {
      errorExpected("a parameter name");
      return false;
    }
    p.name = tok.spelling.str();
    consume();
    if (consumeIf(TokenKind::Colon)) {
      TypeSpec t;
      if (!parseType(t))
        return false;
      p.type = std::move(t);
    }
    fn.params.push_back(std::move(p));
    if (!consumeIf(TokenKind::Comma))
      break;
  }
  if (!expect(TokenKind::RParen, "to close the parameter list"))
    return false;
  if (consumeIf(TokenKind::Arrow)) {
    TypeSpec t;
    if (!parseType(t))
      return false;
    fn.resultType = std::move(t);
  }
  bool ok = parseBlock(fn.body, nullptr);
  module.functions.push_back(std::move(fn));
  return ok;
}

bool Parser::parseModel(Module &module) {
  ModelDecl model;
  model.loc = tok.loc();
  consume(); // model
  if (!tok.is(TokenKind::Identifier)) {
    errorExpected("a model name after 'model'");
    return false;
  }
  model.name = tok.spelling.str();
  consume();
  bool ok = parseBlock(model.body, &model);
  module.models.push_back(std::move(model));
  return ok;
}

bool Parser::parseBlock(std::vector<Stmt> &body, ModelDecl *model) {
  if (!expect(TokenKind::LBrace, "to open the body"))
    return false;
  bool ok = true;
  while (!tok.is(TokenKind::RBrace) && !tok.is(TokenKind::Eof) && !stopped) {
    const char *start = tok.spelling.data();
    if (!parseStatement(body, model)) {
      ok = false;
      // Always make progress, then skip to the next statement.
      if (tok.spelling.data() == start && !tok.is(TokenKind::Eof))
        consume();
      synchronize();
    }
    while (consumeIf(TokenKind::Semicolon)) {
    }
  }
  if (stopped)
    return false;
  if (!expect(TokenKind::RBrace, "to close the body"))
    return false;
  blockClosed = true;
  return ok;
}

bool Parser::parseStatement(std::vector<Stmt> &body, ModelDecl *model) {
  Stmt stmt;
  stmt.loc = tok.loc();
  TokenKind kind = tok.kind;
  bool modelOnly = kind == TokenKind::KwInput || kind == TokenKind::KwOutput ||
                   kind == TokenKind::KwTrain;
  if (modelOnly && !model) {
    error(tok.loc(), tok.spelling + " is only allowed in a model");
    return false;
  }
  if (kind == TokenKind::KwReturn && model) {
    error(tok.loc(), "'return' is only allowed in a function; a model uses "
                     "'output'");
    return false;
  }
  switch (kind) {
  case TokenKind::KwLet: {
    consume();
    if (!tok.is(TokenKind::Identifier)) {
      errorExpected("a name after 'let'");
      return false;
    }
    LetStmt let{tok.spelling.str(), nullptr};
    consume();
    if (!expect(TokenKind::Equal, ("after 'let " + let.name + "'").c_str()))
      return false;
    if (!(let.value = parseExpr()))
      return false;
    stmt.node = std::move(let);
    break;
  }
  case TokenKind::KwReturn: {
    consume();
    ReturnStmt ret{parseExpr()};
    if (!ret.value)
      return false;
    stmt.node = std::move(ret);
    break;
  }
  case TokenKind::KwInput: {
    consume();
    InputStmt in;
    if (!parseTypedName(in.name, in.type, "input"))
      return false;
    stmt.node = std::move(in);
    break;
  }
  case TokenKind::KwParam: {
    consume();
    ParamStmt p;
    if (!parseTypedName(p.name, p.type, "parameter"))
      return false;
    if (!expect(TokenKind::Equal, ("and an initializer for parameter '" +
                                   p.name + "'")
                                      .c_str()))
      return false;
    if (!(p.initializer = parseExpr()))
      return false;
    stmt.node = std::move(p);
    break;
  }
  case TokenKind::KwOutput: {
    consume();
    OutputStmt out;
    // `output name = expr` names an expression; `output expr` otherwise.
    Token save = tok;
    Lexer saveLexer = lexer;
    if (tok.is(TokenKind::Identifier)) {
      std::string name = tok.spelling.str();
      consume();
      if (consumeIf(TokenKind::Equal)) {
        out.name = name;
      } else {
        tok = save;
        lexer = saveLexer;
      }
    }
    if (!(out.value = parseExpr()))
      return false;
    stmt.node = std::move(out);
    break;
  }
  case TokenKind::KwTrain: {
    if (model->train) {
      error(tok.loc(), "a model has at most one 'train' section");
      return false;
    }
    TrainSection train;
    bool ok = parseTrain(train);
    model->train = std::move(train);
    return ok;
  }
  case TokenKind::KwLabel:
    error(tok.loc(), "'label' is only allowed in a 'train' section");
    return false;
  default:
    errorExpected(model ? "a statement (let, input, param, output, train)"
                        : "a statement (let, param, return)");
    if (!tok.is(TokenKind::RBrace) && !tok.is(TokenKind::Eof))
      consume();
    return false;
  }
  body.push_back(std::move(stmt));
  return true;
}

bool Parser::parseTrain(TrainSection &train) {
  train.loc = tok.loc();
  consume(); // train
  if (!expect(TokenKind::LBrace, "after 'train'"))
    return false;
  bool ok = true;
  static const std::vector<std::string> keys = {"loss", "optimizer",
                                                "regularizer"};
  while (!tok.is(TokenKind::RBrace) && !tok.is(TokenKind::Eof) && !stopped) {
    llvm::SMLoc loc = tok.loc();
    bool stmtOk = true;
    if (tok.is(TokenKind::KwLabel)) {
      consume();
      InputStmt label;
      stmtOk = parseTypedName(label.name, label.type, "label");
      if (stmtOk) {
        train.labels.push_back(std::move(label));
        train.labelLocs.push_back(loc);
      }
    } else if (tok.is(TokenKind::Identifier)) {
      std::string key = tok.spelling.str();
      if (!llvm::is_contained(keys, key)) {
        std::string hint = closestMatch(key, keys);
        error(loc, "unknown train setting '" + key +
                       "' (expected label, loss, optimizer or regularizer)" +
                       (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
        stmtOk = false;
      } else {
        consume();
        SettingStmt s{key, nullptr};
        stmtOk = expect(TokenKind::Equal, ("after '" + key + "'").c_str()) &&
                 (s.value = parseExpr()) != nullptr;
        if (stmtOk)
          train.settings.push_back(Stmt{loc, std::move(s)});
      }
    } else {
      errorExpected("'label', 'loss', 'optimizer' or 'regularizer'");
      stmtOk = false;
    }
    if (!stmtOk) {
      ok = false;
      if (tok.is(TokenKind::Identifier) || tok.is(TokenKind::KwLabel))
        consume();
      // Skip to the next line-leading setting or the closing brace.
      while (!tok.is(TokenKind::Eof) && !tok.is(TokenKind::RBrace) &&
             !tok.is(TokenKind::KwLabel) &&
             !(tok.is(TokenKind::Identifier) &&
               llvm::is_contained(keys, tok.spelling.str())))
        consume();
    }
    while (consumeIf(TokenKind::Semicolon)) {
    }
  }
  return expect(TokenKind::RBrace, "to close 'train'") && ok;
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

bool Parser::enterNesting(llvm::SMLoc loc) {
  if (depth >= kMaxNesting) {
    error(loc, "expression nested too deeply (more than " +
                   llvm::Twine(kMaxNesting) + " levels)");
    return false;
  }
  ++depth;
  return true;
}

namespace {
/// Restores the nesting depth on every exit path.
struct DepthGuard {
  unsigned &depth;
  unsigned saved;
  explicit DepthGuard(unsigned &d) : depth(d), saved(d) {}
  ~DepthGuard() { depth = saved; }
};
} // namespace

ExprPtr Parser::parseExpr() {
  DepthGuard guard(depth);
  if (!enterNesting(tok.loc()))
    return nullptr;
  return parseBinary(0);
}

static int precedence(TokenKind k) {
  switch (k) {
  case TokenKind::Plus:
  case TokenKind::Minus:
    return 1;
  case TokenKind::Star:
  case TokenKind::Slash:
  case TokenKind::At:
    return 2;
  default:
    return -1;
  }
}

ExprPtr Parser::parseBinary(int minPrecedence) {
  ExprPtr lhs = parseUnary();
  if (!lhs)
    return nullptr;
  // Every operator makes the left-deep tree one level deeper; bound it so
  // that neither the AST's destructor nor MLIRGen recurses without limit.
  DepthGuard guard(depth);
  while (true) {
    int prec = precedence(tok.kind);
    if (prec < minPrecedence || prec < 0)
      return lhs;
    Token op = tok;
    consume();
    if (!enterNesting(op.loc()))
      return nullptr;
    ExprPtr rhs = parseBinary(prec + 1);
    if (!rhs)
      return nullptr;
    lhs = std::make_unique<BinaryExpr>(op.loc(), op.spelling[0],
                                       std::move(lhs), std::move(rhs));
  }
}

ExprPtr Parser::parseUnary() {
  if (tok.is(TokenKind::Minus)) {
    llvm::SMLoc loc = tok.loc();
    consume();
    DepthGuard guard(depth);
    if (!enterNesting(loc))
      return nullptr;
    ExprPtr operand = parseUnary();
    if (!operand)
      return nullptr;
    return std::make_unique<UnaryExpr>(loc, '-', std::move(operand));
  }
  return parsePrimary();
}

ExprPtr Parser::parsePrimary() {
  llvm::SMLoc loc = tok.loc();
  switch (tok.kind) {
  case TokenKind::Integer: {
    int64_t v = 0;
    if (tok.spelling.getAsInteger(10, v)) {
      error(loc, "integer " + tok.spelling.take_front(40) + " is too large");
      return nullptr;
    }
    consume();
    return std::make_unique<NumberExpr>(loc, (double)v, true, v);
  }
  case TokenKind::Float: {
    std::string text = tok.spelling.take_front(400).str();
    errno = 0;
    char *end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (errno == ERANGE && std::abs(v) > 1) {
      error(loc, "number " + tok.spelling.take_front(40) + " is out of range");
      return nullptr;
    }
    consume();
    return std::make_unique<NumberExpr>(loc, v, false, 0);
  }
  case TokenKind::String: {
    std::string s = Lexer::unescape(tok.spelling);
    consume();
    return std::make_unique<StringExpr>(loc, std::move(s));
  }
  case TokenKind::KwTrue:
  case TokenKind::KwFalse: {
    bool v = tok.is(TokenKind::KwTrue);
    consume();
    return std::make_unique<BoolExpr>(loc, v);
  }
  case TokenKind::KwNone:
    consume();
    return std::make_unique<NoneExpr>(loc);
  case TokenKind::Identifier: {
    std::string name = tok.spelling.str();
    consume();
    if (tok.is(TokenKind::LParen))
      return parseCall(loc, std::move(name));
    return std::make_unique<IdentExpr>(loc, std::move(name));
  }
  case TokenKind::LParen: {
    consume();
    ExprPtr e = parseExpr();
    if (!e || !expect(TokenKind::RParen, "to close the parenthesis"))
      return nullptr;
    return e;
  }
  case TokenKind::LBracket:
    return parseList();
  default:
    errorExpected("an expression");
    return nullptr;
  }
}

ExprPtr Parser::parseCall(llvm::SMLoc loc, std::string callee) {
  consume(); // (
  std::vector<Argument> args;
  bool sawKeyword = false;
  while (!tok.is(TokenKind::RParen)) {
    Argument arg;
    arg.loc = tok.loc();
    if (tok.is(TokenKind::Identifier)) {
      // Look ahead for `name =`.
      Token save = tok;
      Lexer saveLexer = lexer;
      std::string name = tok.spelling.str();
      consume();
      if (consumeIf(TokenKind::Equal)) {
        arg.keyword = std::move(name);
      } else {
        tok = save;
        lexer = saveLexer;
      }
    }
    if (arg.keyword.empty() && sawKeyword) {
      error(arg.loc, "positional argument after a keyword argument in call "
                     "to '" + callee + "'");
      return nullptr;
    }
    sawKeyword |= !arg.keyword.empty();
    if (!(arg.value = parseExpr()))
      return nullptr;
    args.push_back(std::move(arg));
    if (!consumeIf(TokenKind::Comma))
      break;
  }
  if (!expect(TokenKind::RParen, ("to close the call to '" + callee + "'").c_str()))
    return nullptr;
  return std::make_unique<CallExpr>(loc, std::move(callee), std::move(args));
}

ExprPtr Parser::parseList() {
  llvm::SMLoc loc = tok.loc();
  consume(); // [
  std::vector<ExprPtr> elements;
  while (!tok.is(TokenKind::RBracket)) {
    ExprPtr e = parseExpr();
    if (!e)
      return nullptr;
    elements.push_back(std::move(e));
    if (!consumeIf(TokenKind::Comma))
      break;
  }
  if (!expect(TokenKind::RBracket, "to close the list"))
    return nullptr;
  return std::make_unique<ListExpr>(loc, std::move(elements));
}

std::optional<Module> dlc::parseSource(const llvm::SourceMgr &sourceMgr,
                                       mlir::MLIRContext *context) {
  SourceLocator locator(sourceMgr, context);
  const llvm::MemoryBuffer *buffer =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  Parser parser(buffer->getBuffer(), locator);
  return parser.parseModule();
}
