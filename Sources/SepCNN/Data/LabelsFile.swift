import Foundation

/// Class names from a labels file: one name per line, in class order — the `labels.txt` that
/// Keras and TensorFlow Lite classifiers ship with. Spaces and tabs around a name, a byte-order
/// mark, Windows line endings and blank lines at the end are ignored; anything else that could
/// name classes wrongly (an empty name, the same name twice, more or fewer names than classes)
/// is an error naming the file and the line, so a model file never records names that do not fit.
public enum LabelsFile {
    /// The names in the file at `url`; `classCount`, if given, is the number of classes they must
    /// name, those of `owner` ("the dataset", "model fashion-sepcnn") as errors say.
    public static func read(contentsOf url: URL, classCount: Int? = nil, of owner: String = "the model") throws -> [String] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SepCNNError.invalidFile("cannot read the labels file \(url.path): \(fileErrorReason(error))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SepCNNError.invalidFile("the labels file \(url.path) is not UTF-8 text")
        }
        return try parse(text, file: url.path, classCount: classCount, of: owner)
    }

    /// The names in `text`, a labels file's content; `file` names it in errors.
    public static func parse(_ text: String, file: String, classCount: Int? = nil, of owner: String = "the model") throws -> [String] {
        // `isNewline`, not "\n": Swift reads "\r\n" as one character, which is not "\n".
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: "\u{FEFF}"))) }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard !lines.isEmpty else { throw SepCNNError.invalidFile("the labels file \(file) names no classes") }
        var firstLine: [String: Int] = [:]
        for (index, name) in lines.enumerated() {
            let line = index + 1
            if name.isEmpty {
                throw SepCNNError.invalidFile("\(file), line \(line): the class name is empty (one name per line, no blank lines between)")
            }
            if name.count > Model.maximumClassNameLength {
                throw SepCNNError.invalidFile("\(file), line \(line): the class name is longer than \(Model.maximumClassNameLength) characters")
            }
            if let earlier = firstLine[name] {
                throw SepCNNError.invalidFile("\(file), line \(line): '\(name)' is already the name on line \(earlier); each class needs its own")
            }
            firstLine[name] = line
        }
        if let classCount, lines.count != classCount {
            throw SepCNNError.invalidFile("the labels file \(file) names \(lines.count) classes, one per line, but \(owner) has \(classCount)")
        }
        return lines
    }
}
