@preconcurrency import Foundation

/// A one-line `[3/21] name` progress display on standard error, redrawn in place. Shown only on
/// a terminal, so piped or captured output stays clean.
final class ProgressLine {
    private let total: Int
    private var done = 0
    private let enabled = isatty(STDERR_FILENO) != 0

    init(total: Int) {
        self.total = total
    }

    func advance(_ label: String) {
        done += 1
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K[\(done)/\(total)] \(label)".utf8))
    }

    /// Replaces the line with `text` (a status that changes in place, such as a training bar).
    func show(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(text)".utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}

/// Makes standard output line-buffered, so a long command's results reach a log file or pipe as
/// they are printed rather than when the process ends.
func flushOutputByLine() {
    setvbuf(stdout, nil, _IOLBF, 0)
}
