import Foundation
import ServerTesting
import SupervisionTesting
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Debian's headless Chromium, driven over the DevTools protocol on a pipe.
///
/// With `--remote-debugging-pipe` the browser reads commands on its descriptor 3 and writes
/// replies and events on descriptor 4, each a JSON object ended by a NUL byte — no websocket
/// and no port to discover. The browser runs in a process group of its own, so ``kill()``
/// (SIGKILL) takes its renderer and helper processes with it.
final class HeadlessChromium: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    let pid: pid_t
    private let commands: Int32
    private let replies: Int32
    private let profile = TemporaryDirectory()
    private let state = Mutex(State())

    private struct State {
        var nextID = 1
        var pending: [Int: CheckedContinuation<Data, any Error>] = [:]
        /// Streams waiting for an event, by method name (e.g. `Page.loadEventFired`).
        var awaited: [String: AsyncStream<Data>.Continuation] = [:]
        /// Why the pipe is closed, once it is.
        var ended: String?
    }

    /// The `chromium` on `PATH`; a clear failure (never a skip) when it is not installed.
    static func executable() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(folder)/chromium") {
            return "\(folder)/chromium"
        }
        throw Failure("chromium is not installed (Debian's chromium package; `make deps` installs it)")
    }

    /// Starts the browser on `about:blank` with a fresh profile.
    init() throws {
        let executable = try Self.executable()
        // A write to the pipe after the browser died must fail with EPIPE, not kill the test
        // process with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        var toBrowser: [Int32] = [-1, -1]
        var fromBrowser: [Int32] = [-1, -1]
        // (pipe2 with O_CLOEXEC is not imported without _GNU_SOURCE: the flag is set right after.)
        guard pipe(&toBrowser) == 0, pipe(&fromBrowser) == 0 else { throw Failure("pipe: errno \(errno)") }
        for descriptor in toBrowser + fromBrowser { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        // The browser's ends become its 3 and 4 by dup2, which clears close-on-exec on the
        // copies. Moved above 4 first, so dup2 never maps a descriptor onto itself (a no-op
        // that would leave the flag set and the descriptor closed in the browser).
        let browserIn = fcntl(toBrowser[0], F_DUPFD_CLOEXEC, 10)
        let browserOut = fcntl(fromBrowser[1], F_DUPFD_CLOEXEC, 10)
        close(toBrowser[0])
        close(fromBrowser[1])
        defer {
            close(browserIn)
            close(browserOut)
        }
        guard browserIn >= 0, browserOut >= 0 else { throw Failure("fcntl: errno \(errno)") }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, profile.file("chromium.log"), O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_adddup2(&actions, browserIn, 3)
        posix_spawn_file_actions_adddup2(&actions, browserOut, 4)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        let arguments = [
            executable, "--headless=new", "--no-sandbox", "--remote-debugging-pipe", "--user-data-dir=\(profile.path)",
            "--no-first-run", "--no-default-browser-check", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-extensions", "--disable-background-networking", "--window-size=1280,860", "--hide-scrollbars",
            "about:blank",
        ]
        // Only 0-4 reach the browser: a socket of a test running meanwhile, held open by it,
        // would stall that test until the browser is killed.
        var cArguments = InheritedDescriptors.closing(above: 4, arguments).map { strdup($0) }
        cArguments.append(nil)
        defer { for argument in cArguments { free(argument) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, "/bin/bash", &actions, &attributes, &cArguments, environ)
        guard result == 0 else {
            close(toBrowser[1])
            close(fromBrowser[0])
            throw Failure("posix_spawn chromium: error \(result)")
        }
        self.pid = pid
        commands = toBrowser[1]
        replies = fromBrowser[0]
        Thread { [self] in readReplies() }.start()
    }

    /// SIGKILLs the browser's process group and reaps the browser.
    func kill() {
        _ = Glibc.kill(-pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        close(commands)
    }

    // MARK: Protocol

    /// Sends `method` and decodes its `result` as `R`; a protocol error is thrown with its message.
    func call<R: Decodable>(_ method: String, _ params: [String: Any] = [:], session: String? = nil,
                            as type: R.Type = Empty.self) async throws -> R {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        var message: [String: Any] = ["id": id, "method": method, "params": params]
        if let session { message["sessionId"] = session }
        let bytes = Array(try JSONSerialization.data(withJSONObject: message)) + [0]
        let reply = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data, any Error>) in
                let refusal: String? = state.withLock { state in
                    if let ended = state.ended { return ended }
                    if Task.isCancelled { return "cancelled" }
                    state.pending[id] = continuation
                    return nil
                }
                if let refusal { return continuation.resume(throwing: Failure("\(method): \(refusal)")) }
                if !write(bytes) { finish(id, with: Failure("\(method): writing to chromium failed: errno \(errno)")) }
            }
        } onCancel: {
            finish(id, with: CancellationError())
        }
        let envelope = try JSONDecoder().decode(Envelope<R>.self, from: reply)
        if let error = envelope.error { throw Failure("\(method): \(error.message) (\(error.code))") }
        guard let result = envelope.result else { throw Failure("\(method): a reply without a result") }
        return result
    }

    /// A stream that yields each `method` event from now on; register it before the command
    /// that causes the event, so the event cannot come first. It finishes when the pipe closes.
    func expect(_ method: String) -> AsyncStream<Data> {
        let (stream, continuation) = AsyncStream<Data>.makeStream()
        let ended = state.withLock { state in
            if state.ended == nil { state.awaited[method] = continuation }
            return state.ended != nil
        }
        if ended { continuation.finish() }
        return stream
    }

    struct Empty: Decodable {}

    private struct Envelope<R: Decodable>: Decodable {
        struct ProtocolError: Decodable {
            let code: Int
            let message: String
        }

        let result: R?
        let error: ProtocolError?
    }

    private func write(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(commands, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    private func finish(_ id: Int, with error: any Error) {
        state.withLock { $0.pending.removeValue(forKey: id) }?.resume(throwing: error)
    }

    /// The reader thread: splits the stream at NUL bytes and hands each message on.
    private func readReplies() {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(replies, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            buffer += chunk[..<count]
            while let end = buffer.firstIndex(of: 0) {
                deliver(Data(buffer[..<end]))
                buffer.removeSubrange(...end)
            }
        }
        close(replies)
        let log = (try? String(contentsOfFile: profile.file("chromium.log"), encoding: .utf8)) ?? ""
        let (pending, awaited) = state.withLock { state in
            state.ended = "chromium closed its DevTools pipe; its log ends: \(log.suffix(1_500))"
            defer {
                state.pending.removeAll()
                state.awaited.removeAll()
            }
            return (Array(state.pending.values), Array(state.awaited.values))
        }
        for continuation in pending { continuation.resume(throwing: Failure("chromium exited; its log ends: \(log.suffix(1_500))")) }
        for continuation in awaited { continuation.finish() }
    }

    private func deliver(_ message: Data) {
        struct Header: Decodable {
            let id: Int?
            let method: String?
        }
        guard let header = try? JSONDecoder().decode(Header.self, from: message) else { return }
        if let id = header.id {
            state.withLock { $0.pending.removeValue(forKey: id) }?.resume(returning: message)
        } else if let method = header.method {
            state.withLock { $0.awaited[method] }?.yield(message)
        }
    }
}

extension HeadlessChromium {
    /// Attaches to the browser's first page (the `about:blank` tab) and returns the session id
    /// that page commands are sent with.
    func attachToPage() async throws -> String {
        struct Targets: Decodable {
            struct Info: Decodable {
                let targetId: String
                let type: String
            }
            let targetInfos: [Info]
        }
        struct Attached: Decodable { let sessionId: String }
        let targets = try await call("Target.getTargets", as: Targets.self)
        guard let page = targets.targetInfos.first(where: { $0.type == "page" }) else {
            throw Failure("chromium has no page target")
        }
        return try await call("Target.attachToTarget", ["targetId": page.targetId, "flatten": true], as: Attached.self).sessionId
    }

    /// Loads `url` and returns once the page's load event fired (its deferred script has run).
    func navigate(_ url: String, session: String) async throws {
        struct Navigated: Decodable { let errorText: String? }
        _ = try await call("Page.enable", session: session)
        let loaded = expect("Page.loadEventFired")
        let navigated = try await call("Page.navigate", ["url": url], session: session, as: Navigated.self)
        if let error = navigated.errorText { throw Failure("loading the page failed: \(error)") }
        for await _ in loaded { return }
        throw Failure("chromium ended before the page loaded")
    }

    /// Evaluates `expression` in the page, awaiting it if it is a promise; it must yield a string.
    func evaluate(_ expression: String, session: String) async throws -> String {
        struct Evaluated: Decodable {
            struct Remote: Decodable {
                let type: String
                let value: String?
                let description: String?
            }
            struct Exception: Decodable {
                struct Thrown: Decodable { let description: String? }
                let text: String
                let exception: Thrown?
            }
            let result: Remote
            let exceptionDetails: Exception?
        }
        let evaluated = try await call("Runtime.evaluate", ["expression": expression, "awaitPromise": true, "returnByValue": true],
                                       session: session, as: Evaluated.self)
        if let exception = evaluated.exceptionDetails {
            throw Failure("the page threw: \(exception.exception?.description ?? exception.text)")
        }
        guard evaluated.result.type == "string", let value = evaluated.result.value else {
            throw Failure("the page returned a \(evaluated.result.type), not a string")
        }
        return value
    }

    /// The viewport as PNG bytes.
    func screenshot(session: String) async throws -> Data {
        struct Captured: Decodable { let data: String }
        let captured = try await call("Page.captureScreenshot", ["format": "png"], session: session, as: Captured.self)
        guard let png = Data(base64Encoded: captured.data) else { throw Failure("the screenshot is not base64") }
        return png
    }
}
