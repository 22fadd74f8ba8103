import Foundation
import MeetupControl

extension NodeSettings {
    /// What `meetupd check-config` prints: the file and home, then each setting's effective value and where
    /// it came from, one per line. A secret (a hook's command or URL, which may carry a token) shows as
    /// `<redacted>` whatever its source; an empty value as `""`, an absent one as `(unset)`.
    public func report(home: NodeHome) -> String {
        let width = Setting.all.map(\.key.count).max() ?? 0
        let lines = ["config file: \(file ?? "none")", "home: \(home.path)"] + values.map { value in
            let shown = value.text.map { value.setting.secret ? "<redacted>" : $0.isEmpty ? "\"\"" : $0 } ?? "(unset)"
            return "\(value.setting.key.padding(toLength: width, withPad: " ", startingAt: 0))  \(shown)  [\(value.origin)]"
        }
        return lines.joined(separator: "\n")
    }
}
