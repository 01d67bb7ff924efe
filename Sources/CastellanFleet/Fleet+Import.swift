import CastellanStore

extension Fleet {
    /// Applies an import (`castellan import`) in one transaction: new devices with their
    /// imported password hashes, groups and rules; devices already present keep their credential.
    public func importFleet(_ batch: FleetImport) async throws -> FleetImportResult {
        try await store.importFleet(batch)
    }
}
