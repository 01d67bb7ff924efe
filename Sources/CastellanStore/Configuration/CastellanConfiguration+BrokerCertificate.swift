import Foundation

extension CastellanConfiguration {
    /// Where `castellan cert server --out PREFIX` records PREFIX: a one-line file in the CA folder.
    public var brokerCertificateRecord: String { caDirectory + "/broker-certificate" }

    /// The broker certificate's PREFIX (`PREFIX.pem`, `PREFIX.key`): the one `cert server`
    /// recorded, else `broker` beside the configuration file.
    ///
    /// One answer for `castellan mosquitto-conf`, which gives the files to mosquitto, and for the
    /// service, which binds SCRAM `-PLUS` exchanges to that certificate: if they differed, every
    /// `-PLUS` exchange would fail (closed).
    public var brokerCertificatePrefix: String {
        let recorded = (try? String(contentsOfFile: brokerCertificateRecord, encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard let recorded, !recorded.isEmpty else { return directory + "/broker" }
        return recorded
    }
}
