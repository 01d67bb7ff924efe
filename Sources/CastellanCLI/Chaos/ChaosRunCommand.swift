import ArgumentParser
import CastellanChaos
import Foundation

extension ChaosCommand {
    /// `castellan chaos run --scenario FILE`: load, faults, invariants, report (docs/chaos.md).
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run a chaos scenario against a fresh service and mosquitto; check the invariants.",
            discussion: """
                Starts its own `castellan serve` (as a child process) and a mosquitto with the plugin in a \
                working folder, drives the scenario's connects and kills, and prints a report. Exit 0 if \
                every invariant held, 1 if one failed, 2 if the scenario or the setup is wrong.
                """
        )

        @Option(help: "The scenario file, e.g. supervision/chaos/smoke.yaml.") var scenario: String
        @Flag(help: "Print the report as JSON.") var json = false
        @Option(help: "The working folder (default: a new temporary one, removed after a passed run).") var dir: String?
        @Option(help: "The plugin to load.") var plugin = ".build-plugin/castellan_mosquitto.so"
        @Option(help: "The mosquitto binary.") var mosquitto = "/usr/sbin/mosquitto"

        func run() async throws {
            let parsed: ChaosScenario
            do {
                parsed = try ChaosScenarioLoader.load(contentsOf: scenario)
            } catch {
                Self.fail("\(error)")
            }
            let workingDirectory = FileManager.default.currentDirectoryPath
            let pluginPath = plugin.hasPrefix("/") ? plugin : workingDirectory + "/" + plugin
            guard FileManager.default.fileExists(atPath: pluginPath) else {
                Self.fail("no plugin at \(pluginPath) (make plugin builds it)")
            }
            let folder = dir.map { $0.hasPrefix("/") ? $0 : workingDirectory + "/" + $0 }
                ?? NSTemporaryDirectory() + "castellan-chaos-" + UUID().uuidString.prefix(8)
            let report: ChaosReport
            do {
                report = try await ChaosRun(scenario: parsed, folder: folder, plugin: pluginPath, mosquitto: mosquitto,
                                            showProgress: true).run()
            } catch {
                Self.fail("\(error) (the working folder \(folder) is kept, with serve.log and mosquitto.log)")
            }
            if json {
                let encoder = JSONEncoder()
                encoder.keyEncodingStrategy = .convertToSnakeCase
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                printLine(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                printLine(report.text)
            }
            if !report.passed {
                FileHandle.standardError.write(Data("castellan chaos run: the working folder \(folder) is kept, with serve.log and mosquitto.log\n".utf8))
                throw ExitCode.failure
            }
            // A temporary folder of a passed run has nothing left to show.
            if dir == nil { try? FileManager.default.removeItem(atPath: folder) }
        }

        /// A scenario or setup problem: exit 2, so it is not mistaken for a failed invariant.
        static func fail(_ message: String) -> Never {
            FileHandle.standardError.write(Data("castellan chaos run: \(message)\n".utf8))
            Foundation.exit(2)
        }
    }
}
