@testable import CastellanStore
import Foundation
import PostgresNIO
import ServerTesting
import Testing

/// The first device to connect does not pay for the cold path: the service reads once through
/// the connect path before it listens, so on PostgreSQL that read's connection is open and its
/// statement prepared (opening it took 30 ms on a busy machine — beyond the plugin's deadline).
@Suite struct ConnectPathWarmUpTests {
    @Test func aServiceOnPostgres_hasOpenedItsConnectReadConnection_beforeAnyDeviceConnects() async throws {
        let database = try await PostgresServer.shared.makeDatabase()
        try await withFixtures { fixtures in
            let service = try await fixtures.service(store: database.socketURL)
            let store = try await PostgresStore.open(PostgresURL(parsing: database.socketURL),
                                                     masterKey: MasterKey.load(from: service.configuration.masterKeyFile))
            let readers = try await store.read { connection in
                try await connection.query("""
                    SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
                    AND query LIKE '%ARRAY(SELECT g.group_name FROM device_groups g WHERE g.device_id = d.id)%'
                    """, logger: store.logger).collect().first?.decode(Int.self)
            }
            await store.close()
            #expect(readers == 1)
        }
    }
}
