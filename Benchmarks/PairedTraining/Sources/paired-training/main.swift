// Trains MODEL (fashion-sepcnn or fashion-sepcnn-standard) from the weights in INIT with Adam 1e-3
// and batch 64 for 3 epochs, visiting the Fashion-MNIST training set in the order ORDER.bin holds
// (int32 [3, 60000]) instead of SepCNN's own shuffle: PyTorch fed the same init and order
// (Scripts/pytorch_fashion_reference.py --paired) should then follow the same trajectory.
import Foundation
import SepCNN

let arguments = CommandLine.arguments
guard arguments.count == 4 else {
    print("usage: paired-training INIT.safetensors ORDER.bin MODEL")
    exit(2)
}
let model = try Model.load(arguments[3], weights: arguments[1])
let directory = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")
let training = try Dataset.load(.fashionMNIST, split: .train, from: directory)
let test = try Dataset.load(.fashionMNIST, split: .test, from: directory)
let trainer = try Trainer(model: model, configuration: TrainingConfiguration())
let order: [Int] = try Data(contentsOf: URL(fileURLWithPath: arguments[2])).withUnsafeBytes {
    $0.bindMemory(to: Int32.self).map { Int($0) }
}
guard order.count == 3 * training.count else { fatalError("\(arguments[2]) must hold 3 × \(training.count) int32 indices") }
for epoch in 0..<3 {
    var total = 0.0
    let start = Date()
    for first in stride(from: 0, to: training.count, by: 64) {
        let indices = Array(order[(epoch * training.count + first) ..< (epoch * training.count + min(first + 64, training.count))])
        let batch = try training.subset(indices)
        let (loss, _) = try trainer.step(images: batch.images, labels: batch.labels, learningRate: 1e-3)
        total += Double(loss) * Double(indices.count)
    }
    let seconds = Date().timeIntervalSince(start)
    let evaluation = try Trainer.evaluate(model, on: test)
    print(String(format: "epoch %d  loss %.4f  test %.2f %%  %.0f images/s", epoch + 1, total / Double(training.count),
                 evaluation.accuracy * 100, Double(training.count) / seconds))
}
let output = URL(fileURLWithPath: arguments[2] + ".sepcnn.safetensors")
try ModelFile.save(model, to: output)
print("saved \(output.path)")
