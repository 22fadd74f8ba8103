import Foundation
@testable import MeetupNode
import Testing

@Suite("FailureLimiter")
struct FailureLimiterTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("an attempt is counted in the same step as the check: of 200 at once, exactly the limit go ahead")
    func attemptsAreCountedBeforeTheyRun() async {
        let limiter = FailureLimiter(limit: 5, window: 300)
        let start = start
        let admitted = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<200 { group.addTask { limiter.attempt("plan", now: start) == nil } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(admitted == 5)
        let wait = limiter.attempt("plan", now: start.addingTimeInterval(100))
        #expect(wait == 200)
    }

    @Test("a success clears the count; a new window starts a new count")
    func successAndWindow() {
        let limiter = FailureLimiter(limit: 2, window: 60)
        #expect(limiter.attempt("a", now: start) == nil)
        limiter.succeed("a")
        #expect(limiter.attempt("a", now: start) == nil)
        #expect(limiter.attempt("a", now: start) == nil)
        #expect(limiter.attempt("a", now: start) != nil)
        #expect(limiter.attempt("b", now: start) == nil, "keys are counted apart")
        #expect(limiter.attempt("a", now: start.addingTimeInterval(61)) == nil)
    }
}
