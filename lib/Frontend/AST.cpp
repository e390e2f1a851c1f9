//===- AST.cpp - Printing the .dl AST -------------------------------------===//

#include "dlc/Frontend/AST.h"

#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/SourceMgr.h"

using namespace dlc::ast;

namespace {
class Dumper {
public:
  Dumper(const llvm::SourceMgr &sm, llvm::raw_ostream &os) : sm(sm), os(os) {}

  void dump(const Module &m) {
    for (const FunctionDecl &fn : m.functions)
      dump(fn);
    for (const ModelDecl &model : m.models)
      dump(model);
  }

private:
  void line(llvm::SMLoc) { os.indent(indent * 2); }
  std::string at(llvm::SMLoc loc) {
    if (!loc.isValid())
      return "";
    auto [l, c] = sm.getLineAndColumn(loc);
    return " @" + std::to_string(l) + ":" + std::to_string(c);
  }
  std::string type(const TypeSpec &t) {
    std::string s = t.dtype;
    if (t.dims.empty())
      return s;
    s += "[";
    for (size_t i = 0; i < t.dims.size(); ++i) {
      if (i)
        s += ", ";
      if (auto *v = std::get_if<int64_t>(&t.dims[i].value))
        s += std::to_string(*v);
      else
        s += std::get<std::string>(t.dims[i].value);
    }
    return s + "]";
  }

  void dump(const FunctionDecl &fn) {
    line(fn.loc);
    os << "Function " << fn.name << "(";
    for (size_t i = 0; i < fn.params.size(); ++i) {
      if (i)
        os << ", ";
      os << fn.params[i].name;
      if (fn.params[i].type)
        os << ": " << type(*fn.params[i].type);
    }
    os << ")";
    if (fn.resultType)
      os << " -> " << type(*fn.resultType);
    os << at(fn.loc) << "\n";
    ++indent;
    for (const Stmt &s : fn.body)
      dump(s);
    --indent;
  }

  void dump(const ModelDecl &m) {
    line(m.loc);
    os << "Model " << m.name << at(m.loc) << "\n";
    ++indent;
    for (const Stmt &s : m.body)
      dump(s);
    if (m.train) {
      line(m.train->loc);
      os << "Train" << at(m.train->loc) << "\n";
      ++indent;
      for (size_t i = 0; i < m.train->labels.size(); ++i) {
        line(m.train->labelLocs[i]);
        os << "Label " << m.train->labels[i].name << ": "
           << type(m.train->labels[i].type) << at(m.train->labelLocs[i])
           << "\n";
      }
      for (const Stmt &s : m.train->settings)
        dump(s);
      --indent;
    }
    --indent;
  }

  void dump(const Stmt &s) {
    line(s.loc);
    std::visit(
        [&](auto &&node) {
          using T = std::decay_t<decltype(node)>;
          if constexpr (std::is_same_v<T, LetStmt>) {
            os << "Let " << node.name << at(s.loc) << "\n";
            child(*node.value);
          } else if constexpr (std::is_same_v<T, ReturnStmt>) {
            os << "Return" << at(s.loc) << "\n";
            child(*node.value);
          } else if constexpr (std::is_same_v<T, InputStmt>) {
            os << "Input " << node.name << ": " << type(node.type) << at(s.loc)
               << "\n";
          } else if constexpr (std::is_same_v<T, ParamStmt>) {
            os << "Param " << node.name << ": " << type(node.type) << at(s.loc)
               << "\n";
            child(*node.initializer);
          } else if constexpr (std::is_same_v<T, OutputStmt>) {
            os << "Output" << (node.name.empty() ? "" : " " + node.name)
               << at(s.loc) << "\n";
            child(*node.value);
          } else if constexpr (std::is_same_v<T, SettingStmt>) {
            os << "Setting " << node.key << at(s.loc) << "\n";
            child(*node.value);
          }
        },
        s.node);
  }

  void child(const Expr &e) {
    ++indent;
    dump(e);
    --indent;
  }

  void dump(const Expr &e) {
    line(e.getLoc());
    llvm::TypeSwitch<const Expr *>(&e)
        .Case([&](const NumberExpr *n) {
          os << "Number ";
          if (n->isInteger())
            os << n->getInt();
          else
            os << llvm::format("%g", n->getValue());
          os << at(e.getLoc()) << "\n";
        })
        .Case([&](const BoolExpr *b) {
          os << "Bool " << (b->getValue() ? "true" : "false") << at(e.getLoc())
             << "\n";
        })
        .Case([&](const NoneExpr *) { os << "None" << at(e.getLoc()) << "\n"; })
        .Case([&](const StringExpr *s) {
          os << "String \"" << s->getValue() << "\"" << at(e.getLoc()) << "\n";
        })
        .Case([&](const IdentExpr *i) {
          os << "Ident " << i->getName() << at(e.getLoc()) << "\n";
        })
        .Case([&](const ListExpr *l) {
          os << "List" << at(e.getLoc()) << "\n";
          for (const ExprPtr &x : l->getElements())
            child(*x);
        })
        .Case([&](const UnaryExpr *u) {
          os << "Unary " << u->getOp() << at(e.getLoc()) << "\n";
          child(u->getOperand());
        })
        .Case([&](const BinaryExpr *b) {
          os << "Binary " << b->getOp() << at(e.getLoc()) << "\n";
          child(b->getLhs());
          child(b->getRhs());
        })
        .Case([&](const CallExpr *c) {
          os << "Call " << c->getCallee() << at(e.getLoc()) << "\n";
          ++indent;
          for (const Argument &a : c->getArgs()) {
            if (!a.keyword.empty()) {
              line(a.loc);
              os << "Keyword " << a.keyword << at(a.loc) << "\n";
              child(*a.value);
            } else {
              dump(*a.value);
            }
          }
          --indent;
        });
  }

  const llvm::SourceMgr &sm;
  llvm::raw_ostream &os;
  unsigned indent = 0;
};
} // namespace

void dlc::ast::dump(const Module &module, const llvm::SourceMgr &sourceMgr,
                    llvm::raw_ostream &os) {
  Dumper(sourceMgr, os).dump(module);
}
