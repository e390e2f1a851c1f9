// RUN: dlc-opt %s --dl-train-step | FileCheck %s

// State parameters, a dropout mask from rng.seed, Adam per parameter, and
// every new value assigned; evaluate returns the accuracy too.
// CHECK: dl.parameter @optimizer.step : tensor<f32> = zeros non_trainable state
// CHECK: dl.parameter @optimizer.learning_rate : tensor<f32> = constant non_trainable state {value = 1.000000e-02 : f64}
// CHECK: dl.parameter @rng.seed : tensor<f32> = zeros non_trainable state
// CHECK: dl.parameter @optimizer.w.m : tensor<3x4xf32> = zeros non_trainable state
// CHECK: dl.parameter @optimizer.w.v : tensor<3x4xf32> = zeros non_trainable state
// CHECK-LABEL: func.func @evaluate(
// CHECK: dl.accuracy "sparse_categorical_cross_entropy" %{{.*}}, %arg1 from_logits
// CHECK-LABEL: func.func @train_step(
// CHECK: %[[SEED:.*]] = dl.param @rng.seed
// CHECK: %[[MASK:.*]] = dl.dropout_mask %{{.*}}, %[[SEED]] rate = 5.000000e-01 salt = 1
// CHECK: dl.mul %{{.*}}, %[[MASK]]
// CHECK: dl.loss_grad "sparse_categorical_cross_entropy"
// CHECK: dl.assign @optimizer.step
// CHECK: %[[P:.*]], %[[M:.*]], %[[V:.*]] = dl.adam_update
// CHECK-SAME: beta1 = 9.000000e-01
// CHECK: dl.assign @w, %[[P]]
// CHECK: dl.assign @optimizer.w.m, %[[M]]
// CHECK: dl.assign @optimizer.w.v, %[[V]]
// CHECK: dl.assign @rng.seed
module {
  dl.parameter @w : tensor<3x4xf32> = glorot_uniform
  func.func @loss(%x: tensor<?x4xf32> {dl.name = "x", dl.dims = ["batch", 4]},
                  %y: tensor<?xi32> {dl.name = "y", dl.dims = ["batch"]}) -> (tensor<f32> {dl.name = "loss"}) attributes {dl.entry = "loss"} {
    %d = dl.dropout %x rate = 5.000000e-01 : tensor<?x4xf32>
    %w = dl.param @w : tensor<3x4xf32>
    %wt = dl.transpose %w [1, 0] : (tensor<3x4xf32>) -> tensor<4x3xf32>
    %z = dl.matmul %d, %wt : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
    %l = dl.sparse_categorical_cross_entropy %z, %y from_logits : (tensor<?x3xf32>, tensor<?xi32>) -> tensor<f32>
    return %l : tensor<f32>
  }
  dl.optimizer adam {learning_rate = 1.000000e-02 : f64}
}
