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
}
