/// Finds `castellan.yaml`: `--config FILE`, else `$CASTELLAN_CONFIG`, else `./castellan.yaml`.
public enum ConfigurationLocator {
    /// The environment variable consulted when no `--config` is given.
    public static let environmentVariable = "CASTELLAN_CONFIG"
    /// The file name looked for in the working directory, and written by `castellan init`.
    public static let defaultFileName = "castellan.yaml"

    /// The configuration path to use, absolute.
    ///
    /// - Parameters:
    ///   - option: the `--config` value, if given (wins over everything).
    ///   - environment: the process environment.
    ///   - workingDirectory: where relative paths (option, variable, default) are resolved.
    public static func locate(option: String?, environment: [String: String], workingDirectory: String) -> String {
        let chosen: String
        if let option, !option.isEmpty {
            chosen = option
        } else if let variable = environment[environmentVariable], !variable.isEmpty {
            chosen = variable
        } else {
            chosen = defaultFileName
        }
        return PathResolution.resolve(chosen, relativeTo: workingDirectory)
    }
}
