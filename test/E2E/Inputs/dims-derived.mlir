// The predictions' rows are 2 * batch, known only at run time.
module attributes {dl.model = "derived"} {
  func.func @loss(%x: tensor<?x20xf32> {dl.name = "x", dl.dims = ["batch", 20]},
                  %y: tensor<?xi32> {dl.name = "y", dl.dims = ["rows"]})
      -> (tensor<f32> {dl.name = "loss"}) attributes {dl.entry = "loss"} {
    %z = dl.reshape %x [-1, 10] : (tensor<?x20xf32>) -> tensor<?x10xf32>
    %l = dl.sparse_categorical_cross_entropy %z, %y from_logits : (tensor<?x10xf32>, tensor<?xi32>) -> tensor<f32>
    return %l : tensor<f32>
  }
}
