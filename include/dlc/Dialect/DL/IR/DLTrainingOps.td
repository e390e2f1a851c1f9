//===- DLTrainingOps.td - Dropout, optimizer updates -------*- tablegen -*-===//
//
// What training adds beyond gradients: dropout and its random mask, and
// one optimizer step per parameter.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DL_IR_DLTRAININGOPS_TD
#define DLC_DIALECT_DL_IR_DLTRAININGOPS_TD

include "dlc/Dialect/DL/IR/DLOpBase.td"

def DL_DropoutOp : DL_Op<"dropout", [Pure, SameOperandsAndResultType, DL_ReifyDims,
                                   DL_Differentiable, DL_View]> {
  let summary = "inverted dropout";
  let description = [{
    In training, zeroes each element with probability `rate` and scales the
    rest by `1 / (1 - rate)` (Srivastava et al. 2014); in inference, the
    identity. A rate of 0 folds away.

    ```mlir
    %y = dl.dropout %x rate = 2.000000e-01 : tensor<?x128xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, F64Attr:$rate);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat = "$input `rate` `=` $rate attr-dict `:` type($input)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def DL_DropoutMaskOp : DL_Op<"dropout_mask",
    [Pure, AllTypesMatch<["input", "output"]>, DL_ReifyDims, DL_Differentiable,
     DL_Elementwise]> {
  let summary = "a random inverted-dropout mask";
  let description = [{
    For each element of `input`'s shape: 0 with probability `rate`, else
    `1 / (1 - rate)` (Srivastava et al. 2014). The draw is a hash of the
    element's index, `salt` (one per dropout op) and `seed` (a scalar the
    train step advances), so the backward pass recomputes the same mask
    instead of saving it. Only `input`'s shape is used.

    ```mlir
    %mask = dl.dropout_mask %x, %seed rate = 2.000000e-01 salt = 1
        : (tensor<?x128xf32>, tensor<f32>) -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_ScalarTensor:$seed,
                       F64Attr:$rate, I64Attr:$salt);
  let results = (outs DL_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $seed `rate` `=` $rate `salt` `=` $salt attr-dict `:`
    functional-type(operands, results)
  }];
}

def DL_AdamUpdateOp : DL_Op<"adam_update",
    [Pure, AllTypesMatch<["param", "grad", "m", "v", "new_param", "new_m", "new_v"]>,
     DL_ReifyDims]> {
  let summary = "one Adam / AdamW step for one parameter";
  let description = [{
    Kingma & Ba 2015, as torch.optim.Adam (AdamW, Loshchilov & Hutter 2019,
    with `weight_decay`): with step `t` (already counting this step) and
    learning rate `lr` (scalars),
    `m' = b1 m + (1 - b1) g`, `v' = b2 v + (1 - b2) g^2`,
    `p' = p (1 - lr wd) - lr (m' / (1 - b1^t)) / (sqrt(v' / (1 - b2^t)) + eps)`.

    ```mlir
    %p1, %m1, %v1 = dl.adam_update %p, %g, %m, %v, %t, %lr {beta1 = 0.9 : f64, beta2 = 0.999 : f64, epsilon = 1.0e-07 : f64, weight_decay = 0.0 : f64}
        : tensor<10xf32>, tensor<f32>, tensor<f32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$param, DL_FloatTensor:$grad,
                       DL_FloatTensor:$m, DL_FloatTensor:$v,
                       DL_ScalarTensor:$step, DL_ScalarTensor:$learning_rate,
                       F64Attr:$beta1, F64Attr:$beta2, F64Attr:$epsilon,
                       F64Attr:$weight_decay);
  let results = (outs DL_FloatTensor:$new_param, DL_FloatTensor:$new_m,
                      DL_FloatTensor:$new_v);
  let assemblyFormat = [{
    $param `,` $grad `,` $m `,` $v `,` $step `,` $learning_rate attr-dict `:`
    type($param) `,` type($step) `,` type($learning_rate)
  }];
}

def DL_SGDUpdateOp : DL_Op<"sgd_update",
    [Pure, AllTypesMatch<["param", "grad", "buffer", "new_param", "new_buffer"]>,
     DL_ReifyDims]> {
  let summary = "one SGD step (momentum, Nesterov) for one parameter";
  let description = [{
    As torch.optim.SGD: `b' = momentum b + g`; `p' = p - lr (g + momentum b')`
    with `nesterov`, else `p' = p - lr b'` (with momentum 0, `p - lr g`).

    ```mlir
    %p1, %b1 = dl.sgd_update %p, %g, %b, %lr {momentum = 0.9 : f64}
        : tensor<10xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$param, DL_FloatTensor:$grad,
                       DL_FloatTensor:$buffer, DL_ScalarTensor:$learning_rate,
                       F64Attr:$momentum, UnitAttr:$nesterov);
  let results = (outs DL_FloatTensor:$new_param, DL_FloatTensor:$new_buffer);
  let assemblyFormat = [{
    $param `,` $grad `,` $buffer `,` $learning_rate attr-dict `:`
    type($param) `,` type($learning_rate)
  }];
}

#endif // DLC_DIALECT_DL_IR_DLTRAININGOPS_TD
