/// A store command's refusal: one line for stderr and the exit status.
///
/// 1 = refused (unknown device, existing id, weak iteration count, malformed pattern…),
/// 2 = usage (an option missing, both of two exclusive options, a word outside a fixed list).
struct CommandFailure: Error, CustomStringConvertible {
    /// The exit status.
    let status: Int32
    /// One line, without the command prefix.
    let description: String

    /// Refused: exit 1.
    static func refused(_ message: String) -> CommandFailure { CommandFailure(status: 1, description: message) }
    /// Usage error: exit 2.
    static func usage(_ message: String) -> CommandFailure { CommandFailure(status: 2, description: message) }
}
