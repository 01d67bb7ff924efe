import Foundation
import SwiftASN1
import X509

extension DistinguishedName {
    /// Parses an operator's subject such as `CN=Castellan Device CA,O=Example,C=DE`.
    ///
    /// Only the attributes a device CA needs are known (CN, O, OU, C, ST, L); anything else,
    /// an empty value, or a comma inside a value is refused rather than guessed at.
    public init(parsing text: String) throws(CAError) {
        var attributes: [RelativeDistinguishedName] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, !pair[1].isEmpty else { throw .invalid("subject '\(text)': expected KEY=VALUE pairs separated by commas") }
            let type: ASN1ObjectIdentifier
            switch pair[0].uppercased() {
            case "CN": type = .RDNAttributeType.commonName
            case "O": type = .RDNAttributeType.organizationName
            case "OU": type = .RDNAttributeType.organizationalUnitName
            case "C": type = .RDNAttributeType.countryName
            case "ST": type = .RDNAttributeType.stateOrProvinceName
            case "L": type = .RDNAttributeType.localityName
            default: throw .invalid("subject '\(text)': unknown attribute '\(pair[0])' (known: CN, O, OU, C, ST, L)")
            }
            if type == .RDNAttributeType.countryName {
                guard pair[1].count == 2, pair[1].allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                    throw .invalid("subject '\(text)': C must be a two-letter country code")
                }
            }
            do {
                let attribute = type == .RDNAttributeType.countryName
                    ? try RelativeDistinguishedName.Attribute(type: type, printableString: pair[1])
                    : RelativeDistinguishedName.Attribute(type: type, utf8String: pair[1])
                attributes.append(RelativeDistinguishedName(attribute))
            } catch {
                throw .invalid("subject '\(text)': \(pair[0]) value is not allowed")
            }
        }
        self.init(attributes)
    }
}
