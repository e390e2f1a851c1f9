// RUN: dlc-opt %s -split-input-file -verify-diagnostics

func.func @yield_types(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'dl.fusion' op yields 'tensor<4xf32>' but its results are 'tensor<8xf32>'}}
  %0 = dl.fusion "relu_0" {
    %1 = dl.relu %x : tensor<4xf32>
    dl.yield %1 : tensor<4xf32>
  } : tensor<8xf32>
  return %x : tensor<4xf32>
}

// -----

func.func @bad_schedule(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{bad 'dl.schedule': unknown schedule kind 'fast'}}
  %0 = dl.fusion "relu_0" attributes {dl.schedule = {kind = "fast"}} {
    %1 = dl.relu %x : tensor<4xf32>
    dl.yield %1 : tensor<4xf32>
  } : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @schedule_elsewhere(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'dl.schedule' must be a dictionary on a dl.fusion}}
  %0 = dl.relu %x {dl.schedule = {kind = "pointwise"}} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @param_inside(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = dl.fusion "relu_0" {
    // expected-error@+1 {{'dl.assign' op cannot be part of a fusion group}}
    dl.assign @p, %x : tensor<4xf32>
    dl.yield %x : tensor<4xf32>
  } : tensor<4xf32>
  return %0 : tensor<4xf32>
}
