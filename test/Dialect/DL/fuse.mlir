// RUN: dlc-opt %s -dl-fuse -split-input-file | FileCheck %s
// RUN: dlc-opt %s -dl-fuse=singletons -split-input-file | FileCheck %s --check-prefix=SINGLE

// A dense layer: bias and activation are the matmul's epilogue. The
// transpose (a view) and the parameters stay outside the group.
// CHECK-LABEL: func.func @dense
// CHECK: %[[WT:.*]] = dl.transpose
// CHECK: %[[H:.*]] = dl.fusion "matmul_0" {
// CHECK-NEXT: %[[M:.*]] = dl.matmul %{{.*}}, %[[WT]]
// CHECK-NEXT: %[[A:.*]] = dl.add %[[M]], %{{.*}}
// CHECK-NEXT: %[[R:.*]] = dl.relu %[[A]]
// CHECK-NEXT: dl.yield %[[R]] : tensor<?x128xf32>
// CHECK-NEXT: } : tensor<?x128xf32>
// CHECK-NEXT: return %[[H]]
// SINGLE-LABEL: func.func @dense
// SINGLE: dl.fusion "matmul_0" {
// SINGLE: dl.fusion "add_0" {
// SINGLE: dl.fusion "relu_0" {
func.func @dense(%x: tensor<?x784xf32>, %w: tensor<128x784xf32>, %b: tensor<128xf32>) -> tensor<?x128xf32> {
  %wt = dl.transpose %w [1, 0] : (tensor<128x784xf32>) -> tensor<784x128xf32>
  %0 = dl.matmul %x, %wt : (tensor<?x784xf32>, tensor<784x128xf32>) -> tensor<?x128xf32>
  %1 = dl.add %0, %b : (tensor<?x128xf32>, tensor<128xf32>) -> tensor<?x128xf32>
  %2 = dl.relu %1 : tensor<?x128xf32>
  return %2 : tensor<?x128xf32>
}

// -----

// The backward pass of relu: the activation mask joins the gradient
// matmul that produces the cotangent.
// CHECK-LABEL: func.func @relu_backward
// CHECK: dl.fusion "matmul_0" {
// CHECK-NEXT: dl.matmul
// CHECK-NEXT: dl.step
// CHECK-NEXT: dl.mul
// CHECK-NEXT: dl.yield
func.func @relu_backward(%g: tensor<?x10xf32>, %w: tensor<10x128xf32>, %pre: tensor<?x128xf32>) -> tensor<?x128xf32> {
  %0 = dl.matmul %g, %w : (tensor<?x10xf32>, tensor<10x128xf32>) -> tensor<?x128xf32>
  %1 = dl.step %pre : tensor<?x128xf32>
  %2 = dl.mul %0, %1 : (tensor<?x128xf32>, tensor<?x128xf32>) -> tensor<?x128xf32>
  return %2 : tensor<?x128xf32>
}

// -----

// An elementwise producer joins a reduction: sum(w * w) is one pass, and
// the scaling of the sum is its epilogue.
// CHECK-LABEL: func.func @l2
// CHECK: dl.fusion "reduce_sum_0" {
// CHECK-NEXT: dl.mul %{{.*}}, %{{.*}} : (tensor<128x784xf32>
// CHECK-NEXT: dl.reduce_sum
// CHECK-NEXT: dl.mul
// CHECK-NEXT: dl.yield
// CHECK-NOT: dl.fusion
func.func @l2(%w: tensor<128x784xf32>, %c: tensor<f32>) -> tensor<f32> {
  %0 = dl.mul %w, %w : (tensor<128x784xf32>, tensor<128x784xf32>) -> tensor<128x784xf32>
  %1 = dl.reduce_sum %0 axes = [] : (tensor<128x784xf32>) -> tensor<f32>
  %2 = dl.mul %1, %c : (tensor<f32>, tensor<f32>) -> tensor<f32>
  return %2 : tensor<f32>
}

// -----

// Fusion never computes a value twice: the matmul's result is also
// returned, so the relu cannot inline it and gets its own group; an
// elementwise op of a broadcast (smaller) operand is not inlined into the
// larger consumer.
// CHECK-LABEL: func.func @no_duplication
// CHECK: %[[M:.*]] = dl.fusion "matmul_0" {
// CHECK-NEXT: dl.matmul
// CHECK-NEXT: dl.yield
// CHECK: %[[E:.*]] = dl.fusion "exp_0" {
// CHECK-NEXT: dl.exp
// CHECK-NEXT: dl.yield
// CHECK: dl.fusion "mul_0" {
// CHECK-NEXT: dl.relu %[[M]]
// CHECK-NEXT: dl.mul %{{.*}}, %[[E]]
// CHECK-NEXT: dl.yield
func.func @no_duplication(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %s: tensor<16xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>) {
  %0 = dl.matmul %x, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %1 = dl.relu %0 : tensor<4x16xf32>
  %e = dl.exp %s : tensor<16xf32>
  %2 = dl.mul %1, %e : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  return %0, %2 : tensor<4x16xf32>, tensor<4x16xf32>
}

// -----

// One heavy op per group: the second matmul's result is the epilogue's
// other operand, computed by its own kernel.
// CHECK-LABEL: func.func @two_matmuls
// CHECK: %[[B:.*]] = dl.fusion "matmul_0" {
// CHECK: dl.fusion "matmul_1" {
// CHECK-NEXT: dl.matmul
// CHECK-NEXT: dl.add %{{.*}}, %[[B]]
func.func @two_matmuls(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %v: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %0 = dl.matmul %x, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %1 = dl.matmul %x, %v : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %2 = dl.add %1, %0 : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return %2 : tensor<4x16xf32>
}

// -----

// The optimizer's updates of all parameters are one group (one kernel);
// the earlier update's dl.assigns move after it, in order.
// CHECK-LABEL: func.func @updates
// CHECK: %[[U:.*]]:4 = dl.fusion "sgd_update_0" {
// CHECK-NEXT: %[[P:.*]], %[[Q:.*]] = dl.sgd_update %arg0
// CHECK-NEXT: %[[R:.*]], %[[S:.*]] = dl.sgd_update %arg3
// CHECK-NEXT: dl.yield %[[P]], %[[Q]], %[[R]], %[[S]]
// CHECK-NEXT: } : tensor<4x3xf32>, tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>
// CHECK-NEXT: dl.assign @w, %[[U]]#0
// CHECK-NEXT: dl.assign @w.buf, %[[U]]#1
// CHECK-NEXT: dl.assign @b, %[[U]]#2
// SINGLE-LABEL: func.func @updates
// SINGLE: dl.fusion "sgd_update_0"
// SINGLE: dl.fusion "sgd_update_1"
module {
  dl.parameter @w : tensor<4x3xf32> = zeros
  dl.parameter @w.buf : tensor<4x3xf32> = zeros non_trainable state
  dl.parameter @b : tensor<3xf32> = zeros
  func.func @updates(%w: tensor<4x3xf32>, %gw: tensor<4x3xf32>, %bw: tensor<4x3xf32>,
                     %b: tensor<3xf32>, %gb: tensor<3xf32>, %bb: tensor<3xf32>,
                     %lr: tensor<f32>) -> tensor<3xf32> {
    %w1, %bw1 = dl.sgd_update %w, %gw, %bw, %lr {momentum = 0.9 : f64} : tensor<4x3xf32>, tensor<f32>
    dl.assign @w, %w1 : tensor<4x3xf32>
    dl.assign @w.buf, %bw1 : tensor<4x3xf32>
    %b1, %bb1 = dl.sgd_update %b, %gb, %bb, %lr {momentum = 0.9 : f64} : tensor<3xf32>, tensor<f32>
    dl.assign @b, %b1 : tensor<3xf32>
    return %bb1 : tensor<3xf32>
  }
}

// -----

// Dropout in training: the mask is recomputed in each consumer's kernel
// (the forward product and the gradient), not stored by a kernel of its own.
// CHECK-LABEL: func.func @dropout_mask_recomputed
// CHECK-NOT: dl.fusion "dropout_mask
// CHECK: %[[H:.*]] = dl.fusion "mul_0" {
// CHECK-NEXT: %[[M:.*]] = dl.dropout_mask %arg0, %arg1 rate = 2.000000e-01 salt = 1
// CHECK-NEXT: %[[P:.*]] = dl.mul %arg0, %[[M]]
// CHECK-NEXT: dl.yield %[[P]]
// CHECK: %[[D:.*]] = dl.fusion "mul_1" {
// CHECK-NEXT: %[[M2:.*]] = dl.dropout_mask %arg0, %arg1 rate = 2.000000e-01 salt = 1
// CHECK-NEXT: %[[Q:.*]] = dl.mul %arg2, %[[M2]]
// CHECK-NEXT: dl.yield %[[Q]]
// CHECK-NOT: dl.fusion "dropout_mask
// CHECK: return %[[H]], %[[D]]
// SINGLE-LABEL: func.func @dropout_mask_recomputed
// SINGLE: dl.fusion "dropout_mask_0" {
// SINGLE-NEXT: dl.dropout_mask
// SINGLE-NOT: dl.dropout_mask
// SINGLE: return
func.func @dropout_mask_recomputed(%x: tensor<?x128xf32>, %seed: tensor<f32>, %g: tensor<?x128xf32>) -> (tensor<?x128xf32>, tensor<?x128xf32>) {
  %m = dl.dropout_mask %x, %seed rate = 2.000000e-01 salt = 1 : (tensor<?x128xf32>, tensor<f32>) -> tensor<?x128xf32>
  %h = dl.mul %x, %m : (tensor<?x128xf32>, tensor<?x128xf32>) -> tensor<?x128xf32>
  %d = dl.mul %g, %m : (tensor<?x128xf32>, tensor<?x128xf32>) -> tensor<?x128xf32>
  return %h, %d : tensor<?x128xf32>, tensor<?x128xf32>
}
