//===- DLModelOps.td - Model data and interface ------------*- tablegen -*-===//
//
// Constants, parameter declarations and their reads and writes, and the
// optimizer record: what the host code gives storage or describes in the
// model descriptor. No kernel computes them (DL_NoKernel).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DL_IR_DLMODELOPS_TD
#define DLC_DIALECT_DL_IR_DLMODELOPS_TD

include "dlc/Dialect/DL/IR/DLOpBase.td"

def DL_ConstantOp : DL_Op<"constant",
    [ConstantLike, Pure, AllTypesMatch<["value", "output"]>, DL_NoKernel]> {
  let summary = "a constant tensor";
  let description = [{
    Produces a tensor from a dense or splat elements attribute.

    ```mlir
    %c = dl.constant dense<1.0> : tensor<10xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs DL_Tensor:$output);
  let assemblyFormat = "$value attr-dict";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def DL_ParameterOp : DL_Op<"parameter",
    [Symbol, HasParent<"::mlir::ModuleOp">, DL_NoKernel]> {
  let summary = "declares a model parameter and its initializer";
  let description = [{
    A named tensor that persists across calls: a weight, a bias, or (with
    `non_trainable`) state such as batch-norm running statistics. The
    initializer follows Keras: `glorot_uniform` draws from
    U(-l, l), l = sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio 2010),
    `he_normal` from N(0, 2 / fan_in) (He et al. 2015), and so on; fans are
    computed as in PyTorch's `_calculate_fan_in_and_fan_out` for the
    `[out, in, ...]` layouts dl uses. Optional `mean`, `stddev`, `minval`,
    `maxval` and `value` tune the plain distributions (defaults as in Keras:
    normal N(0, 0.05), uniform U(-0.05, 0.05)). `state` marks training
    state (optimizer moments, step counters): saved in checkpoints, optional
    when weights are loaded.

    ```mlir
    dl.parameter @"fc1.weight" : tensor<128x784xf32> = glorot_uniform
    dl.parameter @"bn.running_var" : tensor<32xf32> = ones non_trainable
    dl.parameter @scale : tensor<f32> = constant {value = 0.5 : f64}
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<DL_FloatTensor>:$type,
                       DL_InitializerAttr:$initializer,
                       UnitAttr:$non_trainable,
                       UnitAttr:$state,
                       OptionalAttr<F64Attr>:$value,
                       OptionalAttr<F64Attr>:$mean,
                       OptionalAttr<F64Attr>:$stddev,
                       OptionalAttr<F64Attr>:$minval,
                       OptionalAttr<F64Attr>:$maxval);
  let assemblyFormat = [{
    $sym_name `:` $type `=` $initializer (`non_trainable` $non_trainable^)?
    (`state` $state^)? attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::RankedTensorType getTensorType() {
      return ::llvm::cast<::mlir::RankedTensorType>(getType());
    }
  }];
}

def DL_ParamOp : DL_Op<"param",
    [Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>, DL_NoKernel]> {
  let summary = "reads the current value of a model parameter";
  let description = [{
    ```mlir
    %w = dl.param @"fc1.weight" : tensor<128x784xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat = "$name attr-dict `:` type($output)";
}

def DL_OptimizerOp : DL_Op<"optimizer", [HasParent<"::mlir::ModuleOp">,
                                         DL_NoKernel]> {
  let summary = "the optimizer that the model's train step uses";
  let description = [{
    Records the optimizer and its hyperparameters from the `.dl` file's
    `train` section. `sgd` (with `momentum`, `nesterov`), `adam`
    (Kingma & Ba 2015) and `adamw` (Loshchilov & Hutter 2019, decoupled
    `weight_decay`); `l2` adds `l2 * sum(w^2)` over trainable weights to the
    loss (Keras's kernel_regularizer).

    ```mlir
    dl.optimizer adam {learning_rate = 1.000000e-03 : f64}
    ```
  }];
  let arguments = (ins DL_OptimizerKindAttr:$kind,
                       F64Attr:$learning_rate,
                       DefaultValuedAttr<F64Attr, "0.0">:$momentum,
                       UnitAttr:$nesterov,
                       DefaultValuedAttr<F64Attr, "0.9">:$beta1,
                       DefaultValuedAttr<F64Attr, "0.999">:$beta2,
                       DefaultValuedAttr<F64Attr, "1e-07">:$epsilon,
                       DefaultValuedAttr<F64Attr, "0.0">:$weight_decay,
                       DefaultValuedAttr<F64Attr, "0.0">:$l2);
  let assemblyFormat = "$kind attr-dict";
  let hasVerifier = 1;
}

def DL_AssignOp : DL_Op<"assign", [DeclareOpInterfaceMethods<SymbolUserOpInterface>,
                                   MemoryEffects<[MemWrite]>, DL_NoKernel]> {
  let summary = "writes a new value into a parameter";
  let description = [{
    Stores `value` into the parameter `name` when the entry point returns;
    every `dl.param` of the same function reads the value from before the
    call. Optimizer updates and training counters use it.

    ```mlir
    dl.assign @"fc1.weight", %w1 : tensor<128x784xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name, DL_FloatTensor:$value);
  let assemblyFormat = "$name `,` $value attr-dict `:` type($value)";
}

#endif // DLC_DIALECT_DL_IR_DLMODELOPS_TD
