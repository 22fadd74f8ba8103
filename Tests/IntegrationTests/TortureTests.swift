import Foundation
import Testing

/// A short run of `make torture` (scripts/torture.py): real nodes killed with SIGKILL at random instants
/// while plans are armed, missed, checked in and ended; every alert at every contact exactly once.
@Suite("kill -9 torture, short")
struct TortureTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/torture.py").path

    @Test("20 cycles of kill -9 lose and double no alert, and every database passes integrity_check")
    func shortRun() throws {
        let result = try run("/usr/bin/env", ["python3", Self.script, "--cycles", "20", "--bin", Binaries.directory.path])
        print(result.stderr.split(separator: "\n").last ?? "")
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let summary = try #require(jsonLines(text: result.stdout).first, "no summary: \(result.stdout)")
        #expect(summary["lost"] as? Int == 0)
        #expect(summary["duplicated"] as? Int == 0)
        #expect(summary["stale"] as? Int == 0)
        #expect(summary["untold"] as? Int == 0)
        #expect((summary["alerts"] as? Int ?? 0) > 0, "no alert was raised: nothing was checked")
        #expect(summary["integrity"] as? Bool == true)
        #expect(summary["settled"] as? Bool == true)
        #expect((summary["kills"] as? Int ?? 0) > 0, "the run killed nothing: \(summary)")
    }
}
