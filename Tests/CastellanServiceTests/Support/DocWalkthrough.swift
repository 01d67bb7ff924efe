import Foundation
import ServerTesting
import SupervisionTesting

#if canImport(Glibc)
import Glibc
#endif

/// The shell commands of a markdown page, run as a reader would type them.
///
/// A page marks what runs: every ```` ```sh ```` block carries `doc-test=NAME` (run, in page
/// order, as one walk-through called NAME) or `doc-test=skip` (system administration a test
/// must not do to the machine: accounts, systemd units, building mosquitto). The page names
/// the only changes made to the text, in a comment beside the prose that says the same to
/// people:
///
///     <!-- doc-test NAME: /etc/castellan => {root}/etc/castellan; 1883 => {port1} -->
///
/// `OLD => NEW` replaces text; `{key}` in NEW is a value the test gives (a temporary folder, a
/// free port, the built plugin). Nothing else is changed, except how a command left running
/// with `&` is started: its output goes to a log of its own, and the next command runs once it
/// says it is ready (`castellan serve`'s "ready", mosquitto's "running") — a reader waits for
/// that too.
struct DocWalkthrough {
    let page: String
    let name: String
    /// The commands, with the page's substitutions made, continuation lines joined.
    let commands: [String]

    /// Every `sh` block's tag on `page` (a path under the repository), in order; with
    /// `section`, only in the part from that `## ` heading to the next.
    static func tags(page: String, section: String? = nil) throws -> [String?] {
        var text = try text(of: page)
        if let section {
            guard let start = text.range(of: "\n## \(section)\n") else { throw BrokerError(description: "\(page) has no section \(section)") }
            text = String(text[start.upperBound...])
            if let end = text.range(of: "\n## ") { text = String(text[..<end.lowerBound]) }
        }
        return fences(in: text).filter { $0.language == "sh" }.map(\.tag)
    }

    /// Commands given directly (a check that runs a command beside a page rather than from it).
    init(commands: [String]) {
        page = ""
        name = "commands"
        self.commands = commands
    }

    /// The walk-through `name` on `page`, with `values` filling the page's `{key}`s.
    init(page: String, name: String, values: [String: String]) throws {
        self.page = page
        self.name = name
        let text = try Self.text(of: page)
        let blocks = Self.fences(in: text).filter { $0.tag == name }
        guard !blocks.isEmpty else { throw BrokerError(description: "\(page) has no `sh doc-test=\(name)` block") }
        var substitutions: [(String, String)] = []
        let marker = "<!-- doc-test \(name):"
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where line.hasPrefix(marker) {
            let body = line.dropFirst(marker.count).replacingOccurrences(of: "-->", with: "")
            for pair in body.split(separator: ";") {
                let parts = pair.components(separatedBy: "=>")
                guard parts.count == 2 else { throw BrokerError(description: "\(page): bad substitution `\(pair)`") }
                var new = parts[1].trimmingCharacters(in: .whitespaces)
                for (key, value) in values { new = new.replacingOccurrences(of: "{\(key)}", with: value) }
                guard !new.contains("{") else { throw BrokerError(description: "\(page): no value for `\(new)`") }
                substitutions.append((parts[0].trimmingCharacters(in: .whitespaces), new))
            }
        }
        var commands: [String] = []
        for block in blocks {
            var command = ""
            for line in block.lines {
                var line = line
                for (old, new) in substitutions { line = line.replacingOccurrences(of: old, with: new) }
                if line.hasSuffix("\\") {
                    command += String(line.dropLast()) + " "
                } else {
                    commands.append(command + line)
                    command = ""
                }
            }
        }
        self.commands = commands.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    /// The bash script: strict mode, the folder and PATH, then the commands; a command ending
    /// in `&` is started with its output in `logs/` and waited for until it is ready.
    func script(directory: String, bin: String, environment: [String: String]) -> String {
        var lines = [
            // Output to a file of its own: a descriptor handed down by `Process` would be held by
            // what runs on in the background, and `Process` waits for every holder to close it.
            "exec </dev/null >>\(directory)/output.txt 2>&1",
            "set -euo pipefail",
            "echo $$ > \(directory)/pgid",
            "export PATH=\(bin):$PATH",
        ] + environment.sorted { $0.key < $1.key }.map { "export \($0.key)=\($0.value)" } + [
            "cd \(directory)/work",
            // Ready: `castellan serve` says so; mosquitto says "… running". An exit first fails.
            #"doc_ready() { for _ in $(seq 1200); do grep -qE 'ready, bridge listening| running$' "$1" && return 0; kill -0 "$2" 2>/dev/null || { echo "$1:"; cat "$1"; return 1; } >&2; sleep 0.05; done; echo "$1 never ready:" >&2; cat "$1" >&2; return 1; }"#,
        ]
        var background = 0
        for command in commands {
            lines.append("echo \(Self.quoted("$ " + command))")
            if let range = command.range(of: #"\s&\s*(#.*)?$"#, options: .regularExpression), !command[range].contains("&&") {
                background += 1
                let log = "\(directory)/logs/\(background).log"
                lines.append("\(command[..<range.lowerBound]) > \(log) 2>&1 &")
                lines.append("doc_ready \(log) $!")
            } else {
                lines.append(command)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A walk-through that ran to its end; what it left running in the background (a service,
    /// a broker) runs until ``stop()``.
    final class Started: Sendable {
        let status: Int32
        /// The commands (echoed with `$ `) and their output.
        let output: String
        /// The background commands' logs, each headed by its file name.
        let logs: [String]
        private let directory: String
        private let watchdog: OwnerWatchdog

        fileprivate init(status: Int32, output: String, logs: [String], directory: String, watchdog: OwnerWatchdog) {
            self.status = status
            self.output = output
            self.logs = logs
            self.directory = directory
            self.watchdog = watchdog
        }

        /// Everything, for a failure message.
        var transcript: String { ([output] + logs).joined(separator: "\n") }

        /// Kills what the walk-through left running. Idempotent.
        func stop() {
            DocWalkthrough.killGroup(directory)
            watchdog.dismiss()
        }
    }

    /// Runs the walk-through to its end, then stops what it left running.
    func run(in directory: String, environment: [String: String] = [:]) async throws -> Started {
        let started = try await start(in: directory, environment: environment)
        started.stop()
        return started
    }

    /// Runs the walk-through in `directory/work` (created) as one bash script in a session of
    /// its own, and returns when the script has ended; what it started in the background runs
    /// on until ``Started/stop()`` — or, should this test process die first, a watchdog kills it.
    func start(in directory: String, environment: [String: String] = [:], timeout: Duration = .seconds(120)) async throws -> Started {
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: directory + "/work", withIntermediateDirectories: true)
        try fileManager.createDirectory(atPath: directory + "/logs", withIntermediateDirectories: true)
        let bin = directory + "/bin"
        try fileManager.createDirectory(atPath: bin, withIntermediateDirectories: true)
        // The commands a reader has installed: castellan (the debug build) and mosquitto.
        try fileManager.createSymbolicLink(atPath: bin + "/castellan", withDestinationPath: ServeProcess.executable)
        try fileManager.createSymbolicLink(atPath: bin + "/mosquitto", withDestinationPath: Broker.executable)
        let scriptFile = directory + "/walkthrough.sh"
        try script(directory: directory, bin: bin, environment: environment).write(toFile: scriptFile, atomically: true, encoding: .utf8)
        let outputFile = directory + "/output.txt"
        _ = fileManager.createFile(atPath: outputFile, contents: nil)

        let watchdog = try OwnerWatchdog(name: "castellan-doc-watchdog", arguments: [directory], script: """
            if [ -s "$1/pgid" ]; then kill -9 -- "-$(cat "$1/pgid")" 2>/dev/null; fi
            rm -rf "$1"
            """)
        let status: Int32
        do {
            status = try await onThreadOfItsOwn { () -> Int32 in
                // bash leads a session of its own, so its process group is everything it started.
                // Spawned, not `Process.run()`: Foundation reaps a child only once every holder
                // of a descriptor it handed down has closed it — here, what runs on in the
                // background. Inherited descriptors are closed first (other tests' sockets).
                let pid = try Self.spawn(InheritedDescriptors.closing(above: 2, ["/usr/bin/setsid", "--wait", "/bin/bash", scriptFile]))
                // A hung command fails the test instead of hanging it.
                DispatchQueue.global().asyncAfter(deadline: .now() + Double(timeout.components.seconds)) { Self.killGroup(directory) }
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 {
                    guard errno == EINTR else { throw BrokerError(description: "waitpid: errno \(errno)") }
                }
                // WIFEXITED ? WEXITSTATUS : 128 + signal, spelled out (the C macros are not imported).
                return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            }
        } catch {
            Self.killGroup(directory)
            watchdog.dismiss()
            throw error
        }
        let logs = ((try? fileManager.contentsOfDirectory(atPath: directory + "/logs")) ?? []).sorted()
            .map { "\($0):\n" + ((try? String(contentsOfFile: directory + "/logs/" + $0, encoding: .utf8)) ?? "") }
        let output = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
        return Started(status: status, output: output, logs: logs, directory: directory, watchdog: watchdog)
    }

    /// Starts `argv` (an absolute path first) with standard input, output and error on
    /// `/dev/null` — the script redirects its own.
    private static func spawn(_ argv: [String]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        var arguments = argv.map { strdup($0) }
        arguments.append(nil)
        defer { for argument in arguments { free(argument) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, argv[0], &actions, nil, &arguments, environ)
        guard result == 0 else { throw BrokerError(description: "posix_spawn \(argv[0]): error \(result)") }
        return pid
    }

    /// SIGKILL to the walk-through's process group (what it left running in the background).
    fileprivate static func killGroup(_ directory: String) {
        guard let text = try? String(contentsOfFile: directory + "/pgid", encoding: .utf8),
              let group = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), group > 1 else { return }
        kill(-group, SIGKILL)
    }

    private static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'" }

    /// The lines of the block tagged `doc-test=TAG` in a markdown text, each ending in a newline.
    static func block(tagged tag: String, in text: String) -> String? {
        fences(in: text).first { $0.tag == tag }.map { $0.lines.map { $0 + "\n" }.joined() }
    }

    private struct Fence {
        let language: String
        let tag: String?
        let lines: [String]
    }

    static func text(of page: String) throws -> String {
        try String(contentsOfFile: Stack.repository + "/" + page, encoding: .utf8)
    }

    /// The fenced blocks of a markdown text: language, `doc-test=` tag, lines.
    private static func fences(in text: String) -> [Fence] {
        var fences: [Fence] = []
        var open: (language: String, tag: String?)?
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if let current = open {
                if line.hasPrefix("```") {
                    fences.append(Fence(language: current.language, tag: current.tag, lines: lines))
                    open = nil
                    lines = []
                } else {
                    lines.append(line)
                }
            } else if line.hasPrefix("```") {
                let words = line.dropFirst(3).split(separator: " ").map(String.init)
                let tag = words.first { $0.hasPrefix("doc-test=") }.map { String($0.dropFirst("doc-test=".count)) }
                open = (words.first ?? "", tag)
            }
        }
        return fences
    }
}
