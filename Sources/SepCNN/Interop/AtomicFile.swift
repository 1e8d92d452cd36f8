import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let systemWrite = Glibc.write
#else
private let systemWrite = Darwin.write
#endif

/// Whole-file writes that never leave a half-written file behind.
public enum AtomicFile {
    /// Writes `data` to `url` so that readers see either the old file or the complete new one:
    /// the bytes go to a temporary file in the same directory, are flushed to disk (`fsync`), and
    /// the temporary file is renamed over `url` (atomic within one file system). The directory
    /// is synced too, so the rename itself survives a crash. Throws with the path on any failure
    /// and removes the temporary file.
    public static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else { throw failure("cannot create a temporary file in \(directory)") }
        var closed = false
        defer {
            if !closed { close(descriptor) }
        }
        do {
            try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
                var written = 0
                while written < bytes.count {
                    let n = systemWrite(descriptor, bytes.baseAddress! + written, bytes.count - written)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw failure("cannot write \(url.path)") }
                    written += n
                }
            }
            guard fsync(descriptor) == 0 else { throw failure("cannot flush \(url.path) to disk") }
            closed = true
            guard close(descriptor) == 0 else { throw failure("cannot close \(url.path)") }
            guard rename(temporary, url.path) == 0 else { throw failure("cannot rename the temporary file to \(url.path)") }
        } catch {
            unlink(temporary)
            throw error
        }
        let directoryDescriptor = open(directory, O_RDONLY)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)  // best effort: some file systems refuse fsync on directories
            close(directoryDescriptor)
        }
    }

    private static func failure(_ what: String) -> SepCNNError {
        SepCNNError.invalidFile("\(what): \(String(cString: strerror(errno)))")
    }
}
