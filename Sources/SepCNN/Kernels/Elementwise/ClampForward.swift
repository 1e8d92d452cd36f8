/// `y[i] = min(max(scale · x[i] + offset, minimum), maximum)`: ONNX Clip, and hard sigmoids with
/// their own slope. In place is allowed (`input == output`).
func clamp(_ input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int,
           minimum: Float, maximum: Float, scale: Float, offset: Float) {
    for i in 0..<count { output[i] = min(max(scale * input[i] + offset, minimum), maximum) }
}
