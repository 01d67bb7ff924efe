import Testing
@testable import Supervision

/// The duration syntax of spec files, and its compact rendering.
@Suite struct SpecDurationTests {
    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)), ("5s", .seconds(5)), ("2m", .seconds(120)), ("1h", .seconds(3600)),
        ("5", .seconds(5)), ("0.5", .milliseconds(500)), ("1.5s", .milliseconds(1500)), ("0.25m", .seconds(15)),
        ("0", .zero), ("007s", .seconds(7)), ("1.0000000001s", .seconds(1)),
    ])
    func validText_parsesToItsDuration(text: String, expected: Duration) throws {
        #expect(try SpecDuration.parse(text).get() == expected)
    }

    @Test(arguments: [
        ("", SpecDuration.Reason.malformed), ("s", .malformed), ("5 s", .malformed), ("5sec", .malformed),
        ("1e3", .malformed), (".5s", .malformed), ("5.s", .malformed), ("1.2.3s", .malformed), ("infinity", .malformed),
        ("-1s", .negative), ("366d", .malformed), ("8761h", .tooLong), ("99999999999999999999999s", .tooLong),
    ])
    func invalidText_isRefusedWithItsReason(text: String, reason: SpecDuration.Reason) {
        #expect(throws: reason) { try SpecDuration.parse(text).get() }
    }

    @Test(arguments: [
        (Duration.seconds(3600), "1h"), (.seconds(120), "2m"), (.seconds(90), "90s"), (.milliseconds(250), "250ms"),
        (.zero, "0s"), (.microseconds(1500), "0.0015s"),
    ])
    func format_usesTheShortestSpelling(duration: Duration, expected: String) {
        #expect(SpecDuration.format(duration) == expected)
    }
}
