import CastellanChaos
import Testing

@Suite struct ChaosInvariantsTests {
    typealias Attempt = ChaosFacts.Attempt
    typealias Event = ChaosFacts.Event

    /// A clean run: 1000 valid grants, 10 invalid and 2 replays denied, two kills each exited and restarted.
    static func clean() -> ChaosFacts {
        var facts = ChaosFacts(started: 0, faultsStarted: 4, ended: 16)
        let valid: [Attempt] = (0..<1000).map { index in
            Attempt(method: .password, credential: .valid, start: Double(index) / 100, seconds: 0.01, outcome: .granted)
        }
        let invalid: [Attempt] = (0..<10).map { index in
            Attempt(method: .scram, credential: .invalid, start: Double(index), seconds: 0.01, outcome: .denied)
        }
        let replays: [Attempt] = (0..<2).map { index in
            Attempt(method: .totp, credential: .replay, start: Double(index) + 5, seconds: 0.01, outcome: .denied)
        }
        facts.attempts = valid + invalid + replays
        facts.kills = [.init(time: 5, path: "/castellan/auth/scram/1"), .init(time: 6, path: "/castellan/auth/password/2")]
        facts.events = [
            Event(time: 5.01, path: "/castellan/auth/scram/1", event: "child_exited"),
            Event(time: 5.02, path: "/castellan/auth/scram/1", event: "child_restarted"),
            Event(time: 6.01, path: "/castellan/auth/password/2", event: "child_exited"),
            Event(time: 6.02, path: "/castellan/auth/password/2", event: "child_restarted"),
        ]
        facts.metricRestarts = 2
        return facts
    }

    static func verdict(_ name: String, _ facts: ChaosFacts) -> ChaosInvariants.Verdict? {
        ChaosInvariants.evaluate(facts).first { $0.name == name }
    }

    @Test func aCleanRun_passesEveryInvariant() {
        let verdicts = ChaosInvariants.evaluate(Self.clean())
        #expect(verdicts.count == 7)
        let failed = verdicts.filter { !$0.passed }
        #expect(failed.isEmpty, "\(failed)")
    }

    @Test func oneGrantForWrongCredentials_fails() {
        var facts = Self.clean()
        facts.attempts.append(Attempt(method: .certificate, credential: .invalid, start: 7, seconds: 0.1, outcome: .granted))
        #expect(Self.verdict("invalid_credentials_never_granted", facts)?.passed == false)
    }

    @Test func oneAcceptedReplay_fails() {
        var facts = Self.clean()
        facts.attempts.append(Attempt(method: .totp, credential: .replay, start: 7, seconds: 0.1, outcome: .granted))
        #expect(Self.verdict("totp_replays_never_accepted", facts)?.passed == false)
    }

    @Test func aKillWithoutItsRestart_fails_unlessASupervisorAboveGaveUp() {
        var facts = Self.clean()
        facts.events.removeAll { $0.path == "/castellan/auth/scram/1" && $0.event == "child_restarted" }
        facts.metricRestarts = 1
        #expect(Self.verdict("every_kill_exits_and_restarts", facts)?.passed == false)
        facts.events.append(Event(time: 5.03, path: "/castellan/auth", event: "intensity_exceeded"))
        #expect(Self.verdict("every_kill_exits_and_restarts", facts)?.passed == true)
    }

    @Test func aKillWithTwoExits_fails() {
        var facts = Self.clean()
        facts.events.append(Event(time: 6.5, path: "/castellan/auth/password/2", event: "child_exited"))
        #expect(Self.verdict("every_kill_exits_and_restarts", facts)?.passed == false)
    }

    @Test func metricsThatDisagreeWithTheStream_fail() {
        var facts = Self.clean()
        facts.metricRestarts = 3
        #expect(Self.verdict("metrics_count_every_restart", facts)?.passed == false)
        facts.metricRestarts = nil
        #expect(Self.verdict("metrics_count_every_restart", facts)?.passed == false)
    }

    @Test func validFailures_inTheSIGKILLWindow_doNotCount_butOutsideItTheyDo() {
        var facts = Self.clean()
        let failures = (0..<50).map { Attempt(method: .scram, credential: .valid, start: 8 + Double($0) / 100, seconds: 0.01, outcome: .denied) }
        facts.attempts += failures
        #expect(Self.verdict("valid_attempts_succeed", facts)?.passed == false)
        facts.serviceKill = ChaosFacts.Window(start: 7.9, end: 8.2)
        #expect(Self.verdict("valid_attempts_succeed", facts)?.passed == true)
    }

    @Test(arguments: [ChaosScenario.Method.password, .certificate, .totp])
    func oneLostValidConnect_ofAOneRequestMethod_fails(method: ChaosScenario.Method) {
        var facts = Self.clean()
        facts.attempts += (0..<5000).map { Attempt(method: method, credential: .valid, start: 12 + Double($0) / 1000, seconds: 0.001, outcome: .granted) }
        #expect(Self.verdict("valid_attempts_succeed", facts)?.passed == true)
        facts.attempts.append(Attempt(method: method, credential: .valid, start: 12, seconds: 0.01, outcome: .failed))
        let valid = facts.attempts.filter { $0.method == method && $0.credential == .valid }.count
        let verdict = Self.verdict("valid_attempts_succeed", facts)
        #expect(verdict?.passed == false)
        #expect(verdict?.detail.contains("\(method.rawValue) \(valid - 1) of \(valid) (need all)") == true, "\(verdict?.detail ?? "")")
    }

    @Test func scramSuccessJustAtTheThreshold_passes_andJustBelow_fails() {
        var facts = Self.clean()
        facts.attempts += (0..<2000).map { Attempt(method: .scram, credential: .valid, start: 12 + Double($0) / 1000, seconds: 0.001, outcome: .granted) }
        facts.attempts.append(Attempt(method: .scram, credential: .valid, start: 12, seconds: 0.01, outcome: .failed))
        #expect(Self.verdict("valid_attempts_succeed", facts)?.passed == true)   // 2000 of 2001 = 99.95 %
        facts.attempts.append(Attempt(method: .scram, credential: .valid, start: 12, seconds: 0.01, outcome: .denied))
        #expect(Self.verdict("valid_attempts_succeed", facts)?.passed == false)  // 2000 of 2002
    }

    @Test func noValidConnectsAtAll_fails() {
        var facts = Self.clean()
        facts.attempts.removeAll { $0.credential == .valid }
        #expect(Self.verdict("valid_attempts_succeed", facts)?.passed == false)
    }

    @Test func anUnexpectedServiceExit_fails() {
        var facts = Self.clean()
        facts.unexpectedExits = ["castellan serve exited (status 1)"]
        #expect(Self.verdict("service_exits_only_by_sigkill", facts)?.passed == false)
    }

    @Test func thePredictedEscalation_mustHappen_andBeRestarted_withNothingHigherGivingUp() {
        var facts = Self.clean()
        facts.predictedEscalation = "/castellan/auth"
        #expect(Self.verdict("escalation_as_spec_says", facts)?.passed == false)
        facts.events.append(Event(time: 7, path: "/castellan/auth", event: "intensity_exceeded"))
        #expect(Self.verdict("escalation_as_spec_says", facts)?.passed == false)
        facts.events.append(Event(time: 7.1, path: "/castellan/auth", event: "child_restarted"))
        facts.metricRestarts = 3
        #expect(Self.verdict("escalation_as_spec_says", facts)?.passed == true)
        facts.events.append(Event(time: 7.2, path: "/castellan", event: "intensity_exceeded"))
        #expect(Self.verdict("escalation_as_spec_says", facts)?.passed == false)
    }

    @Test func anEscalationNobodyPredicted_fails() {
        var facts = Self.clean()
        facts.events.append(Event(time: 7, path: "/castellan/auth/scram", event: "intensity_exceeded"))
        #expect(Self.verdict("escalation_as_spec_says", facts)?.passed == false)
    }

    @Test func connectsDuringAnEscalation_areExcluded_untilTheSupervisorIsBack() {
        var facts = Self.clean()
        facts.events += [Event(time: 9, path: "/castellan/auth", event: "intensity_exceeded"),
                         Event(time: 9.3, path: "/castellan/auth", event: "child_restarted")]
        let during = Attempt(method: .scram, credential: .valid, start: 9.5, seconds: 0.01, outcome: .denied)
        let after = Attempt(method: .scram, credential: .valid, start: 10, seconds: 0.01, outcome: .denied)
        facts.attempts += [during, after]
        let counted = ChaosInvariants.validOutsideDisruptions(facts)
        #expect(!counted.contains(during))
        #expect(counted.contains(after))
    }

    @Test func aWholeNodeKill_isExcluded_untilTheNodeOrTheSupervisorAboveItIsBack() {
        var facts = Self.clean()
        facts.wholeNodeKills = true
        facts.kills = [.init(time: 9, path: "/castellan/auth/scram")]
        facts.events = [Event(time: 9.01, path: "/castellan/auth/scram", event: "child_exited"),
                        Event(time: 9.02, path: "/castellan/auth", event: "intensity_exceeded"),
                        Event(time: 9.2, path: "/castellan/auth", event: "child_restarted")]
        let during = Attempt(method: .scram, credential: .valid, start: 9.1, seconds: 0.01, outcome: .denied)
        let after = Attempt(method: .scram, credential: .valid, start: 10, seconds: 0.01, outcome: .granted)
        facts.attempts += [during, after]
        let counted = ChaosInvariants.validOutsideDisruptions(facts)
        #expect(!counted.contains(during))
        #expect(counted.contains(after))
    }
}
