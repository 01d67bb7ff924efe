import CastellanAuth
import Testing
import X509

/// The certs-only PKCS#7 message EST answers with (openssl's reading of it is in ESTEndToEndTests).
@Suite struct CertsOnlyPKCS7Tests {
    @Test func certificates_comeBackFromTheirMessage_inDEROrder() throws {
        let root = try TestPKI.rootCA()
        let intermediate = try TestPKI.intermediateCA(issuedBy: root)
        let message = try CertsOnlyPKCS7.encode([intermediate.certificate, root.certificate])
        let decoded = try CertsOnlyPKCS7.decode(message)
        #expect(Set(decoded) == Set([intermediate.certificate, root.certificate]))
        // SignedData: version 1, no digest algorithms, no signers.
        #expect(message.starts(with: [0x30]))
        #expect(try CertsOnlyPKCS7.decode(CertsOnlyPKCS7.encode([])) == [])
    }

    @Test func somethingElse_isRefused() throws {
        let root = try TestPKI.rootCA()
        #expect(throws: (any Error).self) { try CertsOnlyPKCS7.decode(try TestPKI.der(root.certificate)) }
        #expect(throws: (any Error).self) { try CertsOnlyPKCS7.decode([0x30, 0x00]) }
        #expect(throws: (any Error).self) { try CertsOnlyPKCS7.decode([]) }
    }
}
