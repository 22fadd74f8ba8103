import Foundation
@testable import MeetupNode
import Synchronization
import Testing

@Suite("PINCheckGate")
struct PINCheckGateTests {
    final class Meter: Sendable {
        private let state = Mutex((now: 0, most: 0, done: 0))
        func enter() { state.withLock { $0.now += 1; $0.most = max($0.most, $0.now) } }
        func leave() { state.withLock { $0.now -= 1; $0.done += 1 } }
        var most: Int { state.withLock { $0.most } }
        var done: Int { state.withLock { $0.done } }
    }

    @Test("at most `concurrent` checks run at once, `waiting` more wait, and the next is refused as busy at once")
    func admission() async throws {
        let gate = PINCheckGate(concurrent: 2, waiting: 3)
        let meter = Meter()
        let release = DispatchSemaphore(value: 0)
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<5 {
                group.addTask {
                    do {
                        try await gate.run {
                            meter.enter()
                            release.wait()
                            meter.leave()
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            // Once the five have taken their places, one more: refused at once, while the others hold on.
            for _ in 0..<500 where gate.load != (2, 3) || meter.most < 2 { try? await Task.sleep(for: .milliseconds(10)) }
            #expect(gate.load == (2, 3))
            let refused: Bool
            do {
                try await gate.run {}
                refused = false
            } catch is PINCheckGate.Busy {
                refused = true
            } catch {
                refused = false
            }
            #expect(refused)
            #expect(meter.most == 2)
            for _ in 0..<5 { release.signal() }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == Array(repeating: true, count: 5))
        #expect(meter.done == 5 && meter.most == 2)
        try await gate.run {}
    }
}
