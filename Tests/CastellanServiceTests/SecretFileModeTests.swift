import CastellanStore
import Foundation
import SupervisionTesting
import Testing

/// Secrets are checked where they are read: `castellan serve` refuses an admin token file that
/// group or others can read, as it refuses such a master key, before it starts anything.
@Suite struct SecretFileModeTests {
    @Test func serve_withAnAdminTokenFileOthersCanRead_exitsNonZero_namingTheFileAndTheFix() async throws {
        let directory = TemporaryDirectory()
        let setup = try await CastellanSetup.create(in: directory.path)
        let configuration = try CastellanConfiguration.load(setup.configuration)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: configuration.adminTokenFile)

        let serve = try await CLIProcess.run(["serve"], config: setup.configuration, terminateAfter: .seconds(60))
        #expect(serve.status != 0)
        #expect(serve.error.contains("cannot use the admin token file \(configuration.adminTokenFile)"), "\(serve.error)")
        #expect(serve.error.contains("chmod 600 \(configuration.adminTokenFile)"), "\(serve.error)")
        #expect(!FileManager.default.fileExists(atPath: configuration.bridgeSocket), "refused before the bridge socket exists")
    }
}
