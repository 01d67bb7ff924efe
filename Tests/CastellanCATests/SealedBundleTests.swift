import CastellanAuth
import CastellanCA
import Crypto
import Foundation
import Testing
import X509

/// A bundle proves who sealed it: the CA signs it, and the device opens only what the CA it
/// already trusts signed. Anyone else — even with the device's public key — is refused.
@Suite struct SealedBundleTests {
    let device = try! DeviceID("dev1")
    let files: [String: [UInt8]] = ["device.key": Array("-----BEGIN PRIVATE KEY-----".utf8), "scram.password": Array("s3cret".utf8)]
    let ca = try! SealedBundleTests.makeCA()

    /// A fresh CA, held in memory (its folder goes away at once).
    static func makeCA() throws -> CertificateAuthority {
        let scratch = try Scratch()
        return try CertificateAuthority.create(in: scratch.path, subject: try DistinguishedName(parsing: "CN=Bundle CA"))
    }

    @Test func genuineBundle_opensWithTheDeviceKey_andTheTrustedCA_intoTheSameFiles() throws {
        let key = try XWingMLKEM768X25519.PrivateKey.generate()
        let bundle = try SealedBundle.seal(files, for: device, to: key.publicKey, signedBy: ca)
        #expect(try SealedBundle.open(bundle, as: device, with: key, trusting: ca.certificate) == files)
        #expect(try SealedBundle.open(bundle, with: key, trusting: ca.certificate).device == device)
        #expect(!String(decoding: bundle, as: UTF8.self).contains("s3cret"))
    }

    @Test func bundleForgedWithOnlyTheDevicesPublicKey_isRefused() throws {
        let key = try XWingMLKEM768X25519.PrivateKey.generate()
        let trusted = ca.certificate
        // 1. HPKE base mode to the device's public key, as anyone holding pump1.pub can do:
        //    unsigned, with a made-up signature, and in the old unsigned format (version 1).
        for (version, signature) in [(2, nil), (2, Data(repeating: 0x30, count: 72)), (1, nil)] as [(Int, Data?)] {
            let forged = try forge(files, to: key.publicKey, version: version, signature: signature)
            #expect(throws: CAError.self) { try SealedBundle.open(forged, with: key, trusting: trusted) }
        }
        // 2. Sealed and signed by the attacker's own CA (which it then ships as ca.pem inside).
        let rogue = try Self.makeCA()
        let rogueBundle = try SealedBundle.seal(files, for: device, to: key.publicKey, signedBy: rogue)
        #expect(throws: CAError.self) { try SealedBundle.open(rogueBundle, with: key, trusting: trusted) }
        #expect(try SealedBundle.open(rogueBundle, with: key, trusting: rogue.certificate).device == device, "only the trust differs")
        // 3. A genuine signature moved onto the attacker's own ciphertext.
        let genuine = try json(SealedBundle.seal(files, for: device, to: key.publicKey, signedBy: ca))
        var spliced = try json(try forge(["device.key": Array("evil".utf8)], to: key.publicKey, version: 2, signature: nil))
        spliced["signature"] = genuine["signature"]
        #expect(throws: CAError.self) { try SealedBundle.open(try bytes(spliced), with: key, trusting: trusted) }
    }

    @Test func tamperedBundle_wrongKey_andAnotherDevicesBundle_areRefused() throws {
        let key = try XWingMLKEM768X25519.PrivateKey.generate()
        let trusted = ca.certificate
        let bundle = try SealedBundle.seal(files, for: device, to: key.publicKey, signedBy: ca)
        for field in ["ciphertext", "enc", "signature"] {
            var json = try json(bundle)
            var data = try #require(Data(base64Encoded: json[field] as? String ?? ""))
            data[data.count / 2] ^= 0x01
            json[field] = data.base64EncodedString()
            #expect(throws: CAError.self, "\(field) flipped") { try SealedBundle.open(try bytes(json), as: device, with: key, trusting: trusted) }
        }
        #expect(throws: CAError.self) {
            try SealedBundle.open(bundle, as: device, with: try XWingMLKEM768X25519.PrivateKey.generate(), trusting: trusted)
        }
        #expect(throws: CAError.self) { try SealedBundle.open(bundle, as: try DeviceID("dev2"), with: key, trusting: trusted) }
        // Relabelling the header for another device does not help: the id is signed and bound into HPKE.
        var relabelled = try json(bundle)
        relabelled["device"] = "dev2"
        #expect(throws: CAError.self) { try SealedBundle.open(try bytes(relabelled), as: try DeviceID("dev2"), with: key, trusting: trusted) }
        #expect(throws: CAError.self) { try SealedBundle.open(Array("not json".utf8), as: device, with: key, trusting: trusted) }
    }

    /// What an attacker with only the device's public key can build: a well-formed envelope.
    private func forge(_ files: [String: [UInt8]], to recipient: XWingMLKEM768X25519.PublicKey, version: Int, signature: Data?) throws -> [UInt8] {
        let binding = Data("castellan-bundle/\(version)/\(device.rawValue)".utf8)
        var sender = try HPKE.Sender(recipientKey: recipient, ciphersuite: .XWingMLKEM768X25519_SHA256_AES_GCM_256, info: binding)
        let ciphertext = try sender.seal(try JSONEncoder().encode(files.mapValues { Data($0) }), authenticating: binding)
        var envelope: [String: Any] = [
            "format": "castellan-bundle", "version": version, "device": device.rawValue, "suite": SealedBundle.suiteName,
            "enc": sender.encapsulatedKey.base64EncodedString(), "ciphertext": ciphertext.base64EncodedString(),
        ]
        if let signature { envelope["signature"] = signature.base64EncodedString() }
        return try bytes(envelope)
    }

    private func json(_ bundle: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bundle)) as? [String: Any])
    }

    private func bytes(_ json: [String: Any]) throws -> [UInt8] { Array(try JSONSerialization.data(withJSONObject: json)) }
}

@Suite struct MixedEntropyTests {
    @Test func mixedOutput_hasTheRequestedLength_andIsNotTheExtraSourcesBytes() throws {
        let extra = [UInt8](repeating: 0x42, count: 32)
        let mixed = MixedEntropy { count in Array(extra.prefix(count)) }
        let a = try mixed.bytes(32), b = try mixed.bytes(32)
        #expect(a.count == 32 && a != extra && a != b)
    }

    @Test func shortOrFailingExtraSource_isAnError_notAFallback() throws {
        #expect(throws: (any Error).self) { try MixedEntropy { count in [UInt8](repeating: 1, count: count - 1) }.bytes(16) }
        #expect(throws: (any Error).self) { try MixedEntropy(extraPath: "/nonexistent/qrng").bytes(16) }
        let scratch = try Scratch()
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: scratch.file("short")))
        #expect(throws: (any Error).self) { try MixedEntropy(extraPath: scratch.file("short")).bytes(16) }
    }
}
