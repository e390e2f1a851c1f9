// RUN: dlc-opt %s -dl-fuse -dl-tile -split-input-file | FileCheck %s
// RUN: dlc-opt %s -dl-fuse "-dl-tile=vector-width=16 vector-registers=32 cores=1" -split-input-file | FileCheck %s --check-prefix=AVX512
// RUN: dlc-opt %s -dl-fuse -dl-tile=naive -split-input-file | FileCheck %s --check-prefix=NAIVE

// A dense layer with a run-time batch: dot products for few rows, and
// register tiles from 6 rows on, 64 rows sharing a packed panel of w^T in
// L2. 128 columns take tiles of 2 vectors x 6 rows (3 vectors would
// compute 144 columns).
// CHECK-LABEL: func.func @dense
// CHECK: dl.fusion "matmul_0" attributes {dl.schedule = {kind = "matmul_dot", large_batch = {kind = "matmul_tiled", parallel = true, tile = [16, 64, 6, 1], vector = 8 : i64}, parallel = true, tile = [8], vector = 8 : i64}}
// AVX512-LABEL: func.func @dense
// AVX512: kind = "matmul_dot", large_batch = {kind = "matmul_tiled", parallel = false, tile = [32, 64, 6, 1], vector = 16 : i64}, parallel = false, tile = [8], vector = 16 : i64
// NAIVE-LABEL: func.func @dense
// NAIVE: dl.schedule = {kind = "pointwise", parallel = true, tile = [], vector = 8 : i64}
func.func @dense(%x: tensor<?x784xf32>, %w: tensor<128x784xf32>, %b: tensor<128xf32>) -> tensor<?x128xf32> {
  %wt = dl.transpose %w [1, 0] : (tensor<128x784xf32>) -> tensor<784x128xf32>
  %0 = dl.matmul %x, %wt : (tensor<?x784xf32>, tensor<784x128xf32>) -> tensor<?x128xf32>
  %1 = dl.add %0, %b : (tensor<?x128xf32>, tensor<128xf32>) -> tensor<?x128xf32>
  return %1 : tensor<?x128xf32>
}

// -----

// A static batch of 64 rows goes straight to register tiles, with a plain
// [K, N] right-hand side too; fewer columns than a vector get rows.
// CHECK-LABEL: func.func @static_rows
// CHECK: kind = "matmul_tiled", parallel = true, tile = [16, 64, 6, 1]
// CHECK: kind = "matmul_tiled", parallel = true, tile = [16, 64, 6, 0]
// CHECK: kind = "matmul_rows"
func.func @static_rows(%x: tensor<64x784xf32>, %w: tensor<128x784xf32>, %v: tensor<784x128xf32>, %u: tensor<784x4xf32>) -> (tensor<64x128xf32>, tensor<64x128xf32>, tensor<64x4xf32>) {
  %wt = dl.transpose %w [1, 0] : (tensor<128x784xf32>) -> tensor<784x128xf32>
  %0 = dl.matmul %x, %wt : (tensor<64x784xf32>, tensor<784x128xf32>) -> tensor<64x128xf32>
  %1 = dl.matmul %x, %v : (tensor<64x784xf32>, tensor<784x128xf32>) -> tensor<64x128xf32>
  %2 = dl.matmul %x, %u : (tensor<64x784xf32>, tensor<784x4xf32>) -> tensor<64x4xf32>
  return %0, %1, %2 : tensor<64x128xf32>, tensor<64x128xf32>, tensor<64x4xf32>
}

// -----

// A large weight (the CNN's fc1, 12.8 MB) is not transposed per call: each
// task packs its panel from w, once for 64 rows. 1024 columns take tiles
// of 3 vectors x 4 rows (the last one shifted by 8 columns).
// CHECK-LABEL: func.func @large_dense
// CHECK: large_batch = {kind = "matmul_tiled", parallel = true, tile = [24, 64, 4, 0], vector = 8 : i64}
func.func @large_dense(%x: tensor<?x3136xf32>, %w: tensor<1024x3136xf32>) -> tensor<?x1024xf32> {
  %wt = dl.transpose %w [1, 0] : (tensor<1024x3136xf32>) -> tensor<3136x1024xf32>
  %0 = dl.matmul %x, %wt : (tensor<?x3136xf32>, tensor<3136x1024xf32>) -> tensor<?x1024xf32>
  return %0 : tensor<?x1024xf32>
}

// -----

// Large GEMMs of static shape are packed and blocked as BLAS does: 2 x 6
// vector accumulators (2 x 12 with 32 registers), k in near-equal slices
// of at most 256 (1024 = 4 x 256, 784 = 4 x 196), tasks of every column
// and at most 192 rows, as many as a multiple of the cores (1024 rows: 6
// tasks of 174 on 2 cores, of 180 on 1; 10,000: 54 of 186). Fewer rows
// than 384, a shallower sum than 512 or fewer columns than 8 vectors keep
// register tiles.
// CHECK-LABEL: func.func @gemms
// CHECK: kind = "matmul_packed", parallel = true, tile = [16, 174, 6, 256, 1024]
// CHECK: kind = "matmul_packed", parallel = true, tile = [16, 186, 6, 196, 128]
// CHECK: kind = "matmul_tiled"
// CHECK: kind = "matmul_tiled"
// CHECK: kind = "matmul_tiled"
// AVX512-LABEL: func.func @gemms
// AVX512: kind = "matmul_packed", parallel = false, tile = [32, 180, 12, 256, 1024], vector = 16
func.func @gemms(%a: tensor<1024x1024xf32>, %b: tensor<1024x1024xf32>, %x: tensor<10000x784xf32>, %w: tensor<784x128xf32>, %y: tensor<383x1024xf32>, %z: tensor<1024x511xf32>, %v: tensor<511x128xf32>, %u: tensor<1024x63xf32>) -> (tensor<1024x1024xf32>, tensor<10000x128xf32>, tensor<383x1024xf32>, tensor<1024x128xf32>, tensor<1024x63xf32>) {
  %0 = dl.matmul %a, %b : (tensor<1024x1024xf32>, tensor<1024x1024xf32>) -> tensor<1024x1024xf32>
  %1 = dl.matmul %x, %w : (tensor<10000x784xf32>, tensor<784x128xf32>) -> tensor<10000x128xf32>
  %2 = dl.matmul %y, %b : (tensor<383x1024xf32>, tensor<1024x1024xf32>) -> tensor<383x1024xf32>
  %3 = dl.matmul %z, %v : (tensor<1024x511xf32>, tensor<511x128xf32>) -> tensor<1024x128xf32>
  %4 = dl.matmul %a, %u : (tensor<1024x1024xf32>, tensor<1024x63xf32>) -> tensor<1024x63xf32>
  return %0, %1, %2, %3, %4 : tensor<1024x1024xf32>, tensor<10000x128xf32>, tensor<383x1024xf32>, tensor<1024x128xf32>, tensor<1024x63xf32>
}

// -----

// Convolutions: 32 output channels are 2 vectors of 8 (1 of 16 on
// AVX-512). With 16 registers, 2 filter vectors and a broadcast leave 13
// for accumulators: 6 positions of a row (28 = 5 x 6 less a shifted tile),
// not 7 (17 registers, a spill per step); with 32, 14 positions (half a
// row). 12 channels fit no vector multiple and get the row schedule.
// CHECK-LABEL: func.func @convs
// CHECK: dl.fusion "conv2d_0" attributes {dl.schedule = {kind = "conv_channel_tiled", parallel = true, tile = [16, 6, 1], vector = 8 : i64}}
// CHECK: dl.fusion "conv2d_1" attributes {dl.schedule = {kind = "conv_rows", parallel = true, tile = [8], vector = 8 : i64}}
// AVX512-LABEL: func.func @convs
// AVX512: kind = "conv_channel_tiled", parallel = false, tile = [32, 14, 1], vector = 16 : i64
func.func @convs(%x: tensor<?x1x28x28xf32>, %w: tensor<32x1x5x5xf32>, %v: tensor<12x1x3x3xf32>) -> (tensor<?x32x28x28xf32>, tensor<?x12x26x26xf32>) {
  %0 = dl.conv2d %x, %w strides = [1, 1] padding = [2, 2, 2, 2] dilation = [1, 1] groups = 1 : (tensor<?x1x28x28xf32>, tensor<32x1x5x5xf32>) -> tensor<?x32x28x28xf32>
  %1 = dl.conv2d %x, %v strides = [1, 1] padding = [0, 0, 0, 0] dilation = [1, 1] groups = 1 : (tensor<?x1x28x28xf32>, tensor<12x1x3x3xf32>) -> tensor<?x12x26x26xf32>
  return %0, %1 : tensor<?x32x28x28xf32>, tensor<?x12x26x26xf32>
}

// -----

// The CNN's second convolution (32 -> 64 channels, 5 x 5, 14 x 14): 3 x 2
// positions per tile, and a tile's filter slice (16 x 32 x 5 x 5 floats,
// 51 KB) exceeds L1, so the input channels go in blocks of 4 (tile[3])
// whose slice and input rows fit a quarter of L1. Its input gradient is
// the same shape of problem with the roles of the channels swapped.
// CHECK-LABEL: func.func @conv_blocks
// CHECK: dl.fusion "conv2d_0" attributes {dl.schedule = {kind = "conv_channel_tiled", parallel = true, tile = [16, 3, 2, 4], vector = 8 : i64}}
// CHECK: dl.fusion "conv2d_grad_input_0" attributes {dl.schedule = {kind = "conv_channel_tiled", parallel = true, tile = [16, 3, 2, 4], vector = 8 : i64}}
func.func @conv_blocks(%x: tensor<?x32x14x14xf32>, %w: tensor<64x32x5x5xf32>, %g: tensor<?x64x14x14xf32>) -> (tensor<?x64x14x14xf32>, tensor<?x32x14x14xf32>) {
  %0 = dl.conv2d %x, %w strides = [1, 1] padding = [2, 2, 2, 2] dilation = [1, 1] groups = 1 : (tensor<?x32x14x14xf32>, tensor<64x32x5x5xf32>) -> tensor<?x64x14x14xf32>
  %1 = dl.conv2d_grad_input %g, %w, %x strides = [1, 1] padding = [2, 2, 2, 2] dilation = [1, 1] groups = 1 : (tensor<?x64x14x14xf32>, tensor<64x32x5x5xf32>, tensor<?x32x14x14xf32>) -> tensor<?x32x14x14xf32>
  return %0, %1 : tensor<?x64x14x14xf32>, tensor<?x32x14x14xf32>
}

// -----

// Elementwise groups and reductions are pointwise.
// CHECK-LABEL: func.func @pointwise
// CHECK: dl.fusion "mul_0" attributes {dl.schedule = {kind = "pointwise", parallel = true, tile = [], vector = 8 : i64}}
func.func @pointwise(%x: tensor<?x128xf32>, %y: tensor<?x128xf32>) -> tensor<?x128xf32> {
  %0 = dl.sigmoid %x : tensor<?x128xf32>
  %1 = dl.mul %0, %y : (tensor<?x128xf32>, tensor<?x128xf32>) -> tensor<?x128xf32>
  return %1 : tensor<?x128xf32>
}
