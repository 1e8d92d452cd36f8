import Foundation

/// Plain words for an error Foundation throws when a file cannot be read or written. On Linux its
/// `localizedDescription` is "The operation could not be completed", naming neither the file nor
/// the cause; these name both, as `cannot read /data/x.bin: no such file or directory`.

/// The cause of a Foundation file error in a few lowercase words (`no such file or directory`),
/// from the POSIX error under it when there is one; the error's own description otherwise.
public func fileErrorReason(_ error: any Error) -> String {
    let error = error as NSError
    if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return lowercasedFirst(String(cString: strerror(Int32(underlying.code))))
    }
    if error.domain == NSPOSIXErrorDomain { return lowercasedFirst(String(cString: strerror(Int32(error.code)))) }
    guard error.domain == NSCocoaErrorDomain else { return error.localizedDescription }
    switch CocoaError.Code(rawValue: error.code) {
    case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or directory"
    case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
    case .fileReadInvalidFileName, .fileWriteInvalidFileName: return "invalid file name"
    case .fileReadCorruptFile: return "the file is corrupt or in an unknown format"
    case .fileReadTooLarge: return "the file is too large"
    case .fileReadInapplicableStringEncoding, .fileReadUnknownStringEncoding: return "the file is not text in the expected encoding"
    case .fileWriteFileExists: return "the file already exists"
    case .fileWriteOutOfSpace: return "no space left on the device"
    case .fileWriteVolumeReadOnly: return "read-only file system"
    default: return error.code >= 512 && error.code < 1024 ? "the file could not be written" : "the file could not be read"
    }
}

/// `cannot read PATH: REASON` (`write` for a write error, `access` where the error does not say
/// which) for a Foundation file error that names its file; nil for any other error.
public func fileErrorMessage(_ error: any Error) -> String? {
    guard !(error is SepCNNError) else { return nil }
    let nsError = error as NSError
    guard nsError.domain == NSCocoaErrorDomain || nsError.domain == NSPOSIXErrorDomain else { return nil }
    let path = nsError.userInfo[NSFilePathErrorKey] as? String ?? (nsError.userInfo[NSURLErrorKey] as? URL)?.path
    guard let path else { return nil }
    let code = nsError.domain == NSCocoaErrorDomain ? nsError.code : 0
    let verb = (256..<512).contains(code) ? "read" : (512..<1024).contains(code) ? "write" : "access"
    return "cannot \(verb) \(path): \(fileErrorReason(error))"
}

private func lowercasedFirst(_ text: String) -> String {
    guard let first = text.first else { return text }
    return first.lowercased() + text.dropFirst()
}
