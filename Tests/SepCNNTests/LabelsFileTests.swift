import Foundation
import Testing
@testable import SepCNN

/// Labels files (`sepcnn train --labels`, `sepcnn predict --labels`): one class name per line,
/// as Keras's and TensorFlow Lite's `labels.txt`; anything that would misname a class is refused
/// with the file and line named.
struct LabelsFileTests {
    @Test func oneNamePerLineWithTrailingBlankLinesIgnored() throws {
        #expect(try LabelsFile.parse("cat\ndog\nbird\n\n\n", file: "labels.txt") == ["cat", "dog", "bird"])
        #expect(try LabelsFile.parse("cat\ndog\nbird", file: "labels.txt", classCount: 3) == ["cat", "dog", "bird"])
    }

    @Test func windowsLineEndingsAByteOrderMarkAndSurroundingSpacesAreNotPartOfNames() throws {
        #expect(try LabelsFile.parse("\u{FEFF}tabby cat\r\n  golden retriever \r\n", file: "labels.txt") == ["tabby cat", "golden retriever"])
    }

    @Test func aCountOtherThanTheClassesIsRefused() {
        let error = #expect(throws: SepCNNError.self) {
            try LabelsFile.parse("cat\ndog\n", file: "labels.txt", classCount: 3, of: "the dataset")
        }
        #expect(error?.message == "the labels file labels.txt names 2 classes, one per line, but the dataset has 3")
    }

    @Test func anEmptyNameBetweenNamesIsRefusedWithItsLine() {
        let error = #expect(throws: SepCNNError.self) { try LabelsFile.parse("cat\n\ndog\n", file: "labels.txt") }
        #expect(error?.message.hasPrefix("labels.txt, line 2: the class name is empty") == true)
    }

    @Test func aRepeatedNameIsRefusedWithBothLines() {
        let error = #expect(throws: SepCNNError.self) { try LabelsFile.parse("cat\ndog\ncat\n", file: "labels.txt") }
        #expect(error?.message == "labels.txt, line 3: 'cat' is already the name on line 1; each class needs its own")
    }

    @Test func aFileWithoutNamesIsRefused() {
        let error = #expect(throws: SepCNNError.self) { try LabelsFile.parse("\n \n", file: "labels.txt") }
        #expect(error?.message == "the labels file labels.txt names no classes")
    }

    @Test func aNameLongerThanAModelFileRecordsIsRefused() {
        let long = String(repeating: "x", count: Model.maximumClassNameLength + 1)
        let error = #expect(throws: SepCNNError.self) { try LabelsFile.parse("cat\n\(long)\n", file: "labels.txt") }
        #expect(error?.message.hasPrefix("labels.txt, line 2:") == true)
    }

    @Test func aMissingOrNonTextFileIsRefusedNamingIt() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sepcnn-labels-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("missing.txt")
        let notFound = #expect(throws: SepCNNError.self) { try LabelsFile.read(contentsOf: missing) }
        #expect(notFound?.message == "cannot read the labels file \(missing.path): no such file or directory")
        let binary = directory.appendingPathComponent("binary.txt")
        try Data([0x63, 0x61, 0x74, 0xFF, 0xFE, 0x0A]).write(to: binary)
        let notText = #expect(throws: SepCNNError.self) { try LabelsFile.read(contentsOf: binary) }
        #expect(notText?.message == "the labels file \(binary.path) is not UTF-8 text")
    }

    @Test func namesReadFromAFileSurviveTheModelFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sepcnn-labels-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let labels = directory.appendingPathComponent("labels.txt")
        let written = (0..<10).map { "class name \($0)" }
        try Data((written.joined(separator: "\n") + "\n").utf8).write(to: labels)
        let model = try ModelZoo.make("fashion-sepcnn")
        try model.setClassNames(try LabelsFile.read(contentsOf: labels, classCount: try model.outputClassCount()))
        let file = directory.appendingPathComponent("named.safetensors")
        try ModelFile.save(model, to: file)
        #expect(try Model.load(file.path).classNames == written)
    }
}
