import Foundation
import SwiftASN1
import X509

extension DistinguishedName {
    /// Parses an operator's subject such as `CN=Castellan Device CA,O=Example,C=DE`.
    ///
    /// Written as RFC 4514 writes names — most specific first — so the parsed name prints back
    /// as it was typed (swift-certificates' `description` follows RFC 4514 too). Each pair
    /// becomes a structured attribute through swift-certificates' name builders (`CommonName`,
    /// `OrganizationName`…); no text is ever re-parsed. Only the attributes a device CA needs are
    /// known (CN, O, OU, C, ST, L); anything else, an empty value, or a value holding a
    /// character RFC 4514 would have to escape (`,` `=` `+` `"` `\` `<` `>` `;`, control
    /// characters) is refused rather than guessed at.
    public init(parsing text: String) throws(CAError) {
        var attributes: [any RelativeDistinguishedNameConvertible] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, !pair[1].isEmpty else { throw .invalid("subject '\(text)': expected KEY=VALUE pairs separated by commas") }
            let value = pair[1]
            guard !value.unicodeScalars.contains(where: { "=+\"\\<>;".unicodeScalars.contains($0) || $0.properties.generalCategory == .control })
            else { throw .invalid("subject '\(text)': \(pair[0]) value holds a character names cannot carry (= + \" \\ < > ; or a control character)") }
            switch pair[0].uppercased() {
            case "CN": attributes.append(CommonName(value))
            case "O": attributes.append(OrganizationName(value))
            case "OU": attributes.append(OrganizationalUnitName(value))
            case "ST": attributes.append(StateOrProvinceName(value))
            case "L": attributes.append(LocalityName(value))
            case "C":
                guard value.count == 2, value.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                    throw .invalid("subject '\(text)': C must be a two-letter country code")
                }
                attributes.append(CountryName(value))
            default: throw .invalid("subject '\(text)': unknown attribute '\(pair[0])' (known: CN, O, OU, C, ST, L)")
            }
        }
        let rdns: [RelativeDistinguishedName]
        do {
            // The DER sequence runs from the root down: the reverse of the text.
            rdns = try attributes.reversed().map { try $0.makeRDN() }
        } catch {
            throw .invalid("subject '\(text)': a value is not allowed: \(error)")
        }
        self.init(rdns)
    }

    /// A name holding one common name, built as a structured attribute: whatever `commonName`
    /// holds stays one CN value and can never become another attribute.
    static func commonName(_ commonName: String) throws(CAError) -> DistinguishedName {
        do { return try DistinguishedName { CommonName(commonName) } } catch { throw .invalid("cannot build a subject: \(error)") }
    }
}
