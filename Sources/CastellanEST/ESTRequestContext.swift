import Hummingbird
import NIOCore

/// Hummingbird's request context plus the connection, whose TLS handler holds the client
/// certificate a renewal presents and whose peer address the rate limit counts.
struct ESTRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The TLS connection the request came on.
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
