// RUN: dlc-opt %s -split-input-file -verify-diagnostics

func.func @matmul_inner(%a: tensor<?x784xf32>, %b: tensor<512x128xf32>) {
  // expected-error@+1 {{'dl.matmul' op inner dimensions differ: f32[?,784] @ f32[512,128]}}
  %0 = dl.matmul %a, %b : (tensor<?x784xf32>, tensor<512x128xf32>) -> tensor<?x128xf32>
  return
}

// -----

func.func @matmul_rank(%a: tensor<2x3x4xf32>, %b: tensor<4x5xf32>) {
  // expected-error@+1 {{'dl.matmul' op operands must have rank 2 (use dl.batch_matmul for batches)}}
  %0 = dl.matmul %a, %b : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x3x5xf32>
  return
}

// -----

func.func @batch_matmul_rank(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) {
  // expected-error@+1 {{'dl.batch_matmul' op one operand must have rank >= 3}}
  %0 = dl.batch_matmul %a, %b : (tensor<3x4xf32>, tensor<4x5xf32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @batch_matmul_batch(%a: tensor<2x3x4xf32>, %b: tensor<3x4x5xf32>) {
  // expected-error@+1 {{'dl.batch_matmul' op batch dimensions do not broadcast: f32[2,3,4] @ f32[3,4,5]}}
  %0 = dl.batch_matmul %a, %b : (tensor<2x3x4xf32>, tensor<3x4x5xf32>) -> tensor<2x3x5xf32>
  return
}

// -----

func.func @broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error@+1 {{'dl.add' op operands do not broadcast: f32[2,3] and f32[4] (dim 3 vs 4)}}
  %0 = dl.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @element_types(%a: tensor<2xf32>, %b: tensor<2xi32>) {
  // expected-error@+1 {{'dl.mul' op requires the same element type for all operands}}
  %0 = dl.mul %a, %b : (tensor<2xf32>, tensor<2xi32>) -> tensor<2xf32>
  return
}

// -----

func.func @wrong_result(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // expected-error@+1 {{'dl.sub' op result type tensor<2x4xf32> does not match the inferred tensor<2x3xf32>}}
  %0 = dl.sub %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @unary_int(%a: tensor<2xi32>) {
  // expected-error@+1 {{'dl.exp' op operand #0 must be ranked tensor of floating-point values}}
  %0 = dl.exp %a : tensor<2xi32>
  return
}

// -----

func.func @cast_shape(%a: tensor<2xi32>) {
  // expected-error@+1 {{'dl.cast' op requires the same shape for all operands and results}}
  %0 = dl.cast %a : tensor<2xi32> to tensor<3xf32>
  return
}

// -----

func.func @constant_dynamic() {
  // expected-error@+1 {{'dl.constant' op attribute 'value' failed to satisfy constraint: constant vector/tensor attribute}}
  %0 = "dl.constant"() {value = 1.0 : f32} : () -> f32
  return
}

// -----

func.func @reduce_axis(%a: tensor<2x3xf32>) {
  // expected-error@+1 {{'dl.reduce_sum' op axis 2 is out of range for a tensor of rank 2}}
  %0 = dl.reduce_sum %a axes = [2] : (tensor<2x3xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @reduce_twice(%a: tensor<2x3xf32>) {
  // expected-error@+1 {{'dl.reduce_mean' op axis -1 is reduced twice}}
  %0 = dl.reduce_mean %a axes = [1, -1] : (tensor<2x3xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @softmax_axis(%a: tensor<2x3xf32>) {
  // expected-error@+1 {{'dl.softmax' op axis -3 is out of range for a tensor of rank 2}}
  %0 = dl.softmax %a axis = -3 : tensor<2x3xf32>
  return
}

// -----

func.func @log_softmax_axis(%a: tensor<2x3xf32>) {
  // expected-error@+1 {{'dl.log_softmax' op axis 5 is out of range}}
  %0 = dl.log_softmax %a axis = 5 : tensor<2x3xf32>
  return
}

// -----

func.func @reshape_count(%a: tensor<2x3xf32>) {
  // expected-error@+1 {{'dl.reshape' op cannot reshape f32[2,3] to [4,2]: element counts differ}}
  %0 = dl.reshape %a [4, 2] : (tensor<2x3xf32>) -> tensor<4x2xf32>
  return
}

// -----

func.func @reshape_two_inferred(%a: tensor<2x3xf32>) {
  // expected-error@+1 {{'dl.reshape' op at most one dimension of the new shape [-1,-1] may be -1}}
  %0 = dl.reshape %a [-1, -1] : (tensor<2x3xf32>) -> tensor<?x?xf32>
  return
}

// -----

func.func @reshape_copy(%a: tensor<6xf32>) {
  // expected-error@+1 {{'dl.reshape' op dimension 1 of the new shape [6,0] is 0 (copy) but f32[6] has no dimension 1}}
  %0 = dl.reshape %a [6, 0] : (tensor<6xf32>) -> tensor<6x1xf32>
  return
}

// -----

func.func @reshape_negative(%a: tensor<6xf32>) {
  // expected-error@+1 {{'dl.reshape' op invalid dimension -2 in the new shape [-2,3]}}
  %0 = dl.reshape %a [-2, 3] : (tensor<6xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @transpose_perm(%a: tensor<2x3xf32>) {
  // expected-error@+1 {{'dl.transpose' op [0,0] is not a permutation of the dims of f32[2,3]}}
  %0 = dl.transpose %a [0, 0] : (tensor<2x3xf32>) -> tensor<2x2xf32>
  return
}

// -----

func.func @transpose_rank(%a: tensor<2x3xf32>) {
  // expected-error@+1 {{'dl.transpose' op permutation [0] does not match f32[2,3]}}
  %0 = dl.transpose %a [0] : (tensor<2x3xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @broadcast_to(%a: tensor<3xf32>) {
  // expected-error@+1 {{'dl.broadcast_to' op cannot broadcast f32[3] to [2,4]: dim 3 is not 1 or 4}}
  %0 = dl.broadcast_to %a [2, 4] : (tensor<3xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @broadcast_to_fewer(%a: tensor<2x3xf32>) {
  // expected-error@+1 {{'dl.broadcast_to' op cannot broadcast f32[2,3] to fewer dims [3]}}
  %0 = dl.broadcast_to %a [3] : (tensor<2x3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @concat(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error@+1 {{'dl.concat' op operands differ outside axis 1: f32[2,3] and f32[4,5]}}
  %0 = dl.concat %a, %b axis = 1 : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @concat_rank(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // expected-error@+1 {{'dl.concat' op operands differ in rank or dtype: f32[2,3] and f32[3]}}
  %0 = dl.concat %a, %b axis = 0 : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<5x3xf32>
  return
}

// -----

func.func @slice_step(%a: tensor<4xf32>) {
  // expected-error@+1 {{'dl.slice' op slice step must be positive, got 0}}
  %0 = dl.slice %a axes = [0] starts = [0] ends = [4] steps = [0] : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @slice_lengths(%a: tensor<4xf32>) {
  // expected-error@+1 {{'dl.slice' op axes, starts, ends and steps must have the same length}}
  %0 = dl.slice %a axes = [0] starts = [0, 1] ends = [4] steps = [1] : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @gather_indices(%a: tensor<4x2xf32>, %i: tensor<3xf32>) {
  // expected-error@+1 {{'dl.gather' op operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = dl.gather %a, %i axis = 0 : (tensor<4x2xf32>, tensor<3xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @gather_axis(%a: tensor<4x2xf32>, %i: tensor<3xi32>) {
  // expected-error@+1 {{'dl.gather' op axis 2 is out of range for a tensor of rank 2}}
  %0 = dl.gather %a, %i axis = 2 : (tensor<4x2xf32>, tensor<3xi32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @embedding(%t: tensor<4xf32>, %i: tensor<3xi32>) {
  // expected-error@+1 {{'dl.embedding' op embedding table must be [vocab, dim], got f32[4]}}
  %0 = dl.embedding %t, %i : (tensor<4xf32>, tensor<3xi32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @conv_channels(%x: tensor<?x3x28x28xf32>, %w: tensor<32x1x5x5xf32>) {
  // expected-error@+1 {{'dl.conv2d' op input channels 3 != filter in-channels 1 x groups 1: f32[?,3,28,28] conv f32[32,1,5,5]}}
  %0 = dl.conv2d %x, %w strides = [1, 1] padding = [0, 0, 0, 0] dilation = [1, 1] groups = 1 : (tensor<?x3x28x28xf32>, tensor<32x1x5x5xf32>) -> tensor<?x32x24x24xf32>
  return
}

// -----

func.func @conv_rank(%x: tensor<?x28x28xf32>, %w: tensor<32x1x5x5xf32>) {
  // expected-error@+1 {{'dl.conv2d' op expects an NCHW input and an OIHW filter, got f32[?,28,28] and f32[32,1,5,5]}}
  %0 = dl.conv2d %x, %w strides = [1, 1] padding = [0, 0, 0, 0] dilation = [1, 1] groups = 1 : (tensor<?x28x28xf32>, tensor<32x1x5x5xf32>) -> tensor<?x32x24x24xf32>
  return
}

// -----

func.func @conv_padding(%x: tensor<?x1x28x28xf32>, %w: tensor<32x1x5x5xf32>) {
  // expected-error@+1 {{'dl.conv2d' op padding must have 4 values [top, left, bottom, right], got [1,1]}}
  %0 = dl.conv2d %x, %w strides = [1, 1] padding = [1, 1] dilation = [1, 1] groups = 1 : (tensor<?x1x28x28xf32>, tensor<32x1x5x5xf32>) -> tensor<?x32x26x26xf32>
  return
}

// -----

func.func @conv_stride(%x: tensor<?x1x28x28xf32>, %w: tensor<32x1x5x5xf32>) {
  // expected-error@+1 {{'dl.conv2d' op strides must be positive, got [0,1]}}
  %0 = dl.conv2d %x, %w strides = [0, 1] padding = [0, 0, 0, 0] dilation = [1, 1] groups = 1 : (tensor<?x1x28x28xf32>, tensor<32x1x5x5xf32>) -> tensor<?x32x24x24xf32>
  return
}

// -----

func.func @conv_groups(%x: tensor<?x8x8x8xf32>, %w: tensor<6x2x3x3xf32>) {
  // expected-error@+1 {{'dl.conv2d' op output channels 6 are not divisible by groups 4}}
  %0 = dl.conv2d %x, %w strides = [1, 1] padding = [0, 0, 0, 0] dilation = [1, 1] groups = 4 : (tensor<?x8x8x8xf32>, tensor<6x2x3x3xf32>) -> tensor<?x6x6x6xf32>
  return
}

// -----

func.func @conv_too_small(%x: tensor<?x1x3x3xf32>, %w: tensor<2x1x5x5xf32>) {
  // expected-error@+1 {{'dl.conv2d' op the filter does not fit the padded input}}
  %0 = dl.conv2d %x, %w strides = [1, 1] padding = [0, 0, 0, 0] dilation = [1, 1] groups = 1 : (tensor<?x1x3x3xf32>, tensor<2x1x5x5xf32>) -> tensor<?x2x1x1xf32>
  return
}

// -----

func.func @pool_window(%x: tensor<?x1x4x4xf32>) {
  // expected-error@+1 {{'dl.max_pool2d' op the window [5,5] does not fit the input f32[?,1,4,4]}}
  %0 = dl.max_pool2d %x kernel = [5, 5] strides = [1, 1] padding = [0, 0, 0, 0] : (tensor<?x1x4x4xf32>) -> tensor<?x1x1x1xf32>
  return
}

// -----

func.func @pool_padding(%x: tensor<?x1x4x4xf32>) {
  // expected-error@+1 {{'dl.avg_pool2d' op padding must be smaller than the window, got padding [2,2,2,2] for window [2,2]}}
  %0 = dl.avg_pool2d %x kernel = [2, 2] strides = [1, 1] padding = [2, 2, 2, 2] : (tensor<?x1x4x4xf32>) -> tensor<?x1x7x7xf32>
  return
}

// -----

func.func @pool_rank(%x: tensor<4x4xf32>) {
  // expected-error@+1 {{'dl.max_pool2d' op expects an NCHW input, got f32[4,4]}}
  %0 = dl.max_pool2d %x kernel = [2, 2] strides = [2, 2] padding = [0, 0, 0, 0] : (tensor<4x4xf32>) -> tensor<2x2xf32>
  return
}

// -----

func.func @batch_norm(%x: tensor<?x3x8x8xf32>, %c: tensor<4xf32>) {
  // expected-error@+1 {{'dl.batch_norm' op scale must be [C] for input f32[?,3,8,8], got f32[4]}}
  %0 = dl.batch_norm %x, %c, %c, %c, %c : (tensor<?x3x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x3x8x8xf32>
  return
}

// -----

func.func @batch_norm_eps(%x: tensor<?x3xf32>, %c: tensor<3xf32>) {
  // expected-error@+1 {{'dl.batch_norm' op epsilon must be positive}}
  %0 = dl.batch_norm %x, %c, %c, %c, %c {epsilon = 0.0 : f64} : (tensor<?x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  return
}

// -----

func.func @layer_norm(%x: tensor<?x16x64xf32>, %g: tensor<16x64xf32>, %b: tensor<64xf32>) {
  // expected-error@+1 {{'dl.layer_norm' op scale must be f32[64] (the normalized dims of f32[?,16,64]), got f32[16,64]}}
  %0 = dl.layer_norm %x, %g, %b axis = -1 : (tensor<?x16x64xf32>, tensor<16x64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
  return
}

// -----

func.func @dropout_rate(%x: tensor<4xf32>) {
  // expected-error@+1 {{'dl.dropout' op rate must be in [0, 1), got 1}}
  %0 = dl.dropout %x rate = 1.0 : tensor<4xf32>
  return
}

// -----

func.func @lstm(%x: tensor<?x?x32xf32>, %wih: tensor<256x16xf32>, %whh: tensor<256x64xf32>, %b: tensor<256xf32>) {
  // expected-error@+1 {{'dl.lstm' op w_ih must be f32[256,32] for hidden size 64 and input f32[?,?,32], got f32[256,16]}}
  %o, %h, %c = dl.lstm %x, %wih, %whh, %b : (tensor<?x?x32xf32>, tensor<256x16xf32>, tensor<256x64xf32>, tensor<256xf32>) -> (tensor<?x?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>)
  return
}

// -----

func.func @lstm_input(%x: tensor<?x32xf32>, %wih: tensor<256x32xf32>, %whh: tensor<256x64xf32>, %b: tensor<256xf32>) {
  // expected-error@+1 {{'dl.lstm' op expects input [batch, time, features], got f32[?,32]}}
  %o, %h, %c = dl.lstm %x, %wih, %whh, %b : (tensor<?x32xf32>, tensor<256x32xf32>, tensor<256x64xf32>, tensor<256xf32>) -> (tensor<?x?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>)
  return
}

// -----

func.func @mse(%p: tensor<?x10xf32>, %t: tensor<?x5xf32>) {
  // expected-error@+1 {{'dl.mse_loss' op predictions and targets differ in shape: f32[?,10] vs f32[?,5]}}
  %0 = dl.mse_loss %p, %t : (tensor<?x10xf32>, tensor<?x5xf32>) -> tensor<f32>
  return
}

// -----

func.func @scce_labels(%p: tensor<?x10xf32>, %l: tensor<?xf32>) {
  // expected-error@+1 {{'dl.sparse_categorical_cross_entropy' op labels must be i32 or i64 class indices, got f32[?]}}
  %0 = dl.sparse_categorical_cross_entropy %p, %l : (tensor<?x10xf32>, tensor<?xf32>) -> tensor<f32>
  return
}

// -----

func.func @scce_shape(%p: tensor<?x10xf32>, %l: tensor<?x10xi32>) {
  // expected-error@+1 {{'dl.sparse_categorical_cross_entropy' op labels must have the shape of the predictions without the class dim: f32[?,10] vs i32[?,10]}}
  %0 = dl.sparse_categorical_cross_entropy %p, %l : (tensor<?x10xf32>, tensor<?x10xi32>) -> tensor<f32>
  return
}

// -----

func.func @bce_targets(%p: tensor<?x1xf32>, %t: tensor<?x1xi32>) {
  // expected-error@+1 {{'dl.binary_cross_entropy' op targets must be floating point, got i32[?,1]}}
  %0 = dl.binary_cross_entropy %p, %t : (tensor<?x1xf32>, tensor<?x1xi32>) -> tensor<f32>
  return
}

// -----

func.func @cce(%p: tensor<?x10xf32>, %t: tensor<?x9xf32>) {
  // expected-error@+1 {{'dl.categorical_cross_entropy' op predictions and targets differ in shape}}
  %0 = dl.categorical_cross_entropy %p, %t : (tensor<?x10xf32>, tensor<?x9xf32>) -> tensor<f32>
  return
}

// -----

// expected-error@+1 {{'dl.parameter' op parameter 'p' must have a static shape, got 'tensor<?x4xf32>'}}
dl.parameter @p : tensor<?x4xf32> = zeros

// -----

// expected-error@+1 {{'dl.parameter' op initializer 'constant' needs a 'value'}}
dl.parameter @p : tensor<4xf32> = constant

// -----

// expected-error@+1 {{'dl.parameter' op 'stddev' must be positive, got -1}}
dl.parameter @p : tensor<4xf32> = normal {stddev = -1.0 : f64}

// -----

// expected-error@+1 {{'dl.parameter' op 'minval' (1.000000e+00) must be below 'maxval' (0.000000e+00)}}
dl.parameter @p : tensor<4xf32> = uniform {minval = 1.0 : f64, maxval = 0.0 : f64}

// -----

// expected-error@+1 {{'dl.parameter' op initializer 'glorot_uniform' needs a tensor of rank >= 1 to compute its fans}}
dl.parameter @p : tensor<f32> = glorot_uniform

// -----

// expected-error@+1 {{expected string or keyword containing one of the following enum values for attribute 'initializer'}}
dl.parameter @p : tensor<4xf32> = xavier

// -----

dl.parameter @p : tensor<4xf32> = zeros
func.func @param_type() {
  // expected-error@+1 {{'dl.param' op type 'tensor<5xf32>' does not match parameter 'p' of type 'tensor<4xf32>'}}
  %0 = dl.param @p : tensor<5xf32>
  return
}

// -----

func.func @param_missing() {
  // expected-error@+1 {{'dl.param' op 'q' is not a dl.parameter}}
  %0 = dl.param @q : tensor<5xf32>
  return
}

// -----

// expected-error@+1 {{'dl.optimizer' op 'learning_rate' must be positive, got 0}}
dl.optimizer adam {learning_rate = 0.0 : f64}

// -----

// expected-error@+1 {{'dl.optimizer' op 'beta1' must be in [0, 1), got 1}}
dl.optimizer adam {learning_rate = 1.0e-3 : f64, beta1 = 1.0 : f64}

// -----

// expected-error@+1 {{'dl.optimizer' op 'nesterov' applies to sgd only}}
dl.optimizer adam {learning_rate = 1.0e-3 : f64, nesterov}

// -----

// expected-error@+1 {{'dl.optimizer' op 'nesterov' needs a positive 'momentum'}}
dl.optimizer sgd {learning_rate = 1.0e-3 : f64, nesterov}

// -----

// expected-error@+1 {{'dl.optimizer' op 'weight_decay' and 'l2' must not be negative}}
dl.optimizer adamw {learning_rate = 1.0e-3 : f64, weight_decay = -1.0 : f64}

// -----

func.func @nested() {
  // expected-error@+1 {{'dl.parameter' op expects parent op 'builtin.module'}}
  "dl.parameter"() {sym_name = "p", type = tensor<4xf32>, initializer = 0 : i32} : () -> ()
  return
}

// -----

// expected-error@+1 {{'dl.entry' must name the entry point with a C identifier}}
func.func @bad_entry() attributes {dl.entry = "pre-dict"} {
  return
}

// -----

// expected-error@+1 {{'dl.dims' has 1 dims but the type is 'tensor<?x4xf32>'}}
func.func @bad_dims(%x: tensor<?x4xf32> {dl.dims = ["batch"]}) {
  return
}

// -----

// expected-error@+1 {{symbolic dim 'batch' must correspond to a dynamic dim of 'tensor<2x4xf32>'}}
func.func @bad_dims_static(%x: tensor<2x4xf32> {dl.dims = ["batch", 4]}) {
  return
}

// -----

// expected-error@+1 {{'dl.dims' [1, 4] does not match 'tensor<2x4xf32>'}}
func.func @bad_dims_size(%x: tensor<2x4xf32> {dl.dims = [1, 4]}) {
  return
}

// -----

// expected-error@+1 {{unknown dl attribute 'dl.frobnicate'}}
func.func @unknown_attr() attributes {dl.frobnicate} {
  return
}

// -----

func.func @lstm_grad_types(%x: tensor<2x3x4xf32>, %wi: tensor<8x4xf32>, %wh: tensor<8x2xf32>, %b: tensor<8xf32>,
                           %do: tensor<2x3x2xf32>, %dh: tensor<2x2xf32>, %dc: tensor<2x2xf32>) {
  // expected-error@+1 {{'dl.lstm_grad' op failed to verify that all of {w_ih, d_w_ih} have same type}}
  %0:4 = dl.lstm_grad %x, %wi, %wh, %b, %do, %dh, %dc : (tensor<2x3x4xf32>, tensor<8x4xf32>, tensor<8x2xf32>, tensor<8xf32>, tensor<2x3x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) -> (tensor<2x3x4xf32>, tensor<4x8xf32>, tensor<8x2xf32>, tensor<8xf32>)
  return
}

// -----

// Kernels index with 32-bit integers.
func.func @too_large(%x: tensor<?x65536xf32>) attributes {dl.entry = "forward"} {
  // expected-error@+1 {{tensor 'tensor<65536x65536xf32>': f32[65536,65536] has more than 2^31 - 1 elements}}
  %0 = dl.constant dense<1.0> : tensor<65536x65536xf32>
  return
}

// -----

// expected-error@+1 {{'dl.parameter' op parameter 'big': f32[2147483648] has a dim of 2147483648}}
dl.parameter @big : tensor<2147483648xf32> = zeros
