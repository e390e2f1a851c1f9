// RUN: dlc-opt %s | FileCheck %s
// Round trip: print, parse the printed form again, same result.
// RUN: dlc-opt %s | dlc-opt | FileCheck %s
// RUN: dlc-opt %s -mlir-print-op-generic | dlc-opt | FileCheck %s

// CHECK-LABEL: module attributes {dl.model = "ops"}
module attributes {dl.model = "ops"} {
  // CHECK: dl.parameter @w : tensor<10x4xf32> = glorot_uniform
  dl.parameter @w : tensor<10x4xf32> = glorot_uniform
  // CHECK: dl.parameter @rv : tensor<3xf32> = ones non_trainable
  dl.parameter @rv : tensor<3xf32> = ones non_trainable
  // CHECK: dl.parameter @s : tensor<f32> = constant {value = 5.000000e-01 : f64}
  dl.parameter @s : tensor<f32> = constant {value = 5.000000e-01 : f64}
  // CHECK: dl.parameter @n : tensor<2x2xf32> = normal {mean = 0.000000e+00 : f64, stddev = 1.000000e-02 : f64}
  dl.parameter @n : tensor<2x2xf32> = normal {mean = 0.000000e+00 : f64, stddev = 1.000000e-02 : f64}
  // CHECK: dl.optimizer sgd {learning_rate = 1.000000e-01 : f64, momentum = 9.000000e-01 : f64, nesterov}
  dl.optimizer sgd {learning_rate = 1.000000e-01 : f64, momentum = 9.000000e-01 : f64, nesterov}

  // CHECK-LABEL: func.func @forward
  // CHECK-SAME: dl.dims = ["batch", 4]
  // CHECK-SAME: dl.name = "x"
  // CHECK-SAME: attributes {dl.entry = "forward"}
  func.func @forward(%x: tensor<?x4xf32> {dl.name = "x", dl.dims = ["batch", 4]}) -> tensor<?x10xf32> attributes {dl.entry = "forward"} {
    // CHECK: dl.param @w : tensor<10x4xf32>
    %w = dl.param @w : tensor<10x4xf32>
    // CHECK: dl.transpose %{{.*}} [1, 0] : (tensor<10x4xf32>) -> tensor<4x10xf32>
    %wt = dl.transpose %w [1, 0] : (tensor<10x4xf32>) -> tensor<4x10xf32>
    // CHECK: dl.matmul %{{.*}}, %{{.*}} : (tensor<?x4xf32>, tensor<4x10xf32>) -> tensor<?x10xf32>
    %y = dl.matmul %x, %wt : (tensor<?x4xf32>, tensor<4x10xf32>) -> tensor<?x10xf32>
    return %y : tensor<?x10xf32>
  }

  // CHECK-LABEL: func.func @elementwise
  func.func @elementwise(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %i: tensor<2x3xi32>) {
    // CHECK: dl.constant dense<1.000000e+00> : tensor<3xf32>
    %c = dl.constant dense<1.0> : tensor<3xf32>
    // CHECK: dl.add %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    %0 = dl.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    // CHECK: dl.sub
    %1 = dl.sub %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    // CHECK: dl.mul
    %2 = dl.mul %a, %c : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    // CHECK: dl.div
    %3 = dl.div %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    // CHECK: dl.pow
    %4 = dl.pow %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    // CHECK: dl.maximum
    %5 = dl.maximum %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    // CHECK: dl.minimum
    %6 = dl.minimum %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    // CHECK: dl.neg %{{.*}} : tensor<2x3xf32>
    %7 = dl.neg %a : tensor<2x3xf32>
    // CHECK: dl.abs
    %8 = dl.abs %a : tensor<2x3xf32>
    // CHECK: dl.exp
    %9 = dl.exp %a : tensor<2x3xf32>
    // CHECK: dl.log
    %10 = dl.log %a : tensor<2x3xf32>
    // CHECK: dl.sqrt
    %11 = dl.sqrt %a : tensor<2x3xf32>
    // CHECK: dl.rsqrt
    %12 = dl.rsqrt %a : tensor<2x3xf32>
    // CHECK: dl.tanh
    %13 = dl.tanh %a : tensor<2x3xf32>
    // CHECK: dl.sigmoid
    %14 = dl.sigmoid %a : tensor<2x3xf32>
    // CHECK: dl.relu
    %15 = dl.relu %a : tensor<2x3xf32>
    // CHECK: dl.gelu %{{.*}} : tensor<2x3xf32>
    %16 = dl.gelu %a : tensor<2x3xf32>
    // CHECK: dl.gelu %{{.*}} approximate = tanh : tensor<2x3xf32>
    %17 = dl.gelu %a approximate = tanh : tensor<2x3xf32>
    // CHECK: dl.cast %{{.*}} : tensor<2x3xi32> to tensor<2x3xf32>
    %18 = dl.cast %i : tensor<2x3xi32> to tensor<2x3xf32>
    return
  }

  // CHECK-LABEL: func.func @reductions
  func.func @reductions(%x: tensor<?x10xf32>) {
    // CHECK: dl.reduce_sum %{{.*}} axes = [1] : (tensor<?x10xf32>) -> tensor<?xf32>
    %0 = dl.reduce_sum %x axes = [1] : (tensor<?x10xf32>) -> tensor<?xf32>
    // CHECK: dl.reduce_mean %{{.*}} axes = [] : (tensor<?x10xf32>) -> tensor<f32>
    %1 = dl.reduce_mean %x axes = [] : (tensor<?x10xf32>) -> tensor<f32>
    // CHECK: dl.reduce_max %{{.*}} axes = [-1] keep_dims : (tensor<?x10xf32>) -> tensor<?x1xf32>
    %2 = dl.reduce_max %x axes = [-1] keep_dims : (tensor<?x10xf32>) -> tensor<?x1xf32>
    // CHECK: dl.softmax %{{.*}} axis = -1 : tensor<?x10xf32>
    %3 = dl.softmax %x axis = -1 : tensor<?x10xf32>
    // CHECK: dl.log_softmax %{{.*}} axis = 1 : tensor<?x10xf32>
    %4 = dl.log_softmax %x axis = 1 : tensor<?x10xf32>
    // CHECK: dl.dropout %{{.*}} rate = 2.000000e-01 : tensor<?x10xf32>
    %5 = dl.dropout %x rate = 2.0e-01 : tensor<?x10xf32>
    return
  }

  // CHECK-LABEL: func.func @shapes
  func.func @shapes(%x: tensor<?x28x28xf32>, %a: tensor<?x3xf32>, %b: tensor<?x5xf32>, %idx: tensor<?xi32>, %t: tensor<10x4xf32>) {
    // CHECK: dl.reshape %{{.*}} [0, -1] : (tensor<?x28x28xf32>) -> tensor<?x784xf32>
    %0 = dl.reshape %x [0, -1] : (tensor<?x28x28xf32>) -> tensor<?x784xf32>
    // CHECK: dl.broadcast_to %{{.*}} [2, 10, 4] : (tensor<10x4xf32>) -> tensor<2x10x4xf32>
    %1 = dl.broadcast_to %t [2, 10, 4] : (tensor<10x4xf32>) -> tensor<2x10x4xf32>
    // CHECK: dl.concat %{{.*}}, %{{.*}} axis = 1 : (tensor<?x3xf32>, tensor<?x5xf32>) -> tensor<?x8xf32>
    %2 = dl.concat %a, %b axis = 1 : (tensor<?x3xf32>, tensor<?x5xf32>) -> tensor<?x8xf32>
    // CHECK: dl.slice %{{.*}} axes = [1] starts = [1] ends = [5] steps = [2] : (tensor<?x5xf32>) -> tensor<?x2xf32>
    %3 = dl.slice %b axes = [1] starts = [1] ends = [5] steps = [2] : (tensor<?x5xf32>) -> tensor<?x2xf32>
    // CHECK: dl.gather %{{.*}}, %{{.*}} axis = 0 : (tensor<10x4xf32>, tensor<?xi32>) -> tensor<?x4xf32>
    %4 = dl.gather %t, %idx axis = 0 : (tensor<10x4xf32>, tensor<?xi32>) -> tensor<?x4xf32>
    // CHECK: dl.embedding %{{.*}}, %{{.*}} : (tensor<10x4xf32>, tensor<?xi32>) -> tensor<?x4xf32>
    %5 = dl.embedding %t, %idx : (tensor<10x4xf32>, tensor<?xi32>) -> tensor<?x4xf32>
    return
  }

  // CHECK-LABEL: func.func @nn
  func.func @nn(%x: tensor<?x1x28x28xf32>, %w: tensor<32x1x5x5xf32>, %c: tensor<32xf32>,
                %s: tensor<?x16x64xf32>, %g: tensor<64xf32>,
                %q: tensor<?x8x16x64xf32>, %k: tensor<?x8x64x16xf32>) {
    // CHECK: dl.conv2d %{{.*}}, %{{.*}} strides = [1, 1] padding = [2, 2, 2, 2] dilation = [1, 1] groups = 1 : (tensor<?x1x28x28xf32>, tensor<32x1x5x5xf32>) -> tensor<?x32x28x28xf32>
    %0 = dl.conv2d %x, %w strides = [1, 1] padding = [2, 2, 2, 2] dilation = [1, 1] groups = 1 : (tensor<?x1x28x28xf32>, tensor<32x1x5x5xf32>) -> tensor<?x32x28x28xf32>
    // CHECK: dl.max_pool2d %{{.*}} kernel = [2, 2] strides = [2, 2] padding = [0, 0, 0, 0] : (tensor<?x32x28x28xf32>) -> tensor<?x32x14x14xf32>
    %1 = dl.max_pool2d %0 kernel = [2, 2] strides = [2, 2] padding = [0, 0, 0, 0] : (tensor<?x32x28x28xf32>) -> tensor<?x32x14x14xf32>
    // CHECK: dl.avg_pool2d %{{.*}} kernel = [3, 3] strides = [1, 1] padding = [1, 1, 1, 1] count_include_pad : (tensor<?x32x28x28xf32>) -> tensor<?x32x28x28xf32>
    %2 = dl.avg_pool2d %0 kernel = [3, 3] strides = [1, 1] padding = [1, 1, 1, 1] count_include_pad : (tensor<?x32x28x28xf32>) -> tensor<?x32x28x28xf32>
    // CHECK: dl.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x32x28x28xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x32x28x28xf32>
    %3 = dl.batch_norm %0, %c, %c, %c, %c : (tensor<?x32x28x28xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x32x28x28xf32>
    // CHECK: dl.layer_norm %{{.*}}, %{{.*}}, %{{.*}} axis = -1 : (tensor<?x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
    %4 = dl.layer_norm %s, %g, %g axis = -1 : (tensor<?x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
    // CHECK: dl.batch_matmul %{{.*}}, %{{.*}} : (tensor<?x8x16x64xf32>, tensor<?x8x64x16xf32>) -> tensor<?x8x16x16xf32>
    %5 = dl.batch_matmul %q, %k : (tensor<?x8x16x64xf32>, tensor<?x8x64x16xf32>) -> tensor<?x8x16x16xf32>
    return
  }

  // CHECK-LABEL: func.func @recurrent
  func.func @recurrent(%x: tensor<?x?x32xf32>, %wih: tensor<256x32xf32>, %whh: tensor<256x64xf32>, %b: tensor<256xf32>) {
    // CHECK: dl.lstm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x?x32xf32>, tensor<256x32xf32>, tensor<256x64xf32>, tensor<256xf32>) -> (tensor<?x?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>)
    %o, %h, %c = dl.lstm %x, %wih, %whh, %b : (tensor<?x?x32xf32>, tensor<256x32xf32>, tensor<256x64xf32>, tensor<256xf32>) -> (tensor<?x?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>)
    return
  }

  // CHECK-LABEL: func.func @losses
  func.func @losses(%p: tensor<?x10xf32>, %t: tensor<?x10xf32>, %l: tensor<?xi32>) {
    // CHECK: dl.mse_loss %{{.*}}, %{{.*}} : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<f32>
    %0 = dl.mse_loss %p, %t : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<f32>
    // CHECK: dl.binary_cross_entropy %{{.*}}, %{{.*}} from_logits : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<f32>
    %1 = dl.binary_cross_entropy %p, %t from_logits : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<f32>
    // CHECK: dl.categorical_cross_entropy %{{.*}}, %{{.*}} : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<f32>
    %2 = dl.categorical_cross_entropy %p, %t : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<f32>
    // CHECK: dl.sparse_categorical_cross_entropy %{{.*}}, %{{.*}} from_logits : (tensor<?x10xf32>, tensor<?xi32>) -> tensor<f32>
    %3 = dl.sparse_categorical_cross_entropy %p, %l from_logits : (tensor<?x10xf32>, tensor<?xi32>) -> tensor<f32>
    return
  }
}
