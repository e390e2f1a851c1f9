//===- Wrappers.cpp - The public C functions around the runtime -----------===//
//
// The model's C API besides its entry points: `<prefix>_create`,
// `<prefix>_load`, `<prefix>_get_param`, ... Each is
// `dlc_rt_<name>(&<prefix>__model, args...)`: the runtime's code is the
// same for every model and reads what it needs from the descriptor
// (Descriptor.cpp), so a wrapper only adds the model's name to the symbol
// and its descriptor to the arguments.
//
//===----------------------------------------------------------------------===//

#include "HostContext.h"

using namespace mlir;

namespace dlc {

void emitWrappers(HostContext &hc) {
  OpBuilder &builder = hc.builder;
  Type ptrTy = hc.ptrTy, i64 = hc.i64, i32 = hc.i32;
  // <prefix>_<name>(args...) = dlc_rt_<name>(&<prefix>__model, args...)
  struct Wrapper {
    const char *name;
    std::vector<Type> args;
    std::vector<Type> results;
    bool passDesc;
  };
  std::vector<Wrapper> wrappers = {
      {"create", {ptrTy, i64}, {i32}, true},
      {"destroy", {ptrTy}, {}, true},
      {"last_error", {ptrTy}, {ptrTy}, true},
      {"set_num_threads", {i32}, {i32}, false},
      {"num_params", {}, {i64}, true},
      {"param_name", {i64}, {ptrTy}, true},
      {"param_numel", {ptrTy}, {i64}, true},
      {"get_param", {ptrTy, ptrTy, ptrTy, i64}, {i32}, true},
      {"set_param", {ptrTy, ptrTy, ptrTy, i64}, {i32}, true},
      {"load", {ptrTy, ptrTy}, {i32}, true},
      {"load_buffer", {ptrTy, ptrTy, i64}, {i32}, true},
      {"save", {ptrTy, ptrTy}, {i32}, true},
  };
  OpBuilder::InsertionGuard g(builder);
  for (auto &w : wrappers) {
    SmallVector<Type> rtArgs;
    if (w.passDesc)
      rtArgs.push_back(ptrTy);
    rtArgs.append(w.args.begin(), w.args.end());
    auto rt = hc.declare(std::string("dlc_rt_") + w.name, rtArgs, w.results);
    builder.setInsertionPointToEnd(hc.host.getBody());
    std::string name = hc.prefix + "_" + w.name;
    auto f = builder.create<func::FuncOp>(hc.loc(), name,
                                          builder.getFunctionType(w.args, w.results));
    hc.out.publicSymbols.push_back(name);
    Block *b = f.addEntryBlock();
    builder.setInsertionPointToStart(b);
    SmallVector<Value> callArgs;
    if (w.passDesc)
      callArgs.push_back(
          builder.create<LLVM::AddressOfOp>(hc.loc(), ptrTy, hc.prefix + "__model"));
    callArgs.append(b->getArguments().begin(), b->getArguments().end());
    auto call = builder.create<func::CallOp>(hc.loc(), rt, callArgs);
    builder.create<func::ReturnOp>(hc.loc(), call.getResults());
  }
}

} // namespace dlc
