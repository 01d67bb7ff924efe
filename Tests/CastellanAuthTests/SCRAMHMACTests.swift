@testable import CastellanAuth
import Crypto
import Foundation
import Testing
import SupervisionTesting

/// Castellan composes HMAC from swift-crypto's hashes for speed; it must equal `HMAC<H>`.
@Test func scramHMAC_matchesSwiftCryptoForEveryKeyAndMessageLength() {
    var rng = SeededRandom(seed: 2104)
    func random(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) } }
    for keyLength in [0, 1, 20, 32, 63, 64, 65, 127, 128, 129, 300] {
        for dataLength in [0, 1, 55, 56, 64, 111, 112, 128, 200, 1000] {
            let key = random(keyLength), data = random(dataLength)
            let symmetric = SymmetricKey(data: key)
            #expect(SCRAMHashFunction.sha256.hmac(key: key, data)
                == Array(HMAC<SHA256>.authenticationCode(for: data, using: symmetric)))
            #expect(SCRAMHashFunction.sha512.hmac(key: key, data)
                == Array(HMAC<SHA512>.authenticationCode(for: data, using: symmetric)))
            #expect(SCRAMHashFunction.legacySHA1.hmac(key: key, data)
                == Array(HMAC<Insecure.SHA1>.authenticationCode(for: data, using: symmetric)))
            #expect(SCRAMHashFunction.sha256.hash(data) == Array(SHA256.hash(data: data)))
        }
    }
}

@Test func scramHMAC_rfc4231TestCase2() {
    let mac = SCRAMHashFunction.sha256.hmac(key: Array("Jefe".utf8), Array("what do ya want for nothing?".utf8))
    #expect(mac.map { String(format: "%02x", $0) }.joined()
        == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
}
