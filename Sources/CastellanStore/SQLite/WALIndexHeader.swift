#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The header of a WAL-mode database's WAL index (its `-shm` file): what every commit, by any
/// connection of any process, rewrites before the commit is visible to a reader
/// (sqlite.org/walformat.html, "The WAL-Index Header": two copies of a 48-byte header whose
/// `iChange`, `mxFrame` and checksums change with each transaction).
///
/// Why: the fast lane asks for the newest change-log id before every connect it decides, and the
/// exact answer (a read transaction and a statement through GRDB) cost ~19 µs of the service's
/// ~115 µs of CPU per cached connect (`perf`, Benchmarks/README.md). Reading these 96 bytes is
/// one `pread`; while they are what they were at the last exact read, nothing was committed
/// since, so that read's answer still holds (``SQLiteStore/latestChangeIDNow()``).
///
/// A read, not a mapping: a file truncated under a mapping would kill the process with SIGBUS,
/// and SQLite truncates a `-shm` it finds unused. Only the unix VFS's layout is read; on any
/// other (no such file, a header not initialised, another version) ``init(databasePath:)``
/// fails and every question gets the exact answer.
final class WALIndexHeader: Sendable {
    /// Both copies of the header, as read.
    struct Snapshot: Equatable, Sendable {
        fileprivate var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
            = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

        static func == (lhs: Snapshot, rhs: Snapshot) -> Bool {
            withUnsafeBytes(of: lhs.words) { l in withUnsafeBytes(of: rhs.words) { r in l.elementsEqual(r) } }
        }
    }

    /// The `iVersion` the unix VFS writes (WALINDEX_MAX_VERSION).
    private static let version: UInt32 = 3_007_000
    private let fd: Int32

    /// Opens `databasePath`'s `-shm` file; `nil` if it is not there or not a WAL index this
    /// layout describes (open the database in WAL mode first).
    init?(databasePath: String) {
        fd = open(databasePath + "-shm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        guard let first = snapshot(), Self.isInitialised(first) else {
            close(fd)
            return nil
        }
    }

    deinit { close(fd) }

    /// The header now, or `nil` if it cannot be read whole.
    func snapshot() -> Snapshot? {
        var snapshot = Snapshot()
        let count = withUnsafeMutableBytes(of: &snapshot.words) { pread(fd, $0.baseAddress, $0.count, 0) }
        return count == MemoryLayout.size(ofValue: snapshot.words) ? snapshot : nil
    }

    /// `iVersion` (offset 0) is the unix VFS's and `isInit` (offset 12) is set, in the first copy.
    private static func isInitialised(_ snapshot: Snapshot) -> Bool {
        withUnsafeBytes(of: snapshot.words) { bytes in
            bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self) == version && bytes[12] == 1
        }
    }
}
