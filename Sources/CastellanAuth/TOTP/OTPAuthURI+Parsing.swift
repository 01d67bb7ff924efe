extension OTPAuthURI {
    /// Parses a key URI strictly; any input yields a value or an ``OTPAuthURIError``, never a trap.
    ///
    /// Accepted: scheme and type in any case; a label `ISSUER:ACCOUNT` or `ACCOUNT`, percent-encoded,
    /// with the colon literal or as `%3A` and optional spaces before the account; parameters
    /// `secret` (required; base32, padding optional, either case, ≥ 160 bits), `issuer`
    /// (must equal the label's prefix when both are given), `algorithm`, `digits` (6–8) and
    /// `period` (1–300) — defaults SHA1, 6, 30.
    ///
    /// Refused: raw bytes outside printable ASCII, a fragment, a raw `/` in the label,
    /// duplicate or unknown parameters (including `image`, `counter`), empty query parts,
    /// `+` signs or non-digits in numbers, and HOTP URIs.
    public init(parsing text: String) throws(OTPAuthURIError) {
        let bytes = Array(text.utf8)
        guard bytes.count <= Self.maxLength else { throw .tooLong() }
        guard bytes.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "#") }) else { throw .malformed() }

        let scheme = Array("otpauth://".utf8)
        guard bytes.count >= scheme.count,
              zip(bytes, scheme).allSatisfy({ Self.lowercased($0) == $1 })
        else { throw .invalidScheme() }

        let rest = bytes[scheme.count...]
        guard let slash = rest.firstIndex(of: UInt8(ascii: "/")) else { throw .malformed() }
        guard rest[..<slash].map(Self.lowercased) == Array("totp".utf8) else { throw .unsupportedType() }

        let afterType = rest[(slash + 1)...]
        let question = afterType.firstIndex(of: UInt8(ascii: "?")) ?? afterType.endIndex
        let labelBytes = afterType[..<question]
        guard !labelBytes.contains(UInt8(ascii: "/")) else { throw .invalidLabel() }
        let (labelIssuer, account) = try Self.parseLabel(PercentEncoding.decode(labelBytes))

        let parameters = question < afterType.endIndex ? try Self.parseQuery(afterType[(question + 1)...]) : [:]
        guard let secretText = parameters["secret"] else { throw .missingSecret() }
        let secret: TOTPSecret
        do { secret = try TOTPSecret(base32: secretText) } catch { throw .invalidSecret(error) }

        let algorithm: OTPAlgorithm
        do { algorithm = try parameters["algorithm"].map(OTPAlgorithm.init(parsing:)) ?? .sha1 } catch { throw .invalidAlgorithm() }
        guard let digits = Self.number(parameters["digits"], default: 6), HOTP.digitsRange.contains(digits) else { throw .invalidDigits() }
        guard let period = Self.number(parameters["period"], default: 30), TOTP.periodRange.contains(period) else { throw .invalidPeriod() }

        var issuer = labelIssuer
        if let parameterIssuer = parameters["issuer"] {
            guard Self.isValidName(parameterIssuer) else { throw .invalidIssuer() }
            if let labelIssuer, labelIssuer != parameterIssuer { throw .issuerMismatch() }
            issuer = parameterIssuer
        }

        let totp: TOTP
        do { totp = try TOTP(secret: secret, algorithm: algorithm, digits: digits, period: period) } catch { throw .invalidSecret(error) }
        try self.init(issuer: issuer, account: account, totp: totp)
    }

    /// Splits `ISSUER:ACCOUNT` (at most one colon; spaces after it are dropped, as the format allows).
    private static func parseLabel(_ label: String) throws(OTPAuthURIError) -> (issuer: String?, account: String) {
        let parts = label.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            return (nil, label)
        case 2:
            let issuer = String(parts[0])
            let account = String(parts[1].drop { $0 == " " })
            guard isValidName(issuer), isValidName(account) else { throw .invalidLabel() }
            return (issuer, account)
        default:
            throw .invalidLabel()
        }
    }

    private static let knownParameters: Set<String> = ["secret", "issuer", "algorithm", "digits", "period"]

    private static func parseQuery(_ query: ArraySlice<UInt8>) throws(OTPAuthURIError) -> [String: String] {
        var parameters: [String: String] = [:]
        for part in query.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: false) {
            guard let equals = part.firstIndex(of: UInt8(ascii: "=")), equals > part.startIndex else { throw .malformed() }
            let name = String(decoding: part[..<equals], as: UTF8.self)
            guard knownParameters.contains(name) else { throw .unknownParameter() }
            guard parameters[name] == nil else { throw .duplicateParameter(name) }
            parameters[name] = try PercentEncoding.decode(part[(equals + 1)...])
        }
        return parameters
    }

    /// A plain decimal number: ASCII digits only (no sign, no spaces), at most 9 of them.
    private static func number(_ text: String?, default defaultValue: Int) -> Int? {
        guard let text else { return defaultValue }
        guard (1...9).contains(text.utf8.count), text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int(text)
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }
}
