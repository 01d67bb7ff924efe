import Foundation
import SupervisionTesting

/// mosquitto's command-line tools as an operator runs them: `mosquitto_passwd` to write a
/// password file, `mosquitto_pub` / `mosquitto_sub` to log in and publish, `mosquitto_ctrl` to
/// configure dynamic-security.
enum MosquittoTools {
    /// Debian's tools (mosquitto 2.0.11).
    static let debian = "/usr/bin"
    /// The 2.1.2 build (`make mosquitto-2.1`), if there is one.
    static let build21 = Stack.repository + "/.build-mosquitto21/bin"

    /// Whether `directory` holds `tool`.
    static func available(_ tool: String, in directory: String) -> Bool {
        FileManager.default.isExecutableFile(atPath: directory + "/" + tool)
    }

    /// Runs `directory/tool arguments` to its end (the tools' own timeouts bound it); returns
    /// the exit status and both outputs.
    static func run(_ tool: String, in directory: String = debian, _ arguments: [String]) async throws -> CLIProcess.Result {
        try await onThreadOfItsOwn {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: directory + "/" + tool)
            process.arguments = arguments
            let output = Pipe(), error = Pipe()
            process.standardOutput = output
            process.standardError = error
            process.standardInput = FileHandle.nullDevice
            try launch(process)
            let out = readToEnd(output.fileHandleForReading)
            let err = readToEnd(error.fileHandleForReading)
            process.waitUntilExit()
            return CLIProcess.Result(status: process.terminationStatus, output: String(decoding: out, as: UTF8.self),
                                     error: String(decoding: err, as: UTF8.self))
        }
    }

    /// `mosquitto_pub` logging in as `user` (client id = user) and publishing one message at QoS 1;
    /// status 0 when the broker accepted the login.
    static func publish(port: Int, user: String, password: String, topic: String = "", message: String = "hi") async throws -> CLIProcess.Result {
        try await run("mosquitto_pub", ["-h", "127.0.0.1", "-p", "\(port)", "-i", user, "-u", user, "-P", password,
                                        "-t", topic.isEmpty ? "devices/\(user)/hello" : topic, "-m", message, "-q", "1"])
    }
}
