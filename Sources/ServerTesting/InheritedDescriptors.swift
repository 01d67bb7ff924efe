import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starting a child without the test process's open descriptors.
///
/// Tests run in parallel in one process: a child spawned meanwhile inherits every descriptor
/// not marked close-on-exec — other tests' sockets and pipes — and holds them open for its
/// whole life, so a peer waiting for a close (or a broker waiting for a disconnect) hangs.
/// `posix_spawn_file_actions_addclosefrom_np` is not imported by Swift's Glibc, so the child
/// is started through bash, which closes them before it execs the real program.
public enum InheritedDescriptors {
    /// The argument vector (`/bin/bash` first) that runs `command` with every descriptor
    /// above `highest` closed.
    public static func closing(above highest: Int32, _ command: [String]) -> [String] {
        let script = #"for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt "#
            + "\(highest)"
            + #" ] && eval "exec $fd>&-" 2>/dev/null; done; exec "$@""#
        return ["/bin/bash", "-c", script, "bash"] + command
    }

    /// Starts `command` with `posix_spawn`, through bash closing every inherited descriptor
    /// above 2 first; standard input is `stdin` (or `/dev/null`), output and errors go to
    /// `log` (or `/dev/null`). The caller reaps the returned process.
    ///
    /// Why not Foundation's `Process`: it reaps a child only once every holder of a descriptor
    /// it passes down has closed it, and `pg_ctl start` leaves the daemonized server holding
    /// one — the wait never ends. Closing inherited descriptors also keeps long-lived servers
    /// and watchdogs from holding sockets and pipes of other tests running meanwhile.
    static func spawn(_ command: [String], stdin: Int32?, log: String?) throws -> pid_t {
        let argv = closing(above: 2, command)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdin {
            posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, log ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var cArguments = argv.map { strdup($0) }
        cArguments.append(nil)
        defer { for argument in cArguments { free(argument) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, "/bin/bash", &actions, nil, &cArguments, environ)
        guard result == 0 else { throw BrokerError(description: "posix_spawn \(command[0]): error \(result)") }
        return pid
    }
}
