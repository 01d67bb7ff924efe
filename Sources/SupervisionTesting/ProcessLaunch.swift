import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One `Process.run()` at a time in the test process, with the heap arranged so that
/// Foundation's launch cannot read past a page.
///
/// Why: `Process.run()` on Linux lists `/proc/self/fd` to close inherited descriptors and
/// copies each entry's whole 256-byte `d_name`, however short the record readdir returned
/// (swift-corelibs-foundation #5472, fixed after the 6.3.1 toolchain this machine has). With
/// more than about 1,300 descriptors open — a parallel test run holds that many — the last
/// record sits at the end of glibc's 32 KiB readdir buffer, and when that buffer is the top
/// chunk of a thread's heap the copy runs into an unmapped page: "Bad pointer dereference" in
/// the memcpy of `Process.run()`, a crash in a few of every dozen full runs. Allocations of
/// 32 KiB and more from `mmap` put that buffer in a mapping of its own whose last page has
/// ~4 KiB to spare — but only when the heap's top chunk cannot serve it, so this lowers the
/// odds and no more (it crashed once more with it, at descriptor 1,358). What bounds it is the
/// descriptor count: the Makefile caps the tests in flight (`SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH`),
/// which kept a full run under 1,100. The lock keeps launches from racing each other's
/// descriptor churn as well.
private let launches = Mutex(())

/// Set once, before the first launch (see ``launches``).
/// glibc's `mallopt` (malloc.h is not in Swift's Glibc module, so it is looked up by name).
private let heapArranged: Bool = {
    #if canImport(Glibc)
    typealias MallOpt = @convention(c) (CInt, CInt) -> CInt
    let mmapThreshold: CInt = -3  // M_MMAP_THRESHOLD in <malloc.h>
    guard let symbol = dlsym(nil, "mallopt") else { return false }
    return unsafeBitCast(symbol, to: MallOpt.self)(mmapThreshold, 32 * 1_024) == 1
    #else
    return true
    #endif
}()

/// Starts `process` (see above for why one at a time).
public func launch(_ process: Process) throws {
    _ = heapArranged
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
