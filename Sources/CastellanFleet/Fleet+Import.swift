import CastellanStore

extension Fleet {
    /// Applies an import (`castellan import`) in one transaction: new devices with their
    /// imported password hashes, bound client ids, groups and rules; devices already present keep
    /// their credential. ``FleetError/Kind/conflict`` if a new device's id or bound client id is
    /// another stored device's client id (nothing is imported then).
    public func importFleet(_ batch: FleetImport) async throws -> FleetImportResult {
        do {
            return try await store.importFleet(batch)
        } catch let error as StoreError where error.isClientIDTaken {
            throw FleetError.conflict("\(error); nothing imported")
        }
    }
}
