@testable import CastellanStore
import CastellanAuth
import PostgresNIO
import Testing

/// The connect-path read's own PostgreSQL connection (``PostgresConnectReader``).
@Suite struct PostgresConnectReaderTests {
    @Test func theConnectRead_connectsAgainAfterItsConnectionWasTerminated() async throws {
        let fixture = try await StoreFixture(.postgres)
        let store = fixture.postgres
        let id = try await fixture.addDevice("dev1", groups: ["fleet"])
        #expect(try await store.connectProfile(device: id)?.device.id == id)

        // What a server restart or an administrator does: every other backend of the database,
        // the connect reader's among them, is terminated.
        let terminated = try await store.read { connection in
            try await connection.query("""
                SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()) AS t
                """, logger: store.logger).collect().first?.decode(Int.self)
        }
        #expect((terminated ?? 0) >= 1)

        // The read that meets the dead connection may fail (the caller denies); it is never
        // answered wrongly, and the next read connects again.
        var profile: ConnectProfile?
        for _ in 0..<2 {
            do {
                profile = try await store.connectProfile(device: id)
                break
            } catch {
                #expect(error is StoreError)
            }
        }
        #expect(profile?.device.id == id)
        #expect(profile?.device.groups.map(\.rawValue) == ["fleet"])
        await store.close()
    }
}
