import Foundation
@testable import MeetupNode
import Synchronization
import Testing

/// The wake-up every loop sleeps on, with the real clock: a manual clock once hid a wait that never slept
/// again after its first timeout.
@Suite("SchedulerWakeup")
struct SchedulerWakeupTests {
    let clock = SystemClock()

    /// Seconds that one `wait` took.
    private func timedWait(_ wakeup: SchedulerWakeup, for seconds: TimeInterval?) async -> TimeInterval {
        let start = ContinuousClock.now
        await wakeup.wait(until: seconds.map { clock.now.addingTimeInterval($0) }, clock: clock)
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    @Test("the second and the hundredth wait still sleep until their deadline")
    func everyWaitSleeps() async {
        let wakeup = SchedulerWakeup()
        for round in 1...100 {
            let slept = await timedWait(wakeup, for: 0.01)
            #expect(slept >= 0.009, "wait \(round) returned after \(slept) s")
        }
        #expect(wakeup.openWaits == 0)
    }

    @Test("a nudge while nobody waits wakes the next wait once, and the one after sleeps")
    func pendingNudgeWakesOnce() async {
        let wakeup = SchedulerWakeup()
        _ = await timedWait(wakeup, for: 0.01)
        wakeup.nudge()
        wakeup.nudge()
        #expect(await timedWait(wakeup, for: 5) < 1)
        #expect(await timedWait(wakeup, for: 0.05) >= 0.045)
    }

    @Test("a nudge wakes a wait in progress, after any number of timeouts and nudges")
    func nudgeWakesWaiter() async {
        let wakeup = SchedulerWakeup()
        for _ in 1...20 {
            _ = await timedWait(wakeup, for: 0.002)
            wakeup.nudge()
            _ = await timedWait(wakeup, for: 5)
        }
        // Whether the nudge had come when the wait returned: a wait that returned on its own (a spurious
        // wake) says false. Timing the wait instead failed when its task started late on a loaded machine.
        let nudged = Mutex(false)
        async let slept: (TimeInterval, Bool) = { (await timedWait(wakeup, for: nil), nudged.withLock { $0 }) }()
        try? await Task.sleep(for: .milliseconds(100))
        nudged.withLock { $0 = true }
        wakeup.nudge()
        let (waited, afterNudge) = await slept
        #expect(afterNudge && waited < 5)
        #expect(wakeup.openWaits == 0)
    }

    @Test("a cancelled wait returns and leaves nothing behind")
    func cancelledWaitReturns() async {
        let wakeup = SchedulerWakeup()
        let task = Task { await wakeup.wait(until: nil, clock: SystemClock()) }
        try? await Task.sleep(for: .milliseconds(50))
        task.cancel()
        await task.value
        #expect(wakeup.openWaits == 0)
        // The cancellation consumed no nudge and left none pending: the next wait sleeps.
        #expect(await timedWait(wakeup, for: 0.05) >= 0.045)
    }
}
