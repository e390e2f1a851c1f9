//===- Descriptor.cpp - The model descriptor the runtime reads ------------===//
//
// `<prefix>__model` is what every runtime function (dlc_rt_create, _load,
// _begin_call, ...) is handed: the model's name, its parameters (name,
// shape, offset in the store, initializer with its fans and arguments,
// trainable / training-state flags) and its entry points (name, symbols,
// buffer names and kernel names, for error messages). It is constant data
// in the object, so the runtime needs no per-model code and the C header
// no tables.
//
// The struct layouts match dlc_model_desc, dlc_param_desc and
// dlc_entry_desc in runtime/dlc_runtime.h.
//
//===----------------------------------------------------------------------===//

#include "EntryChecks.h"
#include "HostContext.h"

#include "dlc/Dialect/DL/IR/DLOps.h"

using namespace mlir;

namespace dlc {

namespace {

double toDouble(std::optional<llvm::APFloat> v, double otherwise) {
  return v ? v->convertToDouble() : otherwise;
}

/// Builds the descriptor's globals; each table in its own step.
class DescriptorBuilder {
public:
  DescriptorBuilder(HostContext &hc, ArrayRef<HostEntry> entries)
      : hc(hc), builder(hc.builder), entries(entries) {
    Type ptrTy = hc.ptrTy, i64 = hc.i64, f64 = builder.getF64Type();
    paramTy = LLVM::LLVMStructType::getLiteral(
        hc.ctx, {ptrTy, ptrTy, i64, i64, i64, i64, i64, i64, i64, f64, f64});
    entryTy = LLVM::LLVMStructType::getLiteral(
        hc.ctx, {ptrTy, i64, ptrTy, i64, ptrTy, i64, ptrTy});
    modelTy = LLVM::LLVMStructType::getLiteral(hc.ctx, {ptrTy, i64, ptrTy, i64, i64, ptrTy});
  }

  void run();

private:
  HostContext &hc;
  OpBuilder &builder;
  ArrayRef<HostEntry> entries;
  LLVM::LLVMStructType paramTy, entryTy, modelTy;

  Location loc() { return hc.loc(); }
  /// A global whose initializer region is built by `body`.
  void global(StringRef name, Type type, llvm::function_ref<Value()> body);
  Value cst(int64_t v) {
    return builder.create<LLVM::ConstantOp>(loc(), hc.i64, builder.getI64IntegerAttr(v));
  }
  Value cstF(double v) {
    return builder.create<LLVM::ConstantOp>(loc(), builder.getF64Type(),
                                            builder.getF64FloatAttr(v));
  }
  Value addr(StringRef sym) { return builder.create<LLVM::AddressOfOp>(loc(), hc.ptrTy, sym); }
  Value nullPtr() { return builder.create<LLVM::ZeroOp>(loc(), hc.ptrTy); }
  /// `name`: an array of pointers to `items` as strings; "" (no global) for
  /// no items.
  std::string strings(StringRef name, ArrayRef<std::string> items);
  Value undef(Type type) { return builder.create<LLVM::UndefOp>(loc(), type); }
  /// `fields` inserted one by one into `record` (an undef).
  Value fill(Value record, ArrayRef<Value> fields);

  /// `<prefix>__params` (when there are parameters); its name.
  std::string emitParams(MutableArrayRef<dl::ParameterOp> params);
  /// One parameter's record.
  Value paramRecord(dl::ParameterOp p, StringRef nameSym, StringRef dimSym);
  /// `<prefix>__entries`; its name.
  std::string emitEntries();
};

void DescriptorBuilder::global(StringRef name, Type type, llvm::function_ref<Value()> body) {
  OpBuilder::InsertionGuard g(builder);
  builder.setInsertionPointToEnd(hc.host.getBody());
  auto gop = builder.create<LLVM::GlobalOp>(loc(), type, true, LLVM::Linkage::Internal, name,
                                            Attribute(), 8);
  Block *b = builder.createBlock(&gop.getInitializerRegion());
  builder.setInsertionPointToStart(b);
  builder.create<LLVM::ReturnOp>(loc(), body());
}

std::string DescriptorBuilder::strings(StringRef name, ArrayRef<std::string> items) {
  if (items.empty())
    return "";
  std::vector<std::string> syms;
  for (auto &s : items)
    syms.push_back(hc.globalString(s));
  auto arrTy = LLVM::LLVMArrayType::get(hc.ptrTy, items.size());
  global(name, arrTy, [&]() -> Value {
    Value arr = builder.create<LLVM::UndefOp>(loc(), arrTy);
    for (auto [i, s] : llvm::enumerate(syms))
      arr = builder.create<LLVM::InsertValueOp>(loc(), arr, addr(s),
                                                ArrayRef<int64_t>{(int64_t)i});
    return arr;
  });
  return name.str();
}

Value DescriptorBuilder::fill(Value s, ArrayRef<Value> fields) {
  for (auto [f, v] : llvm::enumerate(fields))
    s = builder.create<LLVM::InsertValueOp>(loc(), s, v, ArrayRef<int64_t>{(int64_t)f});
  return s;
}

Value DescriptorBuilder::paramRecord(dl::ParameterOp p, StringRef nameSym, StringRef dimSym) {
  auto shape = p.getTensorType().getShape();
  int64_t numel = p.getTensorType().getNumElements();
  // Fans for PyTorch layouts: [out, in, kernel...].
  int64_t rf = 1;
  for (size_t k = 2; k < shape.size(); ++k)
    rf *= shape[k];
  int64_t fanIn = shape.size() >= 2 ? shape[1] * rf : (shape.empty() ? 1 : shape[0]);
  int64_t fanOut = shape.size() >= 2 ? shape[0] * rf : (shape.empty() ? 1 : shape[0]);
  double a = 0, b = 0;
  switch (p.getInitializer()) {
  case dl::Initializer::constant:
    a = toDouble(p.getValue(), 0.0);
    break;
  case dl::Initializer::normal:
  case dl::Initializer::truncated_normal:
    a = toDouble(p.getMean(), 0.0);
    b = toDouble(p.getStddev(), 0.05);
    break;
  case dl::Initializer::uniform:
    a = toDouble(p.getMinval(), -0.05);
    b = toDouble(p.getMaxval(), 0.05);
    break;
  default:
    break;
  }
  Value s = undef(paramTy);
  SmallVector<Value> fields = {addr(nameSym),
                               addr(dimSym),
                               cst(shape.size()),
                               cst(numel),
                               cst(hc.params.offsets.at(p.getSymName().str())),
                               cst((int64_t)p.getInitializer()),
                               // flags: 1 trainable, 2 training state
                               cst((p.getNonTrainable() ? 0 : 1) | (p.getState() ? 2 : 0)),
                               cst(fanIn),
                               cst(fanOut),
                               cstF(a),
                               cstF(b)};
  return fill(s, fields);
}

std::string DescriptorBuilder::emitParams(MutableArrayRef<dl::ParameterOp> params) {
  std::vector<std::string> nameSyms, dimSyms;
  for (auto [i, p] : llvm::enumerate(params)) {
    nameSyms.push_back(hc.globalString(p.getSymName()));
    auto shape = p.getTensorType().getShape();
    std::string ds = hc.prefix + "__dims" + std::to_string(i);
    OpBuilder::InsertionGuard g(builder);
    builder.setInsertionPointToEnd(hc.host.getBody());
    int64_t n = std::max<size_t>(1, shape.size());
    SmallVector<int64_t> vals(shape.begin(), shape.end());
    if (vals.empty())
      vals.push_back(1);
    builder.create<LLVM::GlobalOp>(
        loc(), LLVM::LLVMArrayType::get(hc.i64, n), true, LLVM::Linkage::Internal, ds,
        DenseElementsAttr::get(RankedTensorType::get({n}, hc.i64), ArrayRef<int64_t>(vals)),
        8);
    dimSyms.push_back(ds);
  }
  std::string paramArr = hc.prefix + "__params";
  if (!params.empty())
    global(paramArr, LLVM::LLVMArrayType::get(paramTy, params.size()), [&]() -> Value {
      Type arrTy = LLVM::LLVMArrayType::get(paramTy, params.size());
      Value arr = builder.create<LLVM::UndefOp>(loc(), arrTy);
      for (auto [i, p] : llvm::enumerate(params))
        arr = builder.create<LLVM::InsertValueOp>(loc(), arr,
                                                  paramRecord(p, nameSyms[i], dimSyms[i]),
                                                  ArrayRef<int64_t>{(int64_t)i});
      return arr;
    });
  return paramArr;
}

std::string DescriptorBuilder::emitEntries() {
  struct EntryNames { std::string name, symbols, args, kernels; };
  std::vector<EntryNames> en;
  std::string prefix = hc.prefix;
  for (auto [i, entry] : llvm::enumerate(entries)) {
    const EntryPlan &e = entry.plan;
    func::FuncOp fn = e.fn;
    EntryNames n;
    n.name = hc.globalString(prefix + "_" + e.name);
    n.symbols = strings(prefix + "__syms" + std::to_string(i), e.symbols);
    std::vector<std::string> argNames;
    for (unsigned a = 0; a < fn.getNumArguments(); ++a) {
      auto s = fn.getArgAttrOfType<StringAttr>(a, dl::DLDialect::kNameAttrName);
      argNames.push_back(s ? s.str() : "arg" + std::to_string(a));
    }
    for (unsigned r = 0; r < fn.getNumResults(); ++r) {
      auto s = fn.getResultAttrOfType<StringAttr>(r, dl::DLDialect::kNameAttrName);
      argNames.push_back(s ? s.str() : "result" + std::to_string(r));
    }
    n.args = strings(prefix + "__args" + std::to_string(i), argNames);
    std::vector<std::string> kernelNames;
    for (auto &k : e.kernels) {
      Operation *main = k.mainOp();
      kernelNames.push_back(
          main ? describeOp(main, k.group)
               : describeOp("a copy", k.outputs.front().getLoc(), k.group));
    }
    n.kernels = strings(prefix + "__kernels" + std::to_string(i), kernelNames);
    en.push_back(n);
  }
  std::string entryArr = prefix + "__entries";
  global(entryArr, LLVM::LLVMArrayType::get(entryTy, entries.size()), [&]() -> Value {
    Type arrTy = LLVM::LLVMArrayType::get(entryTy, entries.size());
    Value arr = builder.create<LLVM::UndefOp>(loc(), arrTy);
    for (auto [i, entry] : llvm::enumerate(entries)) {
      const EntryPlan &e = entry.plan;
      func::FuncOp fn = e.fn;
      auto maybe = [&](const std::string &s) { return s.empty() ? nullPtr() : addr(s); };
      SmallVector<Value> fields = {addr(en[i].name),
                                   cst(e.symbols.size()),
                                   maybe(en[i].symbols),
                                   cst(fn.getNumArguments() + fn.getNumResults()),
                                   maybe(en[i].args),
                                   cst(e.kernels.size()),
                                   maybe(en[i].kernels)};
      arr = builder.create<LLVM::InsertValueOp>(loc(), arr, fill(undef(entryTy), fields),
                                                ArrayRef<int64_t>{(int64_t)i});
    }
    return arr;
  });
  return entryArr;
}

void DescriptorBuilder::run() {
  auto params = llvm::to_vector(hc.dl.getOps<dl::ParameterOp>());
  std::string paramArr = emitParams(params);
  std::string entryArr = emitEntries();
  std::string modelName = hc.globalString(hc.prefix);
  global(hc.prefix + "__model", modelTy, [&]() -> Value {
    Value s = undef(modelTy);
    SmallVector<Value> fields = {addr(modelName), cst(params.size()),
                                 params.empty() ? nullPtr() : addr(paramArr),
                                 cst(hc.out.interface.paramElems), cst(entries.size()),
                                 addr(entryArr)};
    return fill(s, fields);
  });
}

} // namespace

void emitDescriptor(HostContext &hc, ArrayRef<HostEntry> entries) {
  DescriptorBuilder(hc, entries).run();
}

} // namespace dlc
