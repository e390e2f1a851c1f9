// RUN: dlc-opt %s -dl-shape-inference -split-input-file | FileCheck %s
// RUN: dlc-opt %s -dl-shape-inference -split-input-file -verify-diagnostics -split-input-file 2>&1 >/dev/null | FileCheck %s --check-prefix=NOERR --allow-empty
// NOERR-NOT: error

// Unknown result sizes become static where the operands decide them, and the
// signature follows what the function returns.
// CHECK-LABEL: func.func @refine(
// CHECK-SAME: -> tensor<4x2xf32>
// CHECK: dl.matmul {{.*}} -> tensor<4x2xf32>
// CHECK: dl.relu {{.*}} : tensor<4x2xf32>
func.func @refine(%a: tensor<4x8xf32>, %b: tensor<8x2xf32>) -> tensor<?x?xf32> {
  %0 = dl.matmul %a, %b : (tensor<4x8xf32>, tensor<8x2xf32>) -> tensor<?x?xf32>
  %1 = dl.relu %0 : tensor<?x?xf32>
  return %1 : tensor<?x?xf32>
}

// -----

// A symbolic (dynamic) batch dim stays dynamic; the rest becomes static.
// CHECK-LABEL: func.func @keeps_batch(
// CHECK: dl.reshape {{.*}} -> tensor<?x784xf32>
// CHECK: dl.add {{.*}} -> tensor<?x784xf32>
// CHECK: dl.reduce_sum {{.*}} -> tensor<?xf32>
func.func @keeps_batch(%x: tensor<?x28x28xf32> {dl.dims = ["batch", 28, 28]}, %b: tensor<784xf32>) -> tensor<?xf32> {
  %0 = dl.reshape %x [0, -1] : (tensor<?x28x28xf32>) -> tensor<?x?xf32>
  %1 = dl.add %0, %b : (tensor<?x?xf32>, tensor<784xf32>) -> tensor<?x?xf32>
  %2 = dl.reduce_sum %1 axes = [1] : (tensor<?x?xf32>) -> tensor<?xf32>
  return %2 : tensor<?xf32>
}

// -----

// Inference only adds information: a static size in the declared type stays.
// CHECK-LABEL: func.func @never_loses(
// CHECK: dl.reshape {{.*}} -> tensor<?x7xf32>
func.func @never_loses(%x: tensor<?x?xf32>) -> tensor<?x7xf32> {
  %0 = dl.reshape %x [-1, 7] : (tensor<?x?xf32>) -> tensor<?x7xf32>
  return %0 : tensor<?x7xf32>
}

// -----

// CHECK-LABEL: func.func @conv_pool(
// CHECK: dl.conv2d {{.*}} -> tensor<?x8x16x16xf32>
// CHECK: dl.max_pool2d {{.*}} -> tensor<?x8x8x8xf32>
// CHECK: dl.lstm {{.*}} -> (tensor<3x?x16xf32>, tensor<3x16xf32>, tensor<3x16xf32>)
func.func @conv_pool(%x: tensor<?x3x32x32xf32>, %w: tensor<8x3x3x3xf32>, %s: tensor<3x?x4xf32>, %wi: tensor<64x4xf32>, %wh: tensor<64x16xf32>, %b: tensor<64xf32>) {
  %0 = dl.conv2d %x, %w strides = [2, 2] padding = [1, 1, 1, 1] dilation = [1, 1] groups = 1 : (tensor<?x3x32x32xf32>, tensor<8x3x3x3xf32>) -> tensor<?x?x?x?xf32>
  %1 = dl.max_pool2d %0 kernel = [2, 2] strides = [2, 2] padding = [0, 0, 0, 0] : (tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  %o, %h, %c = dl.lstm %s, %wi, %wh, %b : (tensor<3x?x4xf32>, tensor<64x4xf32>, tensor<64x16xf32>, tensor<64xf32>) -> (tensor<?x?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>)
  return
}
