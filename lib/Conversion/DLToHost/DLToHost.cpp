//===- DLToHost.cpp - dl entry points to host code calling kernels --------===//
//
// See DLToHost.h. The driver of host code generation: it lays out the
// parameters, plans every entry point (ArenaPlan.h), lets entry points
// share the kernels they have in common, and runs the emitters in a fixed
// order (HostContext.h lists them). The order is part of the output:
// globals are numbered and placed as they are created, so the same model
// gives the same object from run to run.
//
//===----------------------------------------------------------------------===//

#include "dlc/Conversion/DLToHost.h"
#include "HostContext.h"

#include "dlc/Dialect/DL/IR/DLOps.h"
#include "dlc/Dialect/DL/IR/ShapeFunctions.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"

#include <map>
#include <set>

using namespace mlir;

namespace dlc {

using halide::Kernel;

bool isValidPrefix(StringRef name) {
  if (name.empty() || !(llvm::isAlpha(name[0]) || name[0] == '_'))
    return false;
  return llvm::all_of(name, [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

std::string toCIdentifier(StringRef name, StringRef lead) {
  std::string s = name.str();
  for (char &c : s)
    if (!llvm::isAlnum(c))
      c = '_';
  if (s.empty() || llvm::isDigit(s[0]))
    s = lead.str() + s;
  return s;
}

//===----------------------------------------------------------------------===//
// HostContext
//===----------------------------------------------------------------------===//

HostContext::HostContext(ModuleOp dl, StringRef prefix, HostModule &out)
    : dl(dl), ctx(dl.getContext()), prefix(prefix.str()), out(out), builder(ctx) {
  ptrTy = LLVM::LLVMPointerType::get(ctx);
  i64 = builder.getI64Type();
  i32 = builder.getI32Type();
  dimTy = LLVM::LLVMStructType::getLiteral(ctx, {i32, i32, i32, i32});
  // halide_buffer_t: device, device_interface, host, flags, type,
  // dimensions, dim, padding (HalideRuntime.h).
  bufTy = LLVM::LLVMStructType::getLiteral(
      ctx, {i64, ptrTy, ptrTy, i64, i32, i32, ptrTy, ptrTy});
}

func::FuncOp HostContext::declare(StringRef name, TypeRange args, TypeRange results) {
  if (auto f = host.lookupSymbol<func::FuncOp>(name))
    return f;
  OpBuilder::InsertionGuard g(builder);
  builder.setInsertionPointToEnd(host.getBody());
  auto f = builder.create<func::FuncOp>(loc(), name,
                                        builder.getFunctionType(args, results));
  f.setPrivate();
  return f;
}

std::string HostContext::globalString(StringRef s) {
  std::string name = prefix + "__str" + std::to_string(stringCounter++);
  OpBuilder::InsertionGuard g(builder);
  builder.setInsertionPointToEnd(host.getBody());
  std::string data = s.str();
  data.push_back('\0');
  auto type = LLVM::LLVMArrayType::get(builder.getI8Type(), data.size());
  builder.create<LLVM::GlobalOp>(loc(), type, /*isConstant=*/true,
                                 LLVM::Linkage::Internal, name,
                                 builder.getStringAttr(data));
  return name;
}

static int64_t elementBytes(Type t) {
  if (t.isInteger(1))
    return 1;
  return std::max<int64_t>(1, t.getIntOrFloatBitWidth() / 8);
}

Value HostContext::bytesOf(Value v, DimsMap &dims) {
  auto t = tensorType(v);
  Value n = c64(elementBytes(t.getElementType()));
  for (Value d : dims[v])
    n = builder.create<arith::MulIOp>(loc(), n, d);
  return n;
}

//===----------------------------------------------------------------------===//
// The driver
//===----------------------------------------------------------------------===//

namespace {

/// The header's name of an element type: the dialect's (stringifyDType),
/// "?" for a type the dialect does not know.
std::string dtypeName(Type t) {
  DType d = dtypeFromType(t);
  return d == DType::Unknown ? "?" : stringifyDType(d).str();
}

std::string cTypeName(Type t) {
  if (t.isF32()) return "float";
  if (t.isF64()) return "double";
  // f16 (IEEE binary16) and bf16 have no portable C type: their bits.
  if (t.isF16() || t.isBF16()) return "uint16_t";
  if (t.isInteger(32)) return "int32_t";
  if (t.isInteger(64)) return "int64_t";
  if (t.isInteger(1)) return "uint8_t";
  return "void";
}

/// An argument or result of an entry point as the C header shows it.
InterfaceTensor describeTensor(Type type, DictionaryAttr attrs, StringRef fallback) {
  InterfaceTensor t;
  auto tt = cast<RankedTensorType>(type);
  auto name = attrs ? attrs.getAs<StringAttr>(dl::DLDialect::kNameAttrName) : StringAttr();
  t.name = name ? name.str() : fallback.str();
  t.dtype = dtypeName(tt.getElementType());
  t.cType = cTypeName(tt.getElementType());
  auto dims = attrs ? attrs.getAs<ArrayAttr>(dl::DLDialect::kDimsAttrName) : ArrayAttr();
  for (int64_t d = 0; d < tt.getRank(); ++d) {
    if (dims && d < (int64_t)dims.size())
      if (auto s = dyn_cast<StringAttr>(dims[d])) {
        t.dims.push_back(s.str());
        continue;
      }
    t.dims.push_back(tt.isDynamicDim(d) ? "?" : std::to_string(tt.getDimSize(d)));
  }
  return t;
}

InterfaceEntry describeEntry(const EntryPlan &e) {
  func::FuncOp fn = e.fn;
  InterfaceEntry ie;
  ie.name = e.name;
  ie.symbols = e.symbols;
  for (unsigned a = 0; a < fn.getNumArguments(); ++a)
    ie.inputs.push_back(describeTensor(fn.getArgumentTypes()[a], fn.getArgAttrDict(a),
                                       "arg" + std::to_string(a)));
  for (unsigned r = 0; r < fn.getNumResults(); ++r)
    ie.outputs.push_back(describeTensor(fn.getResultTypes()[r], fn.getResultAttrDict(r),
                                        "result" + std::to_string(r)));
  ie.numKernels = e.kernels.size();
  ie.numSlots = e.slots.size();
  return ie;
}

/// The parameters' part of the interface, in module order.
void describeParams(ModuleOp dl, const ParamLayout &layout, ModelInterface &interface) {
  for (auto p : dl.getOps<dl::ParameterOp>()) {
    auto type = p.getTensorType();
    InterfaceParam ip;
    ip.name = p.getSymName().str();
    ip.shape.assign(type.getShape().begin(), type.getShape().end());
    ip.init = dl::stringifyInitializer(p.getInitializer()).str();
    ip.trainable = !p.getNonTrainable();
    ip.state = p.getState();
    interface.params.push_back(ip);
  }
  interface.paramElems = layout.numElements;
}

/// The read-only globals holding an entry's constants.
void emitConstants(HostContext &hc, HostEntry &entry) {
  OpBuilder &builder = hc.builder;
  for (Operation *op : entry.plan.constants) {
    auto c = cast<dl::ConstantOp>(op);
    OpBuilder::InsertionGuard g(builder);
    builder.setInsertionPointToEnd(hc.host.getBody());
    auto type = tensorType(c.getResult());
    int64_t n = std::max<int64_t>(1, type.getNumElements());
    auto flat = cast<DenseElementsAttr>(c.getValue())
                    .reshape(RankedTensorType::get({n}, type.getElementType()));
    std::string name = hc.prefix + "__const" + std::to_string(hc.globalCounter++);
    builder.create<LLVM::GlobalOp>(
        hc.loc(), LLVM::LLVMArrayType::get(type.getElementType(), n),
        /*isConstant=*/true, LLVM::Linkage::Internal, name, flat,
        /*alignment=*/64);
    entry.constGlobals.push_back(name);
  }
}

/// A kernel computed by several entry points (the forward pass of
/// forward, loss and evaluate) is compiled once, under its first symbol.
void shareKernels(std::vector<HostEntry> &entries) {
  std::map<std::string, std::pair<std::string, std::string>> bySignature;
  for (HostEntry &e : entries)
    for (Kernel &k : e.plan.kernels) {
      std::string sig = halide::kernelSignature(k);
      if (sig.empty())
        continue;
      auto [it, inserted] =
          bySignature.try_emplace(sig, std::pair{k.symbol, k.largeBatchSymbol});
      if (!inserted) {
        k.symbol = it->second.first;
        k.largeBatchSymbol = it->second.second;
      }
    }
}

LogicalResult buildHost(HostContext &hc, StringRef source) {
  ModuleOp dl = hc.dl;
  HostModule &out = hc.out;
  hc.host = ModuleOp::create(dl.getLoc());
  out.interface.prefix = hc.prefix;
  out.interface.source = source.str();
  if (auto name = dl->getAttrOfType<StringAttr>(dl::DLDialect::kModelAttrName))
    out.interface.model = name.str();
  if (failed(layoutParameters(dl, hc.params)))
    return failure();
  describeParams(dl, hc.params, out.interface);

  std::vector<HostEntry> entries;
  for (auto fn : dl.getOps<func::FuncOp>()) {
    if (!fn->hasAttr(dl::DLDialect::kEntryAttrName))
      continue;
    entries.emplace_back();
    if (failed(planEntry(fn, hc.params, hc.prefix, entries.back().plan)))
      return failure();
    emitConstants(hc, entries.back());
  }
  if (entries.empty())
    return emitError(dl.getLoc()) << "the module has no entry point (dl.entry)";
  shareKernels(entries);

  std::set<std::string> compiled;
  for (auto [i, e] : llvm::enumerate(entries)) {
    if (failed(emitArenaBytesFunc(hc, e)) || failed(emitEntryFunc(hc, e, i)))
      return failure();
    out.interface.entries.push_back(describeEntry(e.plan));
    for (auto &k : e.plan.kernels)
      if (compiled.insert(k.symbol).second)
        out.kernels.push_back(k);
  }
  emitDescriptor(hc, entries);
  emitWrappers(hc);
  out.module = hc.host;
  return success();
}

} // namespace

LogicalResult buildHostModule(ModuleOp dl, StringRef prefix, StringRef source,
                              HostModule &out) {
  if (!isValidPrefix(prefix))
    return emitError(dl.getLoc()) << "'" << prefix
                                  << "' is not a valid C identifier for --name";
  dl.getContext()->loadDialect<arith::ArithDialect, cf::ControlFlowDialect,
                               func::FuncDialect, LLVM::LLVMDialect>();
  HostContext hc(dl, prefix, out);
  if (failed(buildHost(hc, source)))
    return failure();
  // Fold the constants and shared dim arithmetic the builder repeats.
  PassManager pm(dl.getContext());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  return pm.run(*out.module);
}

} // namespace dlc
