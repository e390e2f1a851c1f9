//===- DLRecurrentOps.td - Recurrent ops -------------------*- tablegen -*-===//
//
// Recurrent layers: the host code loops over the time steps, calling one
// cell kernel per step (DL_HostDriven).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DL_IR_DLRECURRENTOPS_TD
#define DLC_DIALECT_DL_IR_DLRECURRENTOPS_TD

include "dlc/Dialect/DL/IR/DLOpBase.td"

def DL_LSTMOp : DL_Op<"lstm", [Pure, DL_InferShape, DL_ReifyDimsOwn, DL_Differentiable,
                             DL_HostDriven]> {
  let summary = "a single-layer LSTM over a run-time number of time steps";
  let description = [{
    Hochreiter & Schmidhuber 1997, with PyTorch's equations and gate order
    (i, f, g, o): for each step t of an `[batch, time, features]` input,
    `gates = x_t @ w_ih^T + h @ w_hh^T + bias`, `c = f*c + i*g`,
    `h = o*tanh(c)`, starting from zero states. `time` may be dynamic.
    Results: every step's `h` `[batch, time, hidden]`, the last `h` and the
    last `c`.

    ```mlir
    %out, %h, %c = dl.lstm %x, %w_ih, %w_hh, %b
        : (tensor<?x?x32xf32>, tensor<256x32xf32>, tensor<256x64xf32>, tensor<256xf32>)
        -> (tensor<?x?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>)
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$w_ih,
                       DL_FloatTensor:$w_hh, DL_FloatTensor:$bias);
  let results = (outs DL_FloatTensor:$output, DL_FloatTensor:$h,
                      DL_FloatTensor:$c);
  let assemblyFormat = [{
    $input `,` $w_ih `,` $w_hh `,` $bias attr-dict `:`
    functional-type(operands, results)
  }];
}

def DL_LSTMGradOp : DL_Op<"lstm_grad",
    [Pure, AllTypesMatch<["input", "d_input"]>, AllTypesMatch<["w_ih", "d_w_ih"]>,
     AllTypesMatch<["w_hh", "d_w_hh"]>, AllTypesMatch<["bias", "d_bias"]>,
     DL_ReifyDimsOwn, DL_HostDriven]> {
  let summary = "backpropagation through time of dl.lstm";
  let description = [{
    The gradients of `dl.lstm %input, %w_ih, %w_hh, %bias` with respect to
    its four operands, given the cotangents of its three results (every
    step's h `[batch, time, hidden]`, the last h and the last c, `[batch,
    hidden]` each; zeros where a result is unused). The forward pass is
    recomputed (h and c of every step), then the steps run in reverse
    (Werbos 1990), accumulating the weight gradients as
    torch.nn.LSTM's backward does.

    ```mlir
    %dx, %dwih, %dwhh, %db = dl.lstm_grad %x, %w_ih, %w_hh, %b, %d_out, %d_h, %d_c
        : (tensor<?x?x32xf32>, tensor<256x32xf32>, tensor<256x64xf32>, tensor<256xf32>,
           tensor<?x?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>)
        -> (tensor<?x?x32xf32>, tensor<256x32xf32>, tensor<256x64xf32>, tensor<256xf32>)
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$w_ih,
                       DL_FloatTensor:$w_hh, DL_FloatTensor:$bias,
                       DL_FloatTensor:$d_output, DL_FloatTensor:$d_h,
                       DL_FloatTensor:$d_c);
  let results = (outs DL_FloatTensor:$d_input, DL_FloatTensor:$d_w_ih,
                      DL_FloatTensor:$d_w_hh, DL_FloatTensor:$d_bias);
  let assemblyFormat = [{
    $input `,` $w_ih `,` $w_hh `,` $bias `,` $d_output `,` $d_h `,` $d_c
    attr-dict `:` functional-type(operands, results)
  }];
}

#endif // DLC_DIALECT_DL_IR_DLRECURRENTOPS_TD
