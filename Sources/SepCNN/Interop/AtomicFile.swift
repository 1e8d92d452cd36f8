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
    ///
    /// Temporary files that interrupted writes of the same file left behind (a process killed while
    /// writing leaves `.NAME.tmp-PID-RANDOM`) are removed first: those whose process no longer runs.
    public static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent().path
        removeStaleTemporaryFiles(of: url)
        let temporary = directory + "/" + temporaryPrefix(of: url) + "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
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

    /// Throws, in plain words naming the path, unless `write(_:to:)` could write `url` now: its
    /// folder exists and takes new files, and `url` is not a folder. Called before long work (a
    /// training run) so a bad destination fails at once, not after hours.
    public static func requireWritable(_ url: URL, role: String) throws {
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SepCNNError.invalidArgument("cannot write the \(role) \(url.path): the folder \(directory) does not exist")
        }
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw SepCNNError.invalidArgument("cannot write the \(role) \(url.path): it is a folder")
        }
        guard access(directory, W_OK) == 0 else {
            throw SepCNNError.invalidArgument("cannot write the \(role) \(url.path): the folder \(directory) is not writable")
        }
    }

    /// The name of `url`'s temporary files up to the writer's process id.
    static func temporaryPrefix(of url: URL) -> String { "." + url.lastPathComponent + ".tmp-" }

    /// Removes the temporary files of `url` whose writing process has ended (best effort: a file
    /// that cannot be listed or removed is left). A live writer's file, this process's included,
    /// is kept, so concurrent writers never lose their file; a stale file whose process id has since
    /// been reused stays until that process ends.
    static func removeStaleTemporaryFiles(of url: URL) {
        let directory = url.deletingLastPathComponent().path, prefix = temporaryPrefix(of: url)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count).prefix { $0 != "-" }), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(directory + "/" + name) }
        }
    }

    private static func failure(_ what: String) -> SepCNNError {
        SepCNNError.invalidFile("\(what): \(String(cString: strerror(errno)))")
    }
}
