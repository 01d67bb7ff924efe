/// What the CLI says about live sessions after a change.
///
/// The CLI writes the store, not the brokers: every `castellan serve` on this store follows its
/// change log and acts within a second (docs/service.md). The CLI cannot see the live sessions,
/// so it says what will happen and never claims a kick it cannot know about.
enum Following {
    /// "every castellan serve following this store closes WHAT within a second".
    static func note(_ what: String) -> String {
        "every castellan serve following this store closes \(what) within a second"
    }
}
