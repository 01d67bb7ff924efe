/// Resolves configured paths: absolute ones as given, relative ones against a base folder.
enum PathResolution {
    static func resolve(_ path: String, relativeTo base: String) -> String {
        if path.hasPrefix("/") { return path }
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        return trimmed.isEmpty ? path : "\(trimmed)/\(path)"
    }
}
