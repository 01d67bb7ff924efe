import CastellanAuth
import CastellanCA
import Crypto
import Foundation
import Testing

@Suite struct SealedBundleTests {
    let device = try! DeviceID("dev1")
    let files: [String: [UInt8]] = ["device.key": Array("-----BEGIN PRIVATE KEY-----".utf8), "scram.password": Array("s3cret".utf8)]

    @Test func bundle_opensWithTheDeviceKey_intoTheSameFiles() throws {
        let key = try XWingMLKEM768X25519.PrivateKey.generate()
        let bundle = try SealedBundle.seal(files, for: device, to: key.publicKey)
        #expect(try SealedBundle.open(bundle, as: device, with: key) == files)
        #expect(!String(decoding: bundle, as: UTF8.self).contains("s3cret"))
    }

    @Test func tamperedBundle_wrongKey_andAnotherDevicesBundle_areRefused() throws {
        let key = try XWingMLKEM768X25519.PrivateKey.generate()
        let bundle = try SealedBundle.seal(files, for: device, to: key.publicKey)
        var json = try #require(try JSONSerialization.jsonObject(with: Data(bundle)) as? [String: Any])
        var ciphertext = try #require(Data(base64Encoded: json["ciphertext"] as? String ?? ""))
        ciphertext[ciphertext.count / 2] ^= 0x01
        json["ciphertext"] = ciphertext.base64EncodedString()
        let tampered = Array(try JSONSerialization.data(withJSONObject: json))
        #expect(throws: CAError.self) { try SealedBundle.open(tampered, as: device, with: key) }
        #expect(throws: CAError.self) {
            try SealedBundle.open(bundle, as: device, with: try XWingMLKEM768X25519.PrivateKey.generate())
        }
        #expect(throws: CAError.self) { try SealedBundle.open(bundle, as: try DeviceID("dev2"), with: key) }
        // Relabelling the header for another device does not help: the id is bound into HPKE.
        json = try #require(try JSONSerialization.jsonObject(with: Data(bundle)) as? [String: Any])
        json["device"] = "dev2"
        let relabelled = Array(try JSONSerialization.data(withJSONObject: json))
        #expect(throws: CAError.self) { try SealedBundle.open(relabelled, as: try DeviceID("dev2"), with: key) }
        #expect(throws: CAError.self) { try SealedBundle.open(Array("not json".utf8), as: device, with: key) }
    }
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
