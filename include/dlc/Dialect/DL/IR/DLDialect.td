//===- DLDialect.td - The dl dialect -----------------------*- tablegen -*-===//

#ifndef DLC_DIALECT_DL_IR_DLDIALECT_TD
#define DLC_DIALECT_DL_IR_DLDIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/EnumAttr.td"

def DL_Dialect : Dialect {
  let name = "dl";
  let cppNamespace = "::dlc::dl";
  let summary = "Tensor-level deep-learning ops: the IR of dlc models.";
  let description = [{
    The `dl` dialect holds a model as value-semantic tensor ops on ranked
    tensors with static and dynamic (`?`) dims. A module compiled from a
    `.dl` file also records the model's interface:

    * `dl.parameter` symbols: every trainable or frozen tensor with its
      initializer;
    * `func.func` entry points tagged `dl.entry = "forward"` or `"loss"`,
      whose arguments carry `dl.name` (the name in the `.dl` file) and
      `dl.dims` (the dims, symbolic names such as `"batch"` kept as strings);
    * at most one `dl.optimizer`.

    Layouts follow PyTorch: activations are NCHW, dense weights are
    `[out, in]`, conv filters are OIHW, LSTM gates are ordered (i, f, g, o).
  }];
  let hasConstantMaterializer = 1;
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
  let extraClassDeclaration = [{
    static constexpr ::llvm::StringLiteral kEntryAttrName = "dl.entry";
    static constexpr ::llvm::StringLiteral kNameAttrName = "dl.name";
    static constexpr ::llvm::StringLiteral kDimsAttrName = "dl.dims";
    static constexpr ::llvm::StringLiteral kModelAttrName = "dl.model";
  }];
}

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def DL_Init_Zeros         : I32EnumAttrCase<"zeros", 0>;
def DL_Init_Ones          : I32EnumAttrCase<"ones", 1>;
def DL_Init_Constant      : I32EnumAttrCase<"constant", 2>;
def DL_Init_Normal        : I32EnumAttrCase<"normal", 3>;
def DL_Init_Uniform       : I32EnumAttrCase<"uniform", 4>;
def DL_Init_TruncNormal   : I32EnumAttrCase<"truncated_normal", 5>;
def DL_Init_GlorotUniform : I32EnumAttrCase<"glorot_uniform", 6>;
def DL_Init_GlorotNormal  : I32EnumAttrCase<"glorot_normal", 7>;
def DL_Init_HeNormal      : I32EnumAttrCase<"he_normal", 8>;
def DL_Init_HeUniform     : I32EnumAttrCase<"he_uniform", 9>;
def DL_Init_LecunNormal   : I32EnumAttrCase<"lecun_normal", 10>;
def DL_Init_LecunUniform  : I32EnumAttrCase<"lecun_uniform", 11>;

def DL_InitializerAttr : I32EnumAttr<"Initializer",
    "how a parameter is initialized (Keras's initializer names)",
    [DL_Init_Zeros, DL_Init_Ones, DL_Init_Constant, DL_Init_Normal,
     DL_Init_Uniform, DL_Init_TruncNormal, DL_Init_GlorotUniform,
     DL_Init_GlorotNormal, DL_Init_HeNormal, DL_Init_HeUniform,
     DL_Init_LecunNormal, DL_Init_LecunUniform]> {
  let cppNamespace = "::dlc::dl";
}

def DL_Opt_SGD   : I32EnumAttrCase<"sgd", 0>;
def DL_Opt_Adam  : I32EnumAttrCase<"adam", 1>;
def DL_Opt_AdamW : I32EnumAttrCase<"adamw", 2>;
def DL_OptimizerKindAttr : I32EnumAttr<"OptimizerKind", "optimizer algorithm",
    [DL_Opt_SGD, DL_Opt_Adam, DL_Opt_AdamW]> {
  let cppNamespace = "::dlc::dl";
}

def DL_Gelu_None : I32EnumAttrCase<"none", 0>;
def DL_Gelu_Tanh : I32EnumAttrCase<"tanh", 1>;
def DL_GeluApproximationAttr : I32EnumAttr<"GeluApproximation",
    "GELU formula (torch.nn.GELU's approximate=)", [DL_Gelu_None, DL_Gelu_Tanh]> {
  let cppNamespace = "::dlc::dl";
}

#endif // DLC_DIALECT_DL_IR_DLDIALECT_TD
