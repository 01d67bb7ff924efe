import CastellanAuth
import Foundation
import Synchronization

/// What a store command reads from and writes to, so tests run the real command logic with
/// a captured output, a scripted stdin, a chosen working directory and environment.
struct CommandEnvironment: Sendable {
    /// Process environment variables (for `$CASTELLAN_CONFIG`).
    var variables: [String: String]
    /// Where relative `--config` and `--dir` paths are resolved.
    var workingDirectory: String
    /// Reads all of standard input (for `--password-stdin`).
    var readStandardInput: @Sendable () -> [UInt8]
    /// Where secrets come from.
    var entropy: any EntropySource
    /// Unix seconds now.
    var now: @Sendable () -> Int64
    /// Where output goes.
    var output: CommandOutput

    /// The real process: its environment, working directory, stdin, stdout and stderr.
    static func process() -> CommandEnvironment {
        CommandEnvironment(
            variables: ProcessInfo.processInfo.environment,
            workingDirectory: FileManager.default.currentDirectoryPath,
            readStandardInput: { Array(FileHandle.standardInput.readDataToEndOfFile()) },
            entropy: SystemEntropy(),
            now: { Int64(Date().timeIntervalSince1970.rounded(.down)) },
            output: CommandOutput(captured: false))
    }
}

/// Standard output and error, either written through or captured for tests.
final class CommandOutput: Sendable {
    private let captured: Bool
    private let buffers = Mutex<(out: String, err: String)>(("", ""))

    /// `captured: true` keeps everything in memory instead of writing it.
    init(captured: Bool) { self.captured = captured }

    /// Writes one line to standard output.
    func out(_ line: String) {
        if captured { buffers.withLock { $0.out += line + "\n" } } else { print(line) }
    }

    /// Writes one line to standard error.
    func err(_ line: String) {
        if captured {
            buffers.withLock { $0.err += line + "\n" }
        } else {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    /// Everything written to standard output so far (captured mode).
    var standardOutput: String { buffers.withLock { $0.out } }
    /// Everything written to standard error so far (captured mode).
    var standardError: String { buffers.withLock { $0.err } }
}
