import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One `Process.run()` at a time in the test process.
///
/// Tests start tools, brokers and `castellan` processes from many threads at once, and
/// Foundation's `Process.run()` crashed twice in a few dozen full runs with a bad pointer in the
/// memcpy of its launch while others launched beside it. A launch takes a millisecond; taking
/// them one by one costs nothing measurable.
private let launches = Mutex(())

/// Starts `process` (see above for why one at a time).
public func launch(_ process: Process) throws {
    try launches.withLock { _ in try process.run() }
}

/// Reads `handle` (a pipe) to its end. Unlike `FileHandle.readDataToEndOfFile()`, which traps
/// when a signal interrupts a read (`EINTR`), it reads again.
public func readToEnd(_ handle: FileHandle) -> Data {
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
        if count > 0 {
            data.append(contentsOf: buffer[0..<count])
        } else if count == 0 || errno != EINTR {
            return data
        }
    }
}
