// RUN: dlc-opt %s --dl-train-step | FileCheck %s

// A batch_norm that reads running statistics normalizes with the batch's
// (mean and biased variance over N, H, W) in train_step, and the running
// averages get PyTorch's momentum update, the variance unbiased by
// n / (n - 1) with n counted at run time. evaluate keeps the running ones.
// CHECK-LABEL: func.func @evaluate(
// CHECK: %[[RM:.*]] = dl.param @bn.running_mean
// CHECK: %[[RV:.*]] = dl.param @bn.running_var
// CHECK: dl.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %[[RM]], %[[RV]]
// CHECK-LABEL: func.func @train_step(
// CHECK: %[[MEAN:.*]] = dl.reduce_mean %[[X:.*]] axes = [0, 2, 3] : (tensor<?x2x5x5xf32>) -> tensor<2xf32>
// CHECK: %[[MEANC:.*]] = dl.reshape %[[MEAN]] [2, 1, 1]
// CHECK: %[[C:.*]] = dl.sub %[[X]], %[[MEANC]]
// CHECK: %[[SQ:.*]] = dl.mul %[[C]], %[[C]]
// CHECK: %[[VAR:.*]] = dl.reduce_mean %[[SQ]] axes = [0, 2, 3]
// CHECK: dl.batch_norm %[[X]], %{{.*}}, %{{.*}}, %[[MEAN]], %[[VAR]] {epsilon = 1.000000e-03 : f64, momentum = 2.500000e-01 : f64}
// CHECK: %[[ONES:.*]] = dl.broadcast_like %{{.*}}, %[[X]]
// CHECK: %[[N:.*]] = dl.reduce_sum %[[ONES]] axes = [0, 2, 3]
// CHECK: %[[N1:.*]] = dl.sub %[[N]]
// CHECK: %[[D:.*]] = dl.maximum %[[N1]]
// CHECK: %[[VN:.*]] = dl.mul %[[VAR]], %[[N]]
// CHECK: %[[UNB:.*]] = dl.div %[[VN]], %[[D]]
// CHECK: %[[OLDM:.*]] = dl.param @bn.running_mean
// CHECK: %[[KEEPM:.*]] = dl.mul %[[OLDM]], %{{.*}}
// CHECK: %[[NEWM0:.*]] = dl.mul %[[MEAN]], %{{.*}}
// CHECK: %[[NEWM:.*]] = dl.add %[[KEEPM]], %[[NEWM0]]
// CHECK: %[[OLDV:.*]] = dl.param @bn.running_var
// CHECK: %[[KEEPV:.*]] = dl.mul %[[OLDV]], %{{.*}}
// CHECK: %[[NEWV0:.*]] = dl.mul %[[UNB]], %{{.*}}
// CHECK: %[[NEWV:.*]] = dl.add %[[KEEPV]], %[[NEWV0]]
// CHECK-NOT: dl.batch_norm
// CHECK: dl.loss_grad "mse"
// CHECK: dl.assign @bn.weight
// CHECK: dl.assign @bn.running_mean, %[[NEWM]]
// CHECK: dl.assign @bn.running_var, %[[NEWV]]
module {
  dl.parameter @bn.weight : tensor<2xf32> = ones
  dl.parameter @bn.bias : tensor<2xf32> = zeros
  dl.parameter @bn.running_mean : tensor<2xf32> = zeros non_trainable
  dl.parameter @bn.running_var : tensor<2xf32> = ones non_trainable
  func.func @loss(%x: tensor<?x2x5x5xf32> {dl.name = "x", dl.dims = ["batch", 2, 5, 5]},
                  %y: tensor<?x2x5x5xf32> {dl.name = "y", dl.dims = ["batch", 2, 5, 5]}) -> (tensor<f32> {dl.name = "loss"}) attributes {dl.entry = "loss"} {
    %g = dl.param @bn.weight : tensor<2xf32>
    %b = dl.param @bn.bias : tensor<2xf32>
    %m = dl.param @bn.running_mean : tensor<2xf32>
    %v = dl.param @bn.running_var : tensor<2xf32>
    %n = dl.batch_norm %x, %g, %b, %m, %v {epsilon = 1.000000e-03 : f64, momentum = 2.500000e-01 : f64} : (tensor<?x2x5x5xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<?x2x5x5xf32>
    %l = dl.mse_loss %n, %y : (tensor<?x2x5x5xf32>, tensor<?x2x5x5xf32>) -> tensor<f32>
    return %l : tensor<f32>
  }
  dl.optimizer sgd {learning_rate = 1.000000e-02 : f64}
}
