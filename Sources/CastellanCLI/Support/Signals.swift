import Dispatch
import Foundation

/// Runs `handler` once when the process gets SIGINT or SIGTERM (Ctrl-C, systemd stop).
///
/// The default action (exit at once) is turned off so the handler can shut the tree down
/// in order. Keep the returned sources alive as long as the handler should stay armed.
func onTerminationSignal(_ handler: @escaping @Sendable () -> Void) -> [any DispatchSourceSignal] {
    [SIGINT, SIGTERM].map { number in
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler(handler: handler)
        source.resume()
        return source
    }
}

/// Runs `handler` each time the process gets `number` (SIGHUP: reload).
func onSignal(_ number: Int32, _ handler: @escaping @Sendable () -> Void) -> [any DispatchSourceSignal] {
    signal(number, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
    source.setEventHandler(handler: handler)
    source.resume()
    return [source]
}
