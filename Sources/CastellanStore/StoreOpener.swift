/// Opens the backend a ``StoreURL`` names.
public enum StoreOpener {
    /// Opens (and migrates) the store; `postgres://` URLs are refused with
    /// ``StoreError/postgresNotBuilt(fileID:line:)`` until that backend exists.
    public static func open(_ url: StoreURL, masterKey: MasterKey) throws -> any CredentialStore {
        switch url {
        case .sqlite(let path): return try SQLiteStore(path: path, masterKey: masterKey)
        case .postgres: throw StoreError.postgresNotBuilt()
        }
    }
}
