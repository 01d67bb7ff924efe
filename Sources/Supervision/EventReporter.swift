import Logging
import Metrics

/// Logs and counts every supervision event, away from the restart path.
///
/// Runs as a subscriber of the tree's ``EventBus``: supervisors only append events, and
/// this loop turns them into log lines (swift-log) and counters (swift-metrics):
/// `castellan_supervisor_events_total{event}` and `castellan_supervisor_restarts_total{path}`.
public struct EventReporter: Sendable {
    private let logger: Logger

    public init(logger: Logger = Logger(label: "castellan.supervision")) {
        self.logger = logger
    }

    /// Reports `events` until the stream ends or the task is cancelled.
    public func run(_ events: AsyncStream<SupervisionEvent>) async {
        for await event in events { report(event) }
    }

    func report(_ event: SupervisionEvent) {
        Counter(label: "castellan_supervisor_events_total", dimensions: [("event", event.name)]).increment()
        let level: Logger.Level
        switch event.kind {
        case .childRestarted:
            Counter(label: "castellan_supervisor_restarts_total", dimensions: [("path", event.path)]).increment()
            level = .notice
        case .childExited(let reason):
            level = reason.isNormal ? .info : .warning
        case .restartFailed, .supervisorTerminated, .intensityExceeded:
            level = .error
        case .childStarted, .childStopped, .shutdownComplete:
            level = .info
        }
        logger.log(level: level, "\(event.name) \(event.detail)", metadata: ["path": .string(event.path)])
    }
}
