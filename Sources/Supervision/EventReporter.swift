import Logging
import Metrics

/// Logs and counts every supervision event, away from the restart path.
///
/// Runs as a subscriber of the tree's ``EventBus``: supervisors only append events, and
/// this loop turns them into log lines (swift-log) and counters (swift-metrics):
/// `castellan_supervisor_events_total{event}` and `castellan_supervisor_restarts_total{path}`.
public struct EventReporter: Sendable {
    private let logger: Logger
    private let metrics: any MetricsFactory

    /// - Parameter metrics: where counters go; the process-wide `MetricsSystem` by default.
    public init(logger: Logger = Logger(label: "castellan.supervision"),
                metrics: any MetricsFactory = MetricsSystem.factory) {
        self.logger = logger
        self.metrics = metrics
    }

    /// Reports `events` until the stream ends or the task is cancelled.
    public func run(_ events: AsyncStream<SupervisionEvent>) async {
        for await event in events { report(event) }
    }

    /// Logs and counts one event.
    public func report(_ event: SupervisionEvent) {
        Counter(label: "castellan_supervisor_events_total", dimensions: [("event", event.name)], factory: metrics)
            .increment()
        let level: Logger.Level
        switch event.kind {
        case .childRestarted:
            Counter(label: "castellan_supervisor_restarts_total", dimensions: [("path", event.path)], factory: metrics)
                .increment()
            level = .notice
        case .childExited(let reason):
            level = reason.isNormal ? .info : .warning
        case .restartFailed, .intensityExceeded:
            level = .error
        case .supervisorTerminated(let reason, _):
            level = reason == .shutdown("shutdown") ? .info : .error
        case .childStarted, .childStopped, .shutdownComplete:
            level = .info
        }
        logger.log(level: level, "\(event.name) \(event.detail)", metadata: ["path": .string(event.path)])
    }
}
