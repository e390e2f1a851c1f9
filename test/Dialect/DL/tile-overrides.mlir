// Schedules overridden from a JSON file (dl-tile's schedule-file, dlc's
// --schedules), and what a bad file gets.
// RUN: rm -rf %t && split-file %s %t
// RUN: dlc-opt %t/model.mlir -dl-fuse -dl-tile=schedule-file=%t/good.json | FileCheck %s

// The override replaces the keys it names and keeps the others (here the
// large-batch schedule).
// CHECK: dl.fusion "matmul_0" attributes {dl.schedule = {kind = "matmul_rows", large_batch = {kind = "matmul_tiled", parallel = true, tile = [16, 64, 6, 1], vector = 8 : i64}, parallel = false, tile = [], vector = 8 : i64}}
// CHECK: dl.fusion "conv2d_0" attributes {dl.schedule = {kind = "conv_channel_tiled", parallel = true, tile = [8, 4], vector = 8 : i64}}

// RUN: not dlc-opt %t/model.mlir -dl-fuse -dl-tile=schedule-file=%t/kind.json 2>&1 | FileCheck %s --check-prefix=KIND
// KIND: error: schedule override 'forward/matmul_0': unknown schedule kind 'blocked' (expected one of pointwise, matmul_dot, matmul_rows, matmul_tiled, matmul_packed, conv_channel_tiled, conv_rows, conv_grad_filter_tiled, conv_grad_filter_rfactor)

// RUN: not dlc-opt %t/model.mlir -dl-fuse -dl-tile=schedule-file=%t/key.json 2>&1 | FileCheck %s --check-prefix=KEY
// KEY: error: schedule override 'forward/conv2d_0': unexpected schedule entry 'tiles'

// RUN: not dlc-opt %t/model.mlir -dl-fuse -dl-tile=schedule-file=%t/tile.json 2>&1 | FileCheck %s --check-prefix=TILE
// TILE: error: schedule override 'forward/conv2d_0': tile size -1 is not in [0, 4096]

// RUN: not dlc-opt %t/model.mlir -dl-fuse -dl-tile=schedule-file=%t/group.json 2>&1 | FileCheck %s --check-prefix=GROUP
// GROUP: error: schedule file '{{.*}}group.json' names no fusion group 'forward/matmul_7'

// RUN: not dlc-opt %t/model.mlir -dl-fuse -dl-tile=schedule-file=%t/bad.json 2>&1 | FileCheck %s --check-prefix=JSON
// JSON: error: schedule file '{{.*}}bad.json' is not valid JSON

// RUN: not dlc-opt %t/model.mlir -dl-fuse -dl-tile=schedule-file=%t/missing.json 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: cannot read schedule file '{{.*}}missing.json'

//--- model.mlir
func.func @forward(%x: tensor<?x784xf32>, %w: tensor<128x784xf32>, %img: tensor<?x1x28x28xf32>, %f: tensor<16x1x5x5xf32>) -> (tensor<?x128xf32>, tensor<?x16x28x28xf32>) attributes {dl.entry = "forward"} {
  %wt = dl.transpose %w [1, 0] : (tensor<128x784xf32>) -> tensor<784x128xf32>
  %0 = dl.matmul %x, %wt : (tensor<?x784xf32>, tensor<784x128xf32>) -> tensor<?x128xf32>
  %1 = dl.conv2d %img, %f strides = [1, 1] padding = [2, 2, 2, 2] dilation = [1, 1] groups = 1 : (tensor<?x1x28x28xf32>, tensor<16x1x5x5xf32>) -> tensor<?x16x28x28xf32>
  return %0, %1 : tensor<?x128xf32>, tensor<?x16x28x28xf32>
}
//--- good.json
{"forward/matmul_0": {"kind": "matmul_rows", "parallel": false, "tile": []},
 "forward/conv2d_0": {"tile": [8, 4]}}
//--- kind.json
{"forward/matmul_0": {"kind": "blocked"}}
//--- key.json
{"forward/conv2d_0": {"tiles": [8, 4]}}
//--- tile.json
{"forward/conv2d_0": {"tile": [-1, 4]}}
//--- group.json
{"forward/matmul_7": {"kind": "pointwise"}}
//--- bad.json
{"forward/matmul_0": 
