//===- DLElementwiseOps.td - Elementwise ops ---------------*- tablegen -*-===//
//
// Each result element a function of the operand elements at the same
// (NumPy-broadcast) index: arithmetic, activations, casts and gelu's
// gradient. dl-fuse chains them into the kernel of their producer or
// consumer (DL_Elementwise).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DL_IR_DLELEMENTWISEOPS_TD
#define DLC_DIALECT_DL_IR_DLELEMENTWISEOPS_TD

include "dlc/Dialect/DL/IR/DLOpBase.td"

class DL_BinaryOp<string mnemonic, string sym, list<Trait> traits = []>
    : DL_Op<mnemonic, !listconcat([Pure, SameOperandsElementType,
                                   DL_InferShape, DL_ReifyDimsOwn,
                                   DL_Differentiable, DL_Elementwise], traits)> {
  let summary = "elementwise `" # sym # "` with NumPy broadcasting";
  let description = [{
    Applies the operation elementwise; operands broadcast as in NumPy.

    ```mlir
    %r = dl.}] # mnemonic # [{ %a, %b : (tensor<?x128xf32>, tensor<128xf32>) -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins DL_Tensor:$lhs, DL_Tensor:$rhs);
  let results = (outs DL_Tensor:$output);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
  let extraClassDefinition = DL_SharedShapeRule<[{
    ::dlc::inferBroadcastShape(operands[0], operands[1], emitError)
  }]>.definition # DL_SharedDimsRule<[{
    ::dlc::dl::reifyBroadcastDims(*this, b, loc, operandDims, resultDims)
  }]>.definition;
}

def DL_AddOp : DL_BinaryOp<"add", "+", [Commutative]>;
def DL_SubOp : DL_BinaryOp<"sub", "-">;
def DL_MulOp : DL_BinaryOp<"mul", "*", [Commutative]>;
def DL_DivOp : DL_BinaryOp<"div", "/">;
def DL_PowOp : DL_BinaryOp<"pow", "pow">;
def DL_MaximumOp : DL_BinaryOp<"maximum", "max", [Commutative]>;
def DL_MinimumOp : DL_BinaryOp<"minimum", "min", [Commutative]>;

class DL_UnaryOp<string mnemonic, string formula,
                 list<Trait> traits = [DL_Differentiable]>
    : DL_Op<mnemonic, !listconcat([Pure, SameOperandsAndResultType,
                                   DL_ReifyDims, DL_Elementwise], traits)> {
  let summary = "elementwise " # formula;
  let description = [{
    Computes }] # formula # [{ for every element.

    ```mlir
    %y = dl.}] # mnemonic # [{ %x : tensor<?x128xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasFolder = 1;
}

def DL_NegOp : DL_UnaryOp<"neg", "-x">;
def DL_AbsOp : DL_UnaryOp<"abs", "|x|">;
def DL_ExpOp : DL_UnaryOp<"exp", "e^x">;
def DL_LogOp : DL_UnaryOp<"log", "the natural logarithm ln(x)">;
def DL_SqrtOp : DL_UnaryOp<"sqrt", "sqrt(x)">;
def DL_RsqrtOp : DL_UnaryOp<"rsqrt", "1 / sqrt(x)">;
def DL_TanhOp : DL_UnaryOp<"tanh", "tanh(x)">;
def DL_SigmoidOp : DL_UnaryOp<"sigmoid", "the logistic sigmoid 1 / (1 + e^-x)">;
def DL_ReluOp : DL_UnaryOp<"relu", "max(x, 0)">;
def DL_StepOp : DL_UnaryOp<"step", "the unit step: 1 where x > 0, else 0 (a mask in gradients)">;

def DL_GeluOp : DL_Op<"gelu", [Pure, SameOperandsAndResultType, DL_ReifyDims,
                               DL_Differentiable, DL_Elementwise]> {
  let summary = "elementwise GELU";
  let description = [{
    The Gaussian error linear unit (Hendrycks & Gimpel 2016):
    `x * Phi(x)` with `approximate = none`, or
    `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))` with
    `approximate = tanh`, as torch.nn.functional.gelu.

    ```mlir
    %y = dl.gelu %x approximate = tanh : tensor<?x512xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input,
                       DefaultValuedAttr<DL_GeluApproximationAttr,
                         "::dlc::dl::GeluApproximation::none">:$approximate);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat =
      "$input (`approximate` `=` $approximate^)? attr-dict `:` type($input)";
}

def DL_CastOp : DL_Op<"cast", [Pure, SameOperandsAndResultShape, DL_ReifyDims,
                               DL_Differentiable, DL_Elementwise]> {
  let summary = "converts the element type";
  let description = [{
    Converts each element: integer to float exactly where representable,
    float to integer rounding toward zero (C semantics).

    ```mlir
    %f = dl.cast %labels : tensor<?xi32> to tensor<?xf32>
    ```
  }];
  let arguments = (ins DL_Tensor:$input);
  let results = (outs DL_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($output)";
  let hasFolder = 1;
}

def DL_GeluGradOp : DL_Op<"gelu_grad", [Pure, AllTypesMatch<["input", "grad", "output"]>,
                                     DL_ReifyDims, DL_Elementwise]> {
  let summary = "the gradient of gelu";
  let description = [{
    `grad * gelu'(input)`: `Phi(x) + x phi(x)` exactly, or the derivative of
    the tanh approximation.

    ```mlir
    %dx = dl.gelu_grad %x, %g approximate = tanh : tensor<?x512xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$grad,
                       DefaultValuedAttr<DL_GeluApproximationAttr,
                         "::dlc::dl::GeluApproximation::none">:$approximate);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat =
      "$input `,` $grad (`approximate` `=` $approximate^)? attr-dict `:` type($input)";
}

#endif // DLC_DIALECT_DL_IR_DLELEMENTWISEOPS_TD
