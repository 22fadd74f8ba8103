import Foundation
import MeetupControl

/// Human and JSON output. `--json` prints the very value the daemon sent.
enum Output {
    static func printJSON(_ value: some Encodable) throws {
        let encoder = ControlJSON.encoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    static func printTable(_ rows: [(String, String)]) {
        let width = rows.map(\.0.count).max() ?? 0
        for (label, value) in rows {
            print(label.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value)
        }
    }
}
