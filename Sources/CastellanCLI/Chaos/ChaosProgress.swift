import CastellanChaos
import Foundation
import Glibc

/// The run's progress on standard error: one `\r`-updated line on a terminal, otherwise (a CI
/// log) a plain line every five seconds. Standard output stays for the report.
struct ChaosProgress {
    let recorder: ChaosRecorder

    /// Shows progress from `start` to `end` (Unix seconds) until cancelled.
    func run(from start: Double, until end: Double) async {
        let terminal = isatty(STDERR_FILENO) == 1
        let every: Duration = terminal ? .milliseconds(250) : .seconds(5)
        while !Task.isCancelled {
            let now = Date().timeIntervalSince1970
            let done = min(max((now - start) / (end - start), 0), 1)
            let counts = await recorder.progress
            let phase = now >= end ? "settling" : "running"
            var line = phase + String(format: " %5.1f/%.0f s  connects %d (granted %d)  kills %d  restarts %d",
                              min(now - start, end - start), end - start, counts.connects, counts.granted, counts.kills, counts.restarts)
            if terminal {
                let width = 24, filled = Int(done * Double(width))
                line = "\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] " + line + "\u{1B}[K"
            } else {
                line = "chaos: " + line + "\n"
            }
            FileHandle.standardError.write(Data(line.utf8))
            try? await Task.sleep(for: every)
        }
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
