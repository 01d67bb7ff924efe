/// A supervisor as declared in a spec file: its flags and its children, not yet started.
///
/// A plain value: the loader produces it only when the whole tree is valid, and the runtime
/// turns it into running supervisors. Nothing in it needs checking again, with one
/// exception the loader cannot know about — whether each worker type is still registered
/// when the tree starts.
public struct SupervisorSpec: Sendable, Hashable {
    /// The supervisor's id: the root's from the spec's `id` key, a nested one's from its child entry.
    ///
    /// Becomes a segment of every path under it (`/castellan/workers/flaky/2`), so it is never
    /// empty and holds no `/` and no whitespace.
    public var id: String
    /// Which siblings are restarted when a child dies. Default `one_for_one`, as in OTP.
    public var strategy: RestartStrategy
    /// Restarts tolerated before the supervisor gives up and escalates. Default 1 in 5 s, as in OTP.
    public var intensity: RestartIntensity
    /// Whether significant children's exits stop this supervisor. Default `never`.
    public var autoShutdown: AutoShutdown
    /// Delay before restarts; `nil` (the default, as in OTP) restarts at once.
    public var backoff: RestartBackoff?
    /// Children in start order; stopped in reverse order.
    public var children: [ChildSpecNode]
    /// Where the supervisor's mapping was written.
    public var location: SpecLocation

    /// A supervisor spec; values are taken as given (the loader validates file input first).
    public init(
        id: String,
        strategy: RestartStrategy = .oneForOne,
        intensity: RestartIntensity = .otpDefault,
        autoShutdown: AutoShutdown = .never,
        backoff: RestartBackoff? = nil,
        children: [ChildSpecNode],
        location: SpecLocation
    ) {
        self.id = id
        self.strategy = strategy
        self.intensity = intensity
        self.autoShutdown = autoShutdown
        self.backoff = backoff
        self.children = children
        self.location = location
    }
}
