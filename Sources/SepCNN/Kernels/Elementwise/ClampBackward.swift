/// The input gradient of `y = min(max(scale · x + offset, minimum), maximum)`: `scale · dy` where the
/// affine value lies within the bounds (inclusive, as `torch.clamp`), else 0. `gradInput` may be `gradOutput`.
func clampBackward(_ input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>,
                   count: Int, minimum: Float, maximum: Float, scale: Float, offset: Float) {
    for i in 0..<count {
        let z = scale * input[i] + offset
        gradInput[i] = z >= minimum && z <= maximum ? scale * gradOutput[i] : 0
    }
}
