import Foundation
import Testing
@testable import SepCNN

/// What an interrupted atomic write leaves behind is cleaned up by the next write of the same file
/// (issue 17: kill -9 during checkpoint writes left partial `.*.tmp-*` files of up to 27 MB).
@Suite struct AtomicFileTests {
    @Test func staleTemporaryFilesOfTheSameFileAreRemovedOnTheNextWrite() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sepcnn-atomic-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("run.checkpoint.safetensors")
        // Process 2147483646 cannot exist (Linux's pid_max is at most 2²²), so its files are stale;
        // this process's own and another file's are not touched.
        let stale = [".run.checkpoint.safetensors.tmp-2147483646-12345", ".run.checkpoint.safetensors.tmp-2147483645-1"]
        let kept = [".run.checkpoint.safetensors.tmp-\(getpid())-7", ".other.safetensors.tmp-2147483646-1",
                    ".run.checkpoint.safetensors.tmp-notapid", "run.checkpoint.safetensors.tmp-2147483646-1"]
        for name in stale + kept { try Data([1, 2, 3]).write(to: directory.appendingPathComponent(name)) }
        try AtomicFile.write(Data([4, 5]), to: url)
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: directory.path))
        #expect(left == Set(kept + ["run.checkpoint.safetensors"]))
        #expect(try Data(contentsOf: url) == Data([4, 5]))
    }
}
