extension Duration {
    /// The duration in (fractional) seconds, as scenarios and intensities are compared in.
    var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
