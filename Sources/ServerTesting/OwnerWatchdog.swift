import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Cleans up after this test process once it is gone, however it ended — SIGKILL included,
/// when no code of ours runs any more: what keeps a crashed or killed `swift test` from
/// leaving brokers, services and PostgreSQL clusters behind.
///
/// The watchdog is a shell in a session of its own (a signal to the test's process group
/// spares it) that blocks reading a socket whose only peer is this process — close-on-exec,
/// so no child inherits it. When the process ends the kernel closes the peer, the read sees
/// end-of-file, and the watchdog runs its script. ``dismiss()`` is the orderly end, for an
/// owner that cleaned up itself: it sends a byte before closing, and the watchdog exits
/// without running the script.
public final class OwnerWatchdog: Sendable {
    private struct Peer {
        let descriptor: Int32
        let watchdog: pid_t
    }

    /// `nil` once dismissed. Never closed otherwise, on purpose: the open peer is what keeps
    /// the watchdog waiting, so dropping this object without ``dismiss()`` keeps it armed.
    private let peer: Mutex<Peer?>

    /// Starts a watchdog that runs `script` (POSIX sh; `arguments` are `$1`, `$2`…) once this
    /// process has ended. `name` is its `$0`, what `ps` shows.
    public init(name: String, arguments: [String], script: String) throws {
        var fds: [Int32] = [0, 0]
        // Close-on-exec atomically: no child spawned meanwhile by another test inherits it.
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw BrokerError(description: "socketpair: errno \(errno)")
        }
        // End-of-file with nothing read: the owner is gone. A byte: it was dismissed.
        let guarded = "if [ -z \"$(head -c 1)\" ]; then\n\(script)\nfi"
        let pid: pid_t
        do {
            pid = try InheritedDescriptors.spawn(["/usr/bin/setsid", "/bin/sh", "-c", guarded, name] + arguments,
                                                 stdin: fds[0], log: nil)
        } catch {
            close(fds[0])
            close(fds[1])
            throw error
        }
        close(fds[0])
        peer = Mutex(Peer(descriptor: fds[1], watchdog: pid))
    }

    /// A watchdog that SIGKILLs process `pid` once this process has ended, then removes
    /// `directory` (when given).
    ///
    /// Only if `pid` still runs a command line containing `marker` — a path unique to it,
    /// such as its config file: a process that ended and was reaped meanwhile may have left
    /// its pid to an unrelated one, which is spared.
    public static func killing(_ pid: pid_t, ifCommandLineContains marker: String,
                               thenRemoving directory: String? = nil) throws -> OwnerWatchdog {
        try OwnerWatchdog(name: "castellan-owner-watchdog", arguments: ["\(pid)", marker, directory ?? ""], script: """
            case "$(tr '\\0' ' ' 2>/dev/null </proc/$1/cmdline)" in
              *"$2"*) kill -9 "$1" ;;
            esac
            if [ -n "$3" ]; then rm -rf "$3"; fi
            """)
    }

    /// Ends the watchdog without running its script, and reaps it. Idempotent.
    public func dismiss() {
        guard let peer = peer.withLock({ peer in defer { peer = nil }; return peer }) else { return }
        var byte = UInt8(ascii: "x")
        _ = write(peer.descriptor, &byte, 1)
        close(peer.descriptor)
        // It exits at once now; reaped so that dismissed watchdogs do not pile up as zombies.
        var status: Int32 = 0
        while waitpid(peer.watchdog, &status, 0) < 0 && errno == EINTR {}
    }
}
