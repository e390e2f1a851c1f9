// The labels' dim is named apart from the predictions' batch: nothing
// could make the kernels safe for batch != nope.
module attributes {dl.model = "mismatch"} {
  dl.parameter @w : tensor<4x10xf32> = glorot_uniform
  func.func @loss(%x: tensor<?x4xf32> {dl.name = "x", dl.dims = ["batch", 4]},
                  %y: tensor<?xi32> {dl.name = "y", dl.dims = ["nope"]})
      -> (tensor<f32> {dl.name = "loss"}) attributes {dl.entry = "loss"} {
    %w = dl.param @w : tensor<4x10xf32>
    %z = dl.matmul %x, %w : (tensor<?x4xf32>, tensor<4x10xf32>) -> tensor<?x10xf32>
    %l = dl.sparse_categorical_cross_entropy %z, %y from_logits : (tensor<?x10xf32>, tensor<?xi32>) -> tensor<f32>
    return %l : tensor<f32>
  }
}
