/// Settings for the per-source-address connect limit.
///
/// A token bucket per address: `burst` connects at once, refilled at `connectsPerSecond`.
/// Every address is limited — loopback too: behind a local TLS terminator every client would
/// be loopback, so a blanket exemption would exempt everyone. Addresses that stand for many
/// clients (a proxy, a load balancer, local tools and benchmarks) are named in
/// `trustedProxies` and are not limited. At most `maxTrackedAddresses` buckets are kept (see
/// ``RateLimiter``).
public struct RateLimitPolicy: Sendable, Hashable {
    /// Sustained connects per second per address (finite, > 0).
    public let connectsPerSecond: Double
    /// Connects an idle address may make at once (≥ 1).
    public let burst: Int
    /// Addresses or networks (`192.0.2.7`, `10.0.0.0/8`, `::1`, `2001:db8::/32`) that are not
    /// rate-limited, as configured.
    public let trustedProxies: [String]
    /// The most addresses tracked at once (≥ 1); bounds memory under address-spraying floods.
    public let maxTrackedAddresses: Int

    private let trustedNetworks: [TrustedNetwork]

    /// 100 connects/s with a burst of 100, no trusted proxy, 100,000 addresses tracked.
    public static let `default` = RateLimitPolicy(unchecked: 100, burst: 100, trustedProxies: [], networks: [], maxTrackedAddresses: 100_000)

    /// Validates the settings; throws ``PolicyError/invalidRateLimit(_:fileID:line:)`` naming the broken rule.
    public init(connectsPerSecond: Double = 100, burst: Int = 100, trustedProxies: [String] = [], maxTrackedAddresses: Int = 100_000) throws(PolicyError) {
        guard connectsPerSecond.isFinite, connectsPerSecond > 0 else { throw .invalidRateLimit("connectsPerSecond must be a positive number") }
        guard burst >= 1 else { throw .invalidRateLimit("burst must be at least 1") }
        guard maxTrackedAddresses >= 1 else { throw .invalidRateLimit("maxTrackedAddresses must be at least 1") }
        var networks: [TrustedNetwork] = []
        for entry in trustedProxies {
            guard let network = TrustedNetwork(parsing: entry) else {
                throw .invalidRateLimit("trusted proxy '\(entry.prefix(64))' is not an IP address or ADDRESS/PREFIX network")
            }
            networks.append(network)
        }
        self.init(unchecked: connectsPerSecond, burst: burst, trustedProxies: trustedProxies, networks: networks,
                  maxTrackedAddresses: maxTrackedAddresses)
    }

    private init(unchecked connectsPerSecond: Double, burst: Int, trustedProxies: [String], networks: [TrustedNetwork], maxTrackedAddresses: Int) {
        self.connectsPerSecond = connectsPerSecond
        self.burst = burst
        self.trustedProxies = trustedProxies
        trustedNetworks = networks
        self.maxTrackedAddresses = maxTrackedAddresses
    }

    /// Whether `address` is one of the trusted proxies.
    func trusts(_ address: IPAddress) -> Bool {
        trustedNetworks.contains { address.isIn($0.address, prefixLength: $0.prefixLength) }
    }

    /// `ADDRESS` or `ADDRESS/PREFIX`; an IPv4 prefix counts IPv4 bits.
    private struct TrustedNetwork: Sendable, Hashable {
        let address: IPAddress
        let prefixLength: Int

        init?(parsing text: String) {
            let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard let address = IPAddress(parsing: String(parts[0])) else { return nil }
            let width = address.isIPv4 ? 32 : 128
            var length = width
            if parts.count == 2 {
                guard let given = Int(parts[1]), (0...width).contains(given), parts[1].allSatisfy(\.isASCII) else { return nil }
                length = given
            }
            self.address = address
            prefixLength = address.isIPv4 ? 96 + length : length
        }
    }
}
