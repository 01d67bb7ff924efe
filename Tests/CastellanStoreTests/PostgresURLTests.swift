@testable import CastellanStore
import ServerTesting
import Testing

@Suite("PostgreSQL store URLs")
struct PostgresURLTests {
    @Test func aTCPURL_namesHostPortUserPasswordAndDatabase() throws {
        let url = try PostgresURL(parsing: "postgres://castellan:p%40ss@db.example:6432/fleet?sslmode=verify-full&sslrootcert=/etc/ca.pem")
        #expect(url.endpoint == .tcp(host: "db.example", port: 6432))
        #expect(url.user == "castellan")
        #expect(url.password == "p@ss")
        #expect(url.database == "fleet")
        #expect(url.tlsMode == .verifyFull)
        #expect(url.tlsRootCertificates == "/etc/ca.pem")
    }

    @Test func aTCPURL_defaultsToPort5432_sslmodePrefer_andTheUserAsDatabase() throws {
        let url = try PostgresURL(parsing: "postgresql://castellan@127.0.0.1")
        #expect(url.endpoint == .tcp(host: "127.0.0.1", port: 5432))
        #expect(url.tlsMode == .prefer)
        #expect(url.database == "castellan")
        #expect(url.password == nil)
        #expect(try PostgresURL(parsing: "postgres://u@[::1]:7000/d").endpoint == .tcp(host: "::1", port: 7000))
    }

    @Test(arguments: [
        "postgres://castellan@/fleet?host=/var/run/postgresql",
        "postgres://castellan@%2Fvar%2Frun%2Fpostgresql/fleet",
        "postgres:///fleet?host=/var/run/postgresql&user=castellan",
    ])
    func aUnixSocketURL_namesTheSocketFolder_asLibpqDoes(_ text: String) throws {
        let url = try PostgresURL(parsing: text)
        #expect(url.endpoint == .socket(directory: "/var/run/postgresql", port: 5432))
        #expect(url.endpoint.socketPath == "/var/run/postgresql/.s.PGSQL.5432")
        #expect(url.user == "castellan")
        #expect(url.database == "fleet")
        #expect(url.tlsMode == .disable)
    }

    @Test func aSocketURLsPort_namesTheSocketFile() throws {
        let url = try PostgresURL(parsing: "postgres://u@/d?host=/run/pg/&port=5433")
        #expect(url.endpoint.socketPath == "/run/pg/.s.PGSQL.5433")
    }

    @Test(arguments: [
        ("postgres://u@h/d?sslmod=require", "unknown parameter 'sslmod'"),
        ("postgres://u@h/d?sslmode=sometimes", "sslmode must be one of"),
        ("postgres://u@h:0/d", "port must be"),
        ("postgres://u@h:99999/d", "port must be"),
        ("postgres://u@/d", "no host"),
        ("postgres://u@h/d%zz", "malformed %-escape"),
        ("postgres://u@/d?host=/tmp&sslmode=require", "TCP only"),
        ("postgres://u@[::1/d", "unclosed ["),
        ("mysql://u@h/d", "expected postgres://"),
    ])
    func aMalformedURL_isRefused_sayingWhy(_ text: String, _ fragment: String) {
        let error = #expect(throws: StoreError.self) { _ = try PostgresURL(parsing: text) }
        #expect(error?.description.contains(fragment) == true, "\(String(describing: error))")
    }

    @Test func aStoreURL_hidesEveryPassword() throws {
        #expect(try StoreURL(parsing: "postgres://u:secret@h/d", relativeTo: "/").description == "postgres://u:***@h/d")
        #expect(try StoreURL(parsing: "postgres://u@h/d?password=secret&sslmode=require", relativeTo: "/").description
            == "postgres://u@h/d?password=***&sslmode=require")
        #expect(try StoreURL(parsing: "postgres://u@/d?host=/run/pg", relativeTo: "/").description == "postgres://u@/d?host=/run/pg")
    }

    @Test func theTCPForm_reachesTheTestServer_too() async throws {
        let database = try await PostgresServer.shared.makeDatabase()
        let store = try await PostgresStore.open(PostgresURL(parsing: database.tcpURL), masterKey: MasterKey.generate())
        #expect(try await store.appliedMigrations() == PostgresSchema.versions)
        await store.close()
    }

    @Test func aRefusedLogin_failsAtOpen_withTheServersReason() async throws {
        let database = try await PostgresServer.shared.makeDatabase()
        let url = try PostgresURL(parsing: database.socketURL.replacingOccurrences(of: "postgres://postgres@", with: "postgres://nobody@"))
        let error = await #expect(throws: StoreError.self) { _ = try await PostgresStore.open(url, masterKey: MasterKey.generate()) }
        #expect(error?.description.contains("nobody") == true, "\(String(describing: error))")
    }
}
