/// The server steps chained with the caller's async lookup and TOTP check.
extension SCRAMServer {
    /// Steps 1 and 2: parses client-first, looks the user up, returns server-first.
    ///
    /// `lookup` returns `nil` for an unknown user (the exchange goes on with a fake salt and
    /// fails at the proof). An error thrown by `lookup` is an infrastructure failure: it is
    /// rethrown unchanged and the exchange is failed.
    public mutating func handleClientFirst(
        _ message: [UInt8],
        lookup: (_ username: String) async throws -> SCRAMAccount?,
        isolation: isolated (any Actor)? = #isolation
    ) async throws -> [UInt8] {
        let username = try receiveClientFirst(message)
        let account: SCRAMAccount?
        do { account = try await lookup(username) } catch {
            abandon()
            throw error
        }
        return try respond(to: account)
    }

    /// Steps 3 and 4: verifies client-final, runs `totpCheck` when the account needs TOTP,
    /// returns server-final.
    ///
    /// `totpCheck` is called only after the proof verified, so a client without the password
    /// can neither probe codes nor burn the device's TOTP step. Its errors are rethrown
    /// unchanged and fail the exchange.
    public mutating func handleClientFinal(
        _ message: [UInt8],
        totpCheck: (_ username: String, _ code: String) async throws -> Bool,
        isolation: isolated (any Actor)? = #isolation
    ) async throws -> [UInt8] {
        switch try receiveClientFinal(message) {
        case .success(let serverFinal):
            return serverFinal
        case .checkTOTP(let username, let code):
            let accepted: Bool
            do { accepted = try await totpCheck(username, code) } catch {
                abandon()
                throw error
            }
            return try completeTOTP(accepted: accepted)
        }
    }
}
