/// The text of `supervision/castellan.yaml`, built in so an installed binary has the default
/// tree without the repository (a test keeps the two identical).
public enum DefaultServiceSpec {
    /// Public for `castellan chaos run`, which forecasts escalations from the tree the service runs.
    public static let yaml = #"""
# The service tree behind `castellan serve` (docs/bridge-protocol.md, docs/deploy.md).
#
# Validate and print it with: castellan tree --spec supervision/castellan.yaml
supervisor:
  id: castellan
  strategy: one_for_one
  intensity: 5
  period: 10s
  children:
    # The writer of the audit trail and of lockout failures: decisions never wait for it.
    - id: audit
      worker: audit_writer
    # The authenticators. A crashed worker is replaced; its in-flight request fails closed.
    # A pool runs at least one worker per decision thread (bridge.decision_threads, default one
    # per core): a size below that is raised to it.
    - id: auth
      supervisor:
        strategy: one_for_one
        intensity: 10
        period: 1s
        children:
          - id: certificate
            pool: {worker: certificate_auth, size: 2, intensity: 100, period: 1s, request_deadline: 2s}
          - id: scram
            pool: {worker: scram_auth, size: 2, intensity: 100, period: 1s, request_deadline: 2s}
          - id: password
            pool: {worker: password_auth, size: 2, intensity: 100, period: 1s, request_deadline: 2s}
    # Store changes (disable, revoke, rules) pushed to every broker.
    - id: notifier
      worker: notifier
    # Supervision events into every broker, on $castellan/supervision/events (the admin group reads them).
    - id: events
      worker: event_publisher
    # The broker plugins' socket: one child per connected broker (at most 64).
    - id: bridge
      supervisor:
        strategy: rest_for_one
        intensity: 10
        period: 10s
        children:
          - id: connections
            pool: {worker: bridge_connections, size: 64, intensity: 1000, period: 1s}
          - id: listener
            worker: bridge_listener

"""#
}
