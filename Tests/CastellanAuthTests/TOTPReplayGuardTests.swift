import Testing
import CastellanAuth

private let dev1 = try! DeviceID("dev1")
private let dev2 = try! DeviceID("dev2")

@Test func replayGuard_sameStepTwice_isAcceptedOnce() async throws {
    let guardian = InMemoryReplayGuard()
    let replay: any TOTPReplayGuard = guardian
    #expect(try await replay.accept(step: 100, for: dev1))
    #expect(try await !replay.accept(step: 100, for: dev1))
}

@Test func replayGuard_olderStepAfterNewer_isRefused() async throws {
    let guardian = InMemoryReplayGuard()
    let replay: any TOTPReplayGuard = guardian
    #expect(try await replay.accept(step: 101, for: dev1))
    #expect(try await !replay.accept(step: 100, for: dev1))
    #expect(try await replay.accept(step: 102, for: dev1))
}

@Test func replayGuard_devices_areIndependent() async throws {
    let guardian = InMemoryReplayGuard()
    let replay: any TOTPReplayGuard = guardian
    #expect(try await replay.accept(step: 100, for: dev1))
    #expect(try await replay.accept(step: 100, for: dev2))
    #expect(await guardian.lastAcceptedStep(for: dev1) == 100)
}

@Test func replayGuard_firstStepZero_isAccepted() async throws {
    let guardian = InMemoryReplayGuard()
    let replay: any TOTPReplayGuard = guardian
    #expect(try await replay.accept(step: 0, for: dev1))
    #expect(try await !replay.accept(step: 0, for: dev1))
    #expect(try await !replay.accept(step: -1, for: dev2))
}

@Test func replayGuard_racingConnectionsWithOneCode_exactlyOneWins() async throws {
    let guardian = InMemoryReplayGuard()
    let replay: any TOTPReplayGuard = guardian
    let winners = await withTaskGroup(of: Bool.self) { group in
        for _ in 0..<200 { group.addTask { (try? await replay.accept(step: 7, for: dev1)) ?? false } }
        return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
    }
    #expect(winners == 1)
}

@Test func replayGuard_forget_allowsAReEnrolledDeviceToStartOver() async throws {
    let guardian = InMemoryReplayGuard()
    let replay: any TOTPReplayGuard = guardian
    #expect(try await replay.accept(step: 500, for: dev1))
    await guardian.forget(dev1)
    #expect(try await replay.accept(step: 10, for: dev1))
}

// MARK: - Verification with the guard

private let totp = try! TOTP(secret: TOTPSecret(bytes: Array("12345678901234567890".utf8)))

@Test func verifyOnce_freshCode_isAcceptedThenTheSameCodeIsAReplay() async throws {
    let guardian = InMemoryReplayGuard()
    let replay: any TOTPReplayGuard = guardian
    let code = try totp.code(at: 1_000)
    let first = try await totp.verifyOnce(code, at: 1_000, window: 1, device: dev1, replayGuard: replay)
    #expect(first == .accepted(step: 33))
    let second = try await totp.verifyOnce(code, at: 1_010, window: 1, device: dev1, replayGuard: replay)
    #expect(second == .denied(.totpReplay()))
    #expect(second.denialReason?.code == "totp_replay")
}

@Test func verifyOnce_previousStepAfterCurrent_isAReplay() async throws {
    let guardian = InMemoryReplayGuard()
    let replay: any TOTPReplayGuard = guardian
    let current = try totp.code(at: 1_000), previous = try totp.code(at: 970)
    #expect(try await totp.verifyOnce(current, at: 1_000, window: 1, device: dev1, replayGuard: replay) == .accepted(step: 33))
    #expect(try await totp.verifyOnce(previous, at: 1_000, window: 1, device: dev1, replayGuard: replay) == .denied(.totpReplay()))
}

@Test func verifyOnce_wrongCode_isBadCredentialsAndRecordsNothing() async throws {
    let guardian = InMemoryReplayGuard()
    let replay: any TOTPReplayGuard = guardian
    let code = try totp.code(at: 1_000)
    let wrong = code == "000000" ? "000001" : "000000"
    let outcome = try await totp.verifyOnce(wrong, at: 1_000, window: 1, device: dev1, replayGuard: replay)
    #expect(outcome.denialReason?.code == "bad_credentials")
    #expect(await guardian.lastAcceptedStep(for: dev1) == nil)
}
