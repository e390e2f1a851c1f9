// RUN: dlc-opt %s --dl-autodiff --split-input-file -verify-diagnostics | FileCheck %s

// Broadcast: the bias's cotangent is summed back over the batch.
// CHECK-LABEL: func.func @bias_grad(
// CHECK-SAME: -> (tensor<f32> {dl.name = "loss"}, tensor<4xf32> {dl.name = "d_b"}, tensor<?x4xf32> {dl.dims = ["batch", 4], dl.name = "d_x"})
// CHECK: %[[ONE:.*]] = dl.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[KEEP:.*]] = dl.reshape %[[ONE]] [1, 1] : (tensor<f32>) -> tensor<1x1xf32>
// CHECK: %[[G:.*]] = dl.broadcast_like %[[KEEP]], %{{.*}} : (tensor<1x1xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
// CHECK: %[[DB:.*]] = dl.reduce_sum %[[G]] axes = [0] : (tensor<?x4xf32>) -> tensor<4xf32>
// CHECK: return %{{.*}}, %[[DB]], %[[G]]
module {
  dl.parameter @b : tensor<4xf32> = zeros
  func.func @bias(%x: tensor<?x4xf32> {dl.name = "x", dl.dims = ["batch", 4]}) -> (tensor<f32> {dl.name = "loss"}) attributes {dl.entry = "bias"} {
    %b = dl.param @b : tensor<4xf32>
    %y = dl.add %x, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
    %s = dl.reduce_sum %y axes = [] : (tensor<?x4xf32>) -> tensor<f32>
    return %s : tensor<f32>
  }
}

// -----

// Fan-out: x is used twice, its cotangents add up; integer labels get none.
// CHECK-LABEL: func.func @square_grad(
// CHECK: %[[G:.*]] = dl.broadcast_like
// CHECK: %[[M1:.*]] = dl.mul %[[G]], %arg0
// CHECK: %[[M2:.*]] = dl.mul %[[G]], %arg0
// CHECK: %[[SUM:.*]] = dl.add %[[M1]], %[[M2]]
// CHECK: return %{{.*}}, %[[SUM]] : tensor<f32>, tensor<3xf32>
module {
  func.func @square(%x: tensor<3xf32> {dl.name = "x"}) -> tensor<f32> attributes {dl.entry = "square"} {
    %y = dl.mul %x, %x : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
    %s = dl.reduce_sum %y axes = [] : (tensor<3xf32>) -> tensor<f32>
    return %s : tensor<f32>
  }
}

// -----

// A two-layer model: dense + relu + dense + cross-entropy from logits.
// CHECK-LABEL: func.func @loss_grad(
// CHECK-SAME: tensor<8x4xf32> {dl.name = "d_w1"}, tensor<3x8xf32> {dl.name = "d_w2"}
// CHECK: %[[A:.*]] = dl.matmul %arg0
// CHECK: %[[H:.*]] = dl.relu %[[A]]
// CHECK: %[[DZ:.*]] = dl.loss_grad "sparse_categorical_cross_entropy" %{{.*}}, %arg1, %{{.*}} from_logits
// CHECK: %[[DH:.*]] = dl.matmul %[[DZ]], %{{.*}} : (tensor<?x3xf32>, tensor<3x8xf32>) -> tensor<?x8xf32>
// CHECK: %[[HT:.*]] = dl.transpose %[[H]] [1, 0]
// CHECK: %[[DW2T:.*]] = dl.matmul %[[HT]], %[[DZ]] : (tensor<8x?xf32>, tensor<?x3xf32>) -> tensor<8x3xf32>
// CHECK: %[[DW2:.*]] = dl.transpose %[[DW2T]] [1, 0]
// The relu mask comes from its output (threshold_backward in PyTorch).
// CHECK: %[[MASK:.*]] = dl.step %[[H]] : tensor<?x8xf32>
// CHECK: %[[DA:.*]] = dl.mul %[[DH]], %[[MASK]]
// CHECK: %[[DX:.*]] = dl.matmul %[[DA]], %{{.*}} : (tensor<?x8xf32>, tensor<8x4xf32>) -> tensor<?x4xf32>
// CHECK: %[[XT:.*]] = dl.transpose %arg0 [1, 0]
// CHECK: %[[DW1T:.*]] = dl.matmul %[[XT]], %[[DA]] : (tensor<4x?xf32>, tensor<?x8xf32>) -> tensor<4x8xf32>
// CHECK: %[[DW1:.*]] = dl.transpose %[[DW1T]] [1, 0]
// CHECK: return %{{.*}}, %[[DW1]], %[[DW2]], %[[DX]]
module {
  dl.parameter @w1 : tensor<8x4xf32> = glorot_uniform
  dl.parameter @w2 : tensor<3x8xf32> = glorot_uniform
  func.func @loss(%x: tensor<?x4xf32> {dl.name = "x", dl.dims = ["batch", 4]},
                  %y: tensor<?xi32> {dl.name = "y", dl.dims = ["batch"]}) -> (tensor<f32> {dl.name = "loss"}) attributes {dl.entry = "loss"} {
    %w1 = dl.param @w1 : tensor<8x4xf32>
    %w1t = dl.transpose %w1 [1, 0] : (tensor<8x4xf32>) -> tensor<4x8xf32>
    %a = dl.matmul %x, %w1t : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x8xf32>
    %h = dl.relu %a : tensor<?x8xf32>
    %w2 = dl.param @w2 : tensor<3x8xf32>
    %w2t = dl.transpose %w2 [1, 0] : (tensor<3x8xf32>) -> tensor<8x3xf32>
    %z = dl.matmul %h, %w2t : (tensor<?x8xf32>, tensor<8x3xf32>) -> tensor<?x3xf32>
    %l = dl.sparse_categorical_cross_entropy %z, %y from_logits : (tensor<?x3xf32>, tensor<?xi32>) -> tensor<f32>
    return %l : tensor<f32>
  }
}

// -----

// Softmax: dx = y * (g - sum(g * y)).
// CHECK-LABEL: func.func @sm_grad(
// CHECK: %[[Y:.*]] = dl.softmax %arg0 axis = -1
// CHECK: %[[G:.*]] = dl.broadcast_like
// CHECK: %[[GS:.*]] = dl.mul %[[G]], %arg1
// CHECK: %[[GY:.*]] = dl.mul %[[GS]], %[[Y]]
// CHECK: %[[S:.*]] = dl.reduce_sum %[[GY]] axes = [-1] keep_dims
// CHECK: %[[D:.*]] = dl.sub %[[GS]], %[[S]]
// CHECK: dl.mul %[[Y]], %[[D]]
module {
  func.func @sm(%x: tensor<2x5xf32> {dl.name = "x"}, %w: tensor<2x5xf32> {dl.name = "w"}) -> tensor<f32> attributes {dl.entry = "sm"} {
    %y = dl.softmax %x axis = -1 : tensor<2x5xf32>
    %p = dl.mul %y, %w : (tensor<2x5xf32>, tensor<2x5xf32>) -> tensor<2x5xf32>
    %s = dl.reduce_sum %p axes = [] : (tensor<2x5xf32>) -> tensor<f32>
    return %s : tensor<f32>
  }
}

// -----

// An op without a VJP on the path (gradient ops have no second derivative):
// no gradient entry point, a warning.
module {
  func.func @second(%x: tensor<2x3xf32> {dl.name = "x"}, %g: tensor<2x3xf32> {dl.name = "g"}) -> tensor<f32> attributes {dl.entry = "second"} {
    // expected-warning@+1 {{no gradient entry point for 'second': 'dl.gelu_grad' has no VJP yet}}
    %d = dl.gelu_grad %x, %g approximate = none : tensor<2x3xf32>
    %s = dl.reduce_sum %d axes = [] : (tensor<2x3xf32>) -> tensor<f32>
    return %s : tensor<f32>
  }
}

// -----

// lstm: backpropagation through time is one dl.lstm_grad; the unused
// results (every step's h, the last c) get zero cotangents.
// CHECK-LABEL: func.func @rnn_grad(
// CHECK: %[[O:.*]], %[[H:.*]], %[[C:.*]] = dl.lstm %arg0, %arg1, %arg2, %arg3
// CHECK-DAG: %[[ZO:.*]] = dl.broadcast_like %{{.*}}, %[[O]] : (tensor<f32>, tensor<2x3x2xf32>) -> tensor<2x3x2xf32>
// CHECK-DAG: %[[ZC:.*]] = dl.broadcast_like %{{.*}}, %[[C]] : (tensor<f32>, tensor<2x2xf32>) -> tensor<2x2xf32>
// CHECK: %[[DX:.*]], %[[DWI:.*]], %[[DWH:.*]], %[[DB:.*]] = dl.lstm_grad %arg0, %arg1, %arg2, %arg3, %[[ZO]], %{{.*}}, %[[ZC]]
// CHECK: return %{{.*}}, %[[DX]], %[[DWI]], %[[DWH]], %[[DB]]
module {
  func.func @rnn(%x: tensor<2x3x4xf32> {dl.name = "x"}, %wi: tensor<8x4xf32> {dl.name = "wi"},
                 %wh: tensor<8x2xf32> {dl.name = "wh"}, %b: tensor<8xf32> {dl.name = "b"}) -> tensor<f32> attributes {dl.entry = "rnn"} {
    %o, %h, %c = dl.lstm %x, %wi, %wh, %b : (tensor<2x3x4xf32>, tensor<8x4xf32>, tensor<8x2xf32>, tensor<8xf32>) -> (tensor<2x3x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>)
    %s = dl.reduce_sum %h axes = [] : (tensor<2x2xf32>) -> tensor<f32>
    return %s : tensor<f32>
  }
}
