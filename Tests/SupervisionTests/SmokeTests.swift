import Testing
@testable import Supervision
@Test func builds() { #expect(Bool(true)) }
