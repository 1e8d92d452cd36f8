/// Operators evaluated at load time when all their inputs are constants: the shape computations
/// exporters emit around Reshape (Shape → Gather → Unsqueeze → Concat), Constant nodes, and
/// arithmetic on weights.
extension ONNXGraphImporter {
    static let foldableOperators: Set<String> = [
        "Identity", "Dropout", "Cast", "Shape", "Gather", "Unsqueeze", "Squeeze", "Slice", "ConstantOfShape", "Concat",
        "Reshape", "Flatten", "Transpose", "Add", "Sub", "Mul", "Div",
    ]

    /// The node's single output if it can be computed now, else nil.
    func foldConstants(_ node: Onnx_NodeProto) throws -> ONNXConstant? {
        if node.opType == "Constant" { return try constantNode() }
        guard Self.foldableOperators.contains(node.opType), !node.input.isEmpty else { return nil }
        var inputs: [ONNXConstant?] = []
        for index in node.input.indices {
            switch try optionalInput(index) {
            case .runtime?: return nil
            case .constant(let c)?: inputs.append(c)
            case nil: inputs.append(nil)
            }
        }
        guard let x = inputs[0] else { throw SepCNNError.invalidArgument("needs input 1") }
        func operand(_ index: Int, _ what: String) throws -> ONNXConstant? {
            index < inputs.count ? inputs[index] : nil
        }
        let a = attributes
        switch node.opType {
        case "Identity", "Dropout":
            return x
        case "Cast":
            let to = try a.int("to", default: 1)
            switch Onnx_TensorProto.DataType(rawValue: to) {
            case .float?, .double?, .float16?, .bfloat16?:
                return ONNXConstant(dims: x.dims, values: x.values.map { Double(Float($0)) }, isInteger: false)
            case .bool?:
                return ONNXConstant(dims: x.dims, values: x.values.map { $0 != 0 ? 1 : 0 }, isInteger: true)
            case nil, .undefined?, .string?, .complex64?, .complex128?:
                throw SepCNNError.invalidArgument("cannot cast to type \(to)")
            default:
                guard x.values.allSatisfy({ $0.isFinite && abs($0) < 9e18 }) else { throw SepCNNError.invalidArgument("cannot cast \(x.values.first { !$0.isFinite || abs($0) >= 9e18 }!) to an integer") }
                return ONNXConstant(dims: x.dims, values: x.values.map { $0.rounded(.towardZero) }, isInteger: true)
            }
        case "Shape":
            return try shapeConstant(x.dims)
        case "Gather":
            guard let indices = try operand(1, "indices") else { throw SepCNNError.invalidArgument("needs indices") }
            return try gather(x, indices: indices, axis: a.int("axis", default: 0))
        case "Unsqueeze", "Squeeze":
            let axes: [Int]? = opset >= 13 ? try operand(1, "axes")?.integers("axes") : try a.ints("axes")
            var result = x
            result.dims = try squeezed(x.dims, axes: axes, insert: node.opType == "Unsqueeze")
            return result
        case "Slice":
            return try slice(x, inputs: inputs)
        case "ConstantOfShape":
            let shape = try x.integers("the shape")
            let count = try checkedElementCount(shape, "ConstantOfShape's output")
            guard count <= 1 << 20 else { throw SepCNNError.invalidArgument("a constant of \(count) values is too large to fold") }
            var fill = ONNXConstant.scalar(0, isInteger: false)
            if let tensor = a.attribute("value")?.t { fill = try ONNXConstant(tensor, directory: nil) }
            guard fill.count == 1 else { throw SepCNNError.invalidArgument("value must hold one element") }
            return ONNXConstant(dims: shape, values: [Double](repeating: fill.values[0], count: count), isInteger: fill.isInteger)
        case "Concat":
            guard inputs.allSatisfy({ $0 != nil }) else { throw SepCNNError.invalidArgument("has an empty input name") }
            return try concatenate(inputs.map { $0! }, axis: a.int("axis", default: 0))
        case "Reshape":
            guard let shape = try operand(1, "shape") else { throw SepCNNError.invalidArgument("needs a shape") }
            var result = x
            result.dims = try reshapeTarget(x.dims, shape.integers("the shape"), allowZero: a.int("allowzero", default: 0) != 0)
            return result
        case "Flatten":
            let axisValue = try axis(a.int("axis", default: 1), rank: x.dims.count + 1)
            var result = x
            result.dims = [x.dims[..<axisValue].reduce(1, *), x.dims[axisValue...].reduce(1, *)]
            return result
        case "Transpose":
            let perm = try a.ints("perm") ?? Array((0..<x.dims.count).reversed())
            guard perm.sorted() == Array(0..<x.dims.count) else { throw SepCNNError.invalidArgument("perm \(describeList(perm)) is not a permutation") }
            return x.transposed(perm)
        case "Add", "Sub", "Mul", "Div":
            guard inputs.count == 2, let y = inputs[1] else { throw SepCNNError.invalidArgument("takes two inputs") }
            return try broadcast(x, y, node.opType)
        default:
            return nil
        }
    }

    private func constantNode() throws -> ONNXConstant {
        guard current.input.isEmpty, let attribute = current.attribute.first else {
            throw SepCNNError.invalidArgument("Constant takes no inputs and one value attribute")
        }
        switch attribute.name {
        case "value": return try ONNXConstant(attribute.t, directory: directory)
        case "value_float": return .scalar(Double(attribute.f), isInteger: false)
        case "value_floats": return ONNXConstant(dims: [attribute.floats.count], values: attribute.floats.map(Double.init), isInteger: false)
        case "value_int": return .scalar(Double(attribute.i), isInteger: true)
        case "value_ints": return ONNXConstant(dims: [attribute.ints.count], values: attribute.ints.map(Double.init), isInteger: true)
        default: throw SepCNNError.invalidArgument("Constant attribute '\(attribute.name)' is not supported")
        }
    }

    /// A Shape node's output, honouring the start and end attributes (opset 15).
    func shapeConstant(_ dims: [Int]) throws -> ONNXConstant {
        let rank = dims.count
        let start = try attributes.int("start", default: 0), end = try attributes.int("end", default: rank)
        let clamp = { (value: Int) in min(max(value < 0 ? value + rank : value, 0), rank) }
        return .vector(Array(dims[clamp(start)..<max(clamp(start), clamp(end))]))
    }

    /// The target of a Reshape: 0 copies the input's dimension (unless allowzero), -1 is inferred.
    func reshapeTarget(_ dims: [Int], _ shape: [Int], allowZero: Bool) throws -> [Int] {
        guard shape.count <= 8 else { throw SepCNNError.invalidArgument("reshape to rank \(shape.count) is not supported") }
        var target = try shape.enumerated().map { index, value -> Int in
            if value == 0 && !allowZero {
                guard index < dims.count else { throw SepCNNError.invalidArgument("shape \(describeList(shape)) copies a dimension the input \(describe(dims)) lacks") }
                return dims[index]
            }
            guard value >= -1 else { throw SepCNNError.invalidArgument("shape \(describeList(shape)) holds a negative dimension") }
            return value
        }
        let count = try checkedElementCount(dims, "the reshaped value")
        let known = try checkedElementCount(target.filter { $0 != -1 }, "the reshape target")
        let inferred = target.indices.filter { target[$0] == -1 }
        guard inferred.count <= 1 else { throw SepCNNError.invalidArgument("shape \(describeList(shape)) has more than one -1") }
        if let index = inferred.first {
            guard known > 0, count % known == 0 else { throw SepCNNError.invalidArgument("cannot reshape \(describe(dims)) to \(describeList(shape))") }
            target[index] = count / known
        }
        guard target.reduce(1, *) == count else { throw SepCNNError.invalidArgument("cannot reshape \(describe(dims)) (\(count) values) to \(describeList(shape))") }
        return target
    }

    /// Squeeze (remove unit `axes`, or every unit axis) or Unsqueeze (insert unit `axes`).
    func squeezed(_ dims: [Int], axes: [Int]?, insert: Bool) throws -> [Int] {
        if insert {
            guard let axes, !axes.isEmpty else { throw SepCNNError.invalidArgument("Unsqueeze needs axes") }
            let rank = dims.count + axes.count
            let positions = try Set(axes.map { try axis($0, rank: rank, "axes") })
            guard positions.count == axes.count else { throw SepCNNError.invalidArgument("axes \(describeList(axes)) repeat") }
            var source = dims.makeIterator()
            return (0..<rank).map { positions.contains($0) ? 1 : source.next()! }
        }
        let positions = try Set((axes ?? dims.indices.filter { dims[$0] == 1 }).map { try axis($0, rank: dims.count, "axes") })
        guard positions.allSatisfy({ dims[$0] == 1 }) else { throw SepCNNError.invalidArgument("Squeeze axes \(describeList(positions.sorted())) of \(describe(dims)) are not all 1") }
        return dims.indices.filter { !positions.contains($0) }.map { dims[$0] }
    }

    private func gather(_ data: ONNXConstant, indices: ONNXConstant, axis axisValue: Int) throws -> ONNXConstant {
        let rank = data.dims.count
        let axis = try self.axis(axisValue, rank: rank)
        let size = data.dims[axis]
        let picks = try indices.integers("indices").map { index -> Int in
            guard (-size..<size).contains(index) else { throw SepCNNError.invalidArgument("index \(index) is outside axis \(axis) of size \(size)") }
            return index < 0 ? index + size : index
        }
        let outer = data.dims[..<axis].reduce(1, *), inner = data.dims[(axis + 1)...].reduce(1, *)
        var values: [Double] = []
        for o in 0..<outer {
            for pick in picks { values += data.values[((o * size + pick) * inner)..<((o * size + pick + 1) * inner)] }
        }
        return ONNXConstant(dims: Array(data.dims[..<axis]) + indices.dims + Array(data.dims[(axis + 1)...]), values: values, isInteger: data.isInteger)
    }

    private func slice(_ x: ONNXConstant, inputs: [ONNXConstant?]) throws -> ONNXConstant {
        let rank = x.dims.count
        let starts: [Int], ends: [Int], axesValue: [Int]?, steps: [Int]?
        if opset < 10 {
            starts = try attributes.ints("starts") ?? []
            ends = try attributes.ints("ends") ?? []
            axesValue = try attributes.ints("axes")
            steps = nil
        } else {
            guard inputs.count >= 3, let s = inputs[1], let e = inputs[2] else { throw SepCNNError.invalidArgument("needs starts and ends") }
            starts = try s.integers("starts")
            ends = try e.integers("ends")
            axesValue = try inputs.count > 3 ? inputs[3]?.integers("axes") : nil
            steps = try inputs.count > 4 ? inputs[4]?.integers("steps") : nil
        }
        let axes = try (axesValue ?? Array(0..<starts.count)).map { try axis($0, rank: rank, "axes") }
        let stepValues = steps ?? [Int](repeating: 1, count: starts.count)
        guard starts.count == ends.count, axes.count == starts.count, stepValues.count == starts.count,
              Set(axes).count == axes.count, stepValues.allSatisfy({ $0 != 0 && $0 != Int.min }) else {
            throw SepCNNError.invalidArgument("starts, ends, axes and steps must match in length, with distinct axes and nonzero steps")
        }
        // Per axis, the indices kept, following ONNX's clamping rules.
        var kept = x.dims.map { Array(0..<$0) }
        for (i, axis) in axes.enumerated() {
            let size = x.dims[axis], step = stepValues[i]
            func clamp(_ value: Int, _ low: Int, _ high: Int) -> Int {
                let v = value < 0 ? (value < -size ? low : value + size) : value
                return min(max(v, low), high)
            }
            if step > 0 {
                kept[axis] = Array(stride(from: clamp(starts[i], 0, size), to: clamp(ends[i], 0, size), by: step))
            } else {
                kept[axis] = Array(stride(from: clamp(starts[i], -1, size - 1), to: clamp(ends[i], -1, size - 1), by: step))
            }
        }
        var strides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * x.dims[axis + 1] }
        var offsets = [0]
        for axis in 0..<rank { offsets = offsets.flatMap { base in kept[axis].map { base + $0 * strides[axis] } } }
        return ONNXConstant(dims: kept.map(\.count), values: offsets.map { x.values[$0] }, isInteger: x.isInteger)
    }

    private func concatenate(_ parts: [ONNXConstant], axis axisValue: Int) throws -> ONNXConstant {
        let rank = parts[0].dims.count
        let axis = try self.axis(axisValue, rank: rank)
        var dims = parts[0].dims
        for part in parts.dropFirst() {
            var check = part.dims
            guard check.count == rank else { throw SepCNNError.invalidArgument("inputs differ in rank") }
            check[axis] = dims[axis]
            guard check == dims else { throw SepCNNError.invalidArgument("inputs \(describe(parts[0].dims)) and \(describe(part.dims)) differ outside axis \(axis)") }
            dims[axis] += part.dims[axis]
        }
        let outer = dims[..<axis].reduce(1, *)
        var values: [Double] = []
        for o in 0..<outer {
            for part in parts {
                let run = part.dims[axis...].reduce(1, *)
                values += part.values[(o * run)..<((o + 1) * run)]
            }
        }
        return ONNXConstant(dims: dims, values: values, isInteger: parts.allSatisfy(\.isInteger))
    }

    private func broadcast(_ x: ONNXConstant, _ y: ONNXConstant, _ op: String) throws -> ONNXConstant {
        guard let g = BroadcastGeometry(x.dims, y.dims) else {
            throw SepCNNError.invalidArgument("constants of shapes \(describe(x.dims)) and \(describe(y.dims)) do not broadcast")
        }
        let count = try checkedElementCount(g.shape, "the result")
        guard count <= 1 << 20 else { throw SepCNNError.invalidArgument("a constant of \(count) values is too large to fold") }
        let integer = x.isInteger && y.isInteger
        var values = [Double](repeating: 0, count: count)
        for i in 0..<count {
            var rest = i, ix = 0, iy = 0
            for axis in stride(from: g.shape.count - 1, through: 0, by: -1) {
                let index = rest % g.shape[axis]
                rest /= g.shape[axis]
                ix += index * g.aStrides[axis]
                iy += index * g.bStrides[axis]
            }
            let (a, b) = (x.values[ix], y.values[iy])
            switch op {
            case "Add": values[i] = a + b
            case "Sub": values[i] = a - b
            case "Mul": values[i] = a * b
            default:
                guard !integer || b != 0 else { throw SepCNNError.invalidArgument("integer division by zero") }
                values[i] = integer ? (a / b).rounded(.towardZero) : a / b
            }
            if !integer { values[i] = Double(Float(values[i])) }  // float32 arithmetic, as ONNX Runtime would
        }
        return ONNXConstant(dims: g.shape, values: values, isInteger: integer)
    }
}
