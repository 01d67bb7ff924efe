import Foundation
import Logging
import PostgresNIO

#if canImport(Glibc)
import Glibc
#endif

/// One real PostgreSQL server for the whole test process, started on first use.
///
/// `initdb` and `pg_ctl` from the Debian package (`/usr/lib/postgresql/N/bin`) run as the
/// `postgres` system user when the tests run as root (PostgreSQL refuses root). The cluster
/// lives in `/tmp/castellan-pg-XXXXXX`, listens on a Unix socket in that folder and on
/// 127.0.0.1 at a port the kernel picked free — never on 5432, never touching a cluster the
/// apt package may have started. `pg_ctl start -w` returns once the server accepts connections.
///
/// Stopping: an ``OwnerWatchdog`` runs `pg_ctl stop -m immediate` and removes the folder when
/// this process ends — normally, by a signal, or SIGKILL. A run that died
/// before its watchdog existed leaves a folder whose `owner.pid` is dead: the next run stops
/// that server and removes it before starting its own.
///
/// Each test asks ``makeDatabase()`` for its own empty database (`CREATE DATABASE t_<random>`),
/// so tests run in parallel and LISTEN/NOTIFY channels never cross tests.
public actor PostgresServer {
    public static let shared = PostgresServer()

    /// A running cluster.
    public struct Instance: Sendable {
        let root: String
        let port: Int
        var socketDirectory: String { root }
    }

    /// A fresh database and the URLs that reach it.
    public struct Database: Sendable {
        public let name: String
        /// `postgres://postgres@/NAME?host=DIR&port=P`: the Unix-socket form.
        public let socketURL: String
        /// `postgres://postgres@127.0.0.1:P/NAME?sslmode=disable`: the TCP form.
        public let tcpURL: String
    }

    private enum State {
        case idle
        case starting(Task<Instance, any Error>)
        case running(Instance)
    }

    private var state = State.idle
    private static let prefix = "castellan-pg-"

    /// A new empty database on the shared server (starting it if needed).
    ///
    /// Each call uses a connection of its own, so tests create their databases in parallel.
    public nonisolated func makeDatabase() async throws -> Database {
        let instance = try await running()
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let admin = try await PostgresConnection.connect(
            configuration: PostgresConnection.Configuration(
                unixSocketPath: "\(instance.root)/.s.PGSQL.\(instance.port)", username: "postgres", password: nil,
                database: "postgres"),
            id: 0, logger: Self.logger)
        do {
            _ = try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: Self.logger).collect()
        } catch {
            try? await admin.close()
            throw error
        }
        try await admin.close()
        return Database(
            name: name,
            socketURL: "postgres://postgres@/\(name)?host=\(instance.socketDirectory)&port=\(instance.port)",
            tcpURL: "postgres://postgres@127.0.0.1:\(instance.port)/\(name)?sslmode=disable")
    }

    private func running() async throws -> Instance {
        switch state {
        case .running(let instance):
            return instance
        case .starting(let task):
            return try await task.value
        case .idle:
            let task = Task { try await PostgresServer.blocking { try PostgresServer.startCluster() } }
            state = .starting(task)
            do {
                let instance = try await task.value
                state = .running(instance)
                return instance
            } catch {
                state = .idle
                throw error
            }
        }
    }

    public static let logger = Logger(label: "castellan.tests.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    // MARK: Starting

    /// Sweeps stale clusters, then initdb, the watchdog and `pg_ctl start -w`.
    private static func startCluster() throws -> Instance {
        let bin = try binaries()
        sweepStale(bin: bin)

        var template = Array("/tmp/\(prefix)XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw ServerError("mkdtemp failed: errno \(errno)") }
        let root = String(cString: made)
        try "\(getpid())\n".write(toFile: "\(root)/owner.pid", atomically: false, encoding: .utf8)
        if asRoot {
            guard let entry = getpwnam("postgres") else {
                throw ServerError("no 'postgres' system user: install the postgresql package (make deps)")
            }
            guard chown(root, entry.pointee.pw_uid, entry.pointee.pw_gid) == 0 else { throw ServerError("chown \(root): errno \(errno)") }
        }
        try startWatchdog(root: root, bin: bin)

        try run(asPostgres: true, "\(bin)/initdb", [
            "-D", "\(root)/data", "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C",
        ], log: "\(root)/initdb.log")

        // Let the kernel pick a free port; a race with another binder is retried with a new one.
        var lastError: (any Error)?
        for _ in 0..<3 {
            let port = try freePort()
            let options = [
                "-k \(root)", "-p \(port)", "-c listen_addresses=127.0.0.1", "-c fsync=off", "-c synchronous_commit=off",
                "-c full_page_writes=off", "-c max_connections=400", "-c shared_buffers=32MB",
            ].joined(separator: " ")
            do {
                try run(asPostgres: true, "\(bin)/pg_ctl", [
                    "-D", "\(root)/data", "-l", "\(root)/server.log", "-w", "-t", "60", "-o", options, "start",
                ], log: "\(root)/pg_ctl.log")
                return Instance(root: root, port: port)
            } catch {
                lastError = error
            }
        }
        throw lastError ?? ServerError("pg_ctl start failed")
    }

    /// The newest PostgreSQL installed under /usr/lib/postgresql.
    private static func binaries() throws -> String {
        let base = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [])
            .compactMap(Int.init).sorted()
        guard let newest = versions.last(where: { FileManager.default.isExecutableFile(atPath: "\(base)/\($0)/bin/pg_ctl") })
        else {
            throw ServerError("PostgreSQL server binaries not found under \(base): install the postgresql package (make deps)")
        }
        return "\(base)/\(newest)/bin"
    }

    private static var asRoot: Bool { geteuid() == 0 }

    /// Stops and removes every cluster folder whose owning test process is gone.
    private static func sweepStale(bin: String) {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []
        for entry in entries where entry.hasPrefix(prefix) {
            let root = "/tmp/\(entry)"
            let owner = (try? String(contentsOfFile: "\(root)/owner.pid", encoding: .utf8))
                .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if let owner {
                guard kill(owner, 0) != 0, errno == ESRCH else { continue }  // its run is still going
            } else {
                // A folder without its pid file is either being created right now or very old.
                let modified = (try? FileManager.default.attributesOfItem(atPath: root)[.modificationDate] as? Date) ?? Date()
                guard Date().timeIntervalSince(modified) > 60 else { continue }
            }
            if FileManager.default.fileExists(atPath: "\(root)/data/postmaster.pid") {
                try? run(asPostgres: true, "\(bin)/pg_ctl", ["-D", "\(root)/data", "-m", "immediate", "stop"], log: nil)
            }
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    /// Never dismissed: the cluster serves the whole run, and goes with the process.
    private static func startWatchdog(root: String, bin: String) throws {
        let stopAs = asRoot ? "\(runuser()) -u postgres -- " : ""
        _ = try OwnerWatchdog(name: "castellan-pg-watchdog", arguments: [root, bin], script: """
            if [ -f "$1/data/postmaster.pid" ]; then \(stopAs)"$2/pg_ctl" -D "$1/data" -m immediate stop >/dev/null 2>&1; fi
            rm -rf "$1"
            """)
    }

    private static func runuser() -> String {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser") ? "/usr/sbin/runuser" : "/sbin/runuser"
    }

    /// Runs a tool to completion (as `postgres` when we are root); a failure names its log.
    private static func run(asPostgres: Bool, _ tool: String, _ arguments: [String], log: String?) throws {
        let command = asPostgres && asRoot ? [runuser(), "-u", "postgres", "--", tool] + arguments : [tool] + arguments
        let pid = try InheritedDescriptors.spawn(command, stdin: nil, log: log)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw ServerError("waitpid: errno \(errno)") }
        }
        // WIFEXITED && WEXITSTATUS == 0, spelled out (the C macros are not imported).
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            let text = log.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
            throw ServerError("\((tool as NSString).lastPathComponent) failed (wait status \(status)): \(text.suffix(2_000))")
        }
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    private static func freePort() throws -> Int { try Broker.freePort() }

    /// Runs blocking process work off the cooperative pool.
    private static func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }

    public struct ServerError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }
}
