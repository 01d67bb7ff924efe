import ArgumentParser
import CastellanBridge
import CastellanStore
import Foundation

/// `castellan reload`: tells the running `castellan serve` to re-read castellan.yaml.
///
/// The service is found through its bridge socket: the kernel names the process listening on
/// it (`SO_PEERCRED`), so no PID file can go stale.
struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload", abstract: "Make the running service re-read castellan.yaml (sends it SIGHUP).")

    @OptionGroup var config: ConfigOption

    func run() throws {
        let configuration: CastellanConfiguration
        do { configuration = try config.load(.process()) } catch {
            FileHandle.standardError.write(Data("castellan reload: \(error)\n".utf8))
            throw ExitCode.failure
        }
        guard let pid = BridgeSocket.listenerProcessID(path: configuration.bridgeSocket) else {
            FileHandle.standardError.write(Data("castellan reload: no service is listening on \(configuration.bridgeSocket)\n".utf8))
            throw ExitCode.failure
        }
        guard kill(pid, SIGHUP) == 0 else {
            FileHandle.standardError.write(Data("castellan reload: cannot signal process \(pid): \(String(cString: strerror(errno)))\n".utf8))
            throw ExitCode.failure
        }
        print("asked castellan serve (pid \(pid)) to reload; its output says whether the new configuration was accepted")
    }
}
