// RUN: dlc-opt %s -canonicalize -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @reshape_of_reshape
// CHECK-SAME: (%[[X:.*]]: tensor<?x28x28xf32>)
// CHECK-NEXT: %[[R:.*]] = dl.reshape %[[X]] [0, 784] : (tensor<?x28x28xf32>) -> tensor<?x784xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_of_reshape(%x: tensor<?x28x28xf32>) -> tensor<?x784xf32> {
  %0 = dl.reshape %x [0, 1, 784] : (tensor<?x28x28xf32>) -> tensor<?x1x784xf32>
  %1 = dl.reshape %0 [0, 784] : (tensor<?x1x784xf32>) -> tensor<?x784xf32>
  return %1 : tensor<?x784xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_identity
// CHECK-NEXT: return %arg0
func.func @reshape_identity(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %0 = dl.reshape %x [0, 10] : (tensor<?x10xf32>) -> tensor<?x10xf32>
  return %0 : tensor<?x10xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_of_transpose
// CHECK-NEXT: %[[T:.*]] = dl.transpose %arg0 [2, 0, 1] : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
// CHECK-NEXT: return %[[T]]
func.func @transpose_of_transpose(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = dl.transpose %x [1, 0, 2] : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  %1 = dl.transpose %0 [2, 1, 0] : (tensor<3x2x4xf32>) -> tensor<4x2x3xf32>
  return %1 : tensor<4x2x3xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_inverse
// CHECK-NEXT: return %arg0
func.func @transpose_inverse(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = dl.transpose %x [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = dl.transpose %0 [1, 0] : (tensor<3x2xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// (x^T @ dy)^T, the weight gradient of x @ w^T, becomes dy^T @ x.
// CHECK-LABEL: func.func @transpose_of_matmul
// CHECK-NEXT: %[[DT:.*]] = dl.transpose %arg1 [1, 0] : (tensor<?x8xf32>) -> tensor<8x?xf32>
// CHECK-NEXT: %[[M:.*]] = dl.matmul %[[DT]], %arg0 : (tensor<8x?xf32>, tensor<?x5xf32>) -> tensor<8x5xf32>
// CHECK-NEXT: return %[[M]]
func.func @transpose_of_matmul(%x: tensor<?x5xf32>, %dy: tensor<?x8xf32>) -> tensor<8x5xf32> {
  %0 = dl.transpose %x [1, 0] : (tensor<?x5xf32>) -> tensor<5x?xf32>
  %1 = dl.matmul %0, %dy : (tensor<5x?xf32>, tensor<?x8xf32>) -> tensor<5x8xf32>
  %2 = dl.transpose %1 [1, 0] : (tensor<5x8xf32>) -> tensor<8x5xf32>
  return %2 : tensor<8x5xf32>
}

// -----

// A matmul with another use stays: rewriting would compute it twice.
// CHECK-LABEL: func.func @transpose_of_shared_matmul
// CHECK: %[[M:.*]] = dl.matmul %arg0, %arg1
// CHECK: dl.transpose %[[M]] [1, 0]
func.func @transpose_of_shared_matmul(%a: tensor<3x5xf32>, %b: tensor<5x8xf32>) -> (tensor<8x3xf32>, tensor<3x8xf32>) {
  %0 = dl.matmul %a, %b : (tensor<3x5xf32>, tensor<5x8xf32>) -> tensor<3x8xf32>
  %1 = dl.transpose %0 [1, 0] : (tensor<3x8xf32>) -> tensor<8x3xf32>
  return %1, %0 : tensor<8x3xf32>, tensor<3x8xf32>
}

// -----

// x * 1, 1 * x, x + 0, x - 0, x / 1 fold to x.
// CHECK-LABEL: func.func @identities
// CHECK-NOT: dl.mul
// CHECK-NOT: dl.add
// CHECK-NOT: dl.sub
// CHECK-NOT: dl.div
// CHECK: return %arg0, %arg0, %arg0, %arg0, %arg0
func.func @identities(%x: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>) {
  %one = dl.constant dense<1.0> : tensor<4xf32>
  %zero = dl.constant dense<0.0> : tensor<f32>
  %0 = dl.mul %x, %one : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %1 = dl.mul %one, %x : (tensor<4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  %2 = dl.add %x, %zero : (tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xf32>
  %3 = dl.sub %x, %zero : (tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xf32>
  %4 = dl.div %x, %one : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  return %0, %1, %2, %3, %4 : tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>
}

// -----

// A broadcast is not the identity: x + 0 with a larger zero stays.
// CHECK-LABEL: func.func @broadcasting_zero
// CHECK: dl.add
func.func @broadcasting_zero(%x: tensor<4xf32>) -> tensor<2x4xf32> {
  %zero = dl.constant dense<0.0> : tensor<2x4xf32>
  %0 = dl.add %x, %zero : (tensor<4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// CHECK-LABEL: func.func @constant_folding
// CHECK-NEXT: %[[C:.*]] = dl.constant dense<[5.000000e+00, 7.000000e+00]> : tensor<2xf32>
// CHECK-NEXT: %[[E:.*]] = dl.constant dense<1.000000e+00> : tensor<3xf32>
// CHECK-NEXT: return %[[C]], %[[E]]
func.func @constant_folding() -> (tensor<2xf32>, tensor<3xf32>) {
  %a = dl.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %b = dl.constant dense<2.0> : tensor<2xf32>
  %c = dl.constant dense<3.0> : tensor<2xf32>
  %0 = dl.mul %a, %b : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %1 = dl.add %0, %c : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %z = dl.constant dense<0.0> : tensor<3xf32>
  %e = dl.exp %z : tensor<3xf32>
  return %1, %e : tensor<2xf32>, tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @fold_reshape_constant
// CHECK-NEXT: dl.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
func.func @fold_reshape_constant() -> tensor<2x2xf32> {
  %a = dl.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %0 = dl.reshape %a [2, 2] : (tensor<4xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// CHECK-LABEL: func.func @dropout_zero
// CHECK-NEXT: return %arg0
func.func @dropout_zero(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = dl.dropout %x rate = 0.0 : tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// CHECK-LABEL: func.func @trivial
// CHECK-NEXT: return %arg0, %arg0, %arg1, %arg2
func.func @trivial(%x: tensor<2x3xf32>, %i: tensor<2xf32>, %j: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2xf32>, tensor<2x3xf32>) {
  %0 = dl.maximum %x, %x : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = dl.concat %x axis = 0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = dl.cast %i : tensor<2xf32> to tensor<2xf32>
  %3 = dl.broadcast_to %j [2, 3] : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0, %1, %2, %3 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2xf32>, tensor<2x3xf32>
}
