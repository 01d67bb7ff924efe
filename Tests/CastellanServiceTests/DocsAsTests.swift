import Foundation
#if canImport(Glibc)
import Glibc
#endif
import ServerTesting
import SupervisionTesting
import Testing

/// The walk-throughs of README.md and docs/deploy.md, run as written (``DocWalkthrough``): the
/// built `castellan`, a real mosquitto with the plugin, a real PostgreSQL for the shared store.
/// A doc that drifts from the product fails here, not in an operator's first hour.
@Suite struct DocsAsTests {
    @Test func readmeFirstFleet_runsAsWritten_andItsDevicesConnect() async throws {
        let folder = TemporaryDirectory()
        try Self.makeSystemFolders(in: folder.path)
        let walkthrough = try DocWalkthrough(page: "README.md", name: "first-fleet", values: try Self.values(root: folder.path))
        let run = try await walkthrough.run(in: folder.path)
        let transcript = run.transcript
        #expect(run.status == 0, "\(transcript)")
        #expect(transcript.contains("accepted: client id cam1"), "\(transcript)")
        #expect(transcript.contains("accepted: client id pump2"), "\(transcript)")
        #expect(transcript.contains(" allow certificate identity=cam1"), "\(transcript)")
        #expect(transcript.contains(" allow password+totp identity=pump2"), "\(transcript)")
    }

    @Test func deployGuide_runsAsWritten_andItsDeviceConnects() async throws {
        let folder = TemporaryDirectory()
        try Self.makeSystemFolders(in: folder.path)
        let walkthrough = try DocWalkthrough(page: "docs/deploy.md", name: "deploy", values: try Self.values(root: folder.path))
        let run = try await walkthrough.run(in: folder.path)
        let transcript = run.transcript
        #expect(run.status == 0, "\(transcript)")
        #expect(transcript.contains("accepted: client id dev1"), "\(transcript)")
        #expect(transcript.contains(" allow password identity=dev1"), "\(transcript)")
    }

    @Test func deployGuide_secondBrokerOnASharedStore_servesTheFirstBrokersDevice() async throws {
        let store = try await PostgresServer.shared.makeDatabase().tcpURL
        let first = TemporaryDirectory(), second = TemporaryDirectory()
        for folder in [first, second] { try Self.makeSystemFolders(in: folder.path) }
        let one = try DocWalkthrough(
            page: "docs/deploy.md", name: "shared-store-1",
            values: try Self.values(root: first.path, extra: ["store": store, "other": second.path + "/work/"]))
        let two = try DocWalkthrough(
            page: "docs/deploy.md", name: "shared-store-2", values: try Self.values(root: second.path, extra: ["store": store]))
        // The first broker keeps running while the second is set up beside it.
        let firstRun = try await one.start(in: first.path)
        let secondRun = try await two.start(in: second.path)
        let transcript = firstRun.transcript + secondRun.transcript
        secondRun.stop()
        firstRun.stop()
        #expect(firstRun.status == 0, "\(transcript)")
        #expect(secondRun.status == 0, "\(transcript)")
        #expect(secondRun.output.contains("\ndev1"), "device list on the second broker shows dev1: \(transcript)")
        #expect(secondRun.output.contains("accepted: client id dev1"), "\(transcript)")
    }

    @Test func configurationExample_isTheFileInitWrites() async throws {
        let folder = TemporaryDirectory()
        let page = try DocWalkthrough.text(of: "docs/configuration.md")
        let example = try #require(DocWalkthrough.block(tagged: "init-writes", in: page))
        let initialize = DocWalkthrough(commands: ["castellan init --dir \(folder.path)/setup"])
        let run = try await initialize.run(in: folder.path)
        #expect(run.status == 0, "\(run.transcript)")
        #expect(try String(contentsOfFile: folder.file("setup/castellan.yaml"), encoding: .utf8) == example)
    }

    /// Every shell block is run or says why not, so a new one cannot slip in untested; and
    /// what the skipped ones name exists: the Makefile targets and their outputs, the unit.
    @Test func everyShellBlock_isRunOrSkippedOnPurpose_andTheSkippedOnesNameWhatExists() throws {
        for (page, section) in [("README.md", "A first fleet, by hand"), ("docs/deploy.md", nil)] {
            let tags = try DocWalkthrough.tags(page: page, section: section)
            #expect(tags.count >= 2)
            for (index, tag) in tags.enumerated() {
                #expect(tag != nil, "\(page): sh block \(index + 1) has no doc-test= tag (a walk-through name, or skip)")
            }
        }
        let makefile = try String(contentsOfFile: Stack.repository + "/Makefile", encoding: .utf8)
        // `make release` → .build/release/castellan: SwiftPM's default scratch path, release configuration.
        #expect(makefile.contains("release: deps\n\t$(SWIFT) build -c release --product castellan\n"))
        #expect(makefile.contains("PLUGIN_DIR := .build-plugin"))
        #expect(FileManager.default.fileExists(atPath: Stack.repository + "/contrib/castellan.service"))
        let unit = try String(contentsOfFile: Stack.repository + "/contrib/castellan.service", encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/local/bin/castellan serve"))
        #expect(unit.contains("Environment=CASTELLAN_CONFIG=/etc/castellan/castellan.yaml"))
    }

    /// Whether `port` can be bound on every interface now. Chosen below Linux's ephemeral range
    /// (32768–60999): mosquitto binds them seconds later, and a port from that range may meanwhile
    /// become the source port of any outgoing connection of the machine.
    private static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = Broker.loopback(port: port)
        address.sin_addr.s_addr = INADDR_ANY
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// What a Debian machine has before the docs begin: `/etc` and mosquitto's `conf.d`; and
    /// the reader's working folder (where another machine's files may be copied to).
    private static func makeSystemFolders(in root: String) throws {
        try FileManager.default.createDirectory(atPath: root + "/etc/mosquitto/conf.d", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/work", withIntermediateDirectories: true)
    }

    /// The values the pages' substitutions name; the ports are free ones that do not contain
    /// the default port numbers they stand for (a text replacement would touch them again).
    private static func values(root: String, extra: [String: String] = [:]) throws -> [String: String] {
        var ports: [Int] = []
        while ports.count < 3 {
            let port = Int.random(in: 20_000..<32_000)
            if !["1883", "8883", "8884"].contains(where: { String(port).contains($0) }) && !ports.contains(port) && isFree(port) {
                ports.append(port)
            }
        }
        return [
            "root": root, "plugin": Stack.plugin, "castellan": ServeProcess.executable,
            "port1": "\(ports[0])", "port2": "\(ports[1])", "port3": "\(ports[2])",
        ].merging(extra) { _, new in new }
    }
}
