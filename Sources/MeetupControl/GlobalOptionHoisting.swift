/// `meetupctl`'s global options (`--home DIR`, `--json`) are accepted before or after the subcommand.
/// argument-parser only gives a subcommand the options that follow it, so this moves the global options
/// that come before the subcommand to the end: `--home H --json status` becomes `status --home H --json`.
public enum GlobalOptionHoisting {
    /// Options taking a value, then flags.
    public static let valueOptions: Set<String> = ["--home"]
    public static let flags: Set<String> = ["--json"]

    public static func hoist(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if flags.contains(argument) || valueOptions.contains(where: { argument.hasPrefix($0 + "=") }) {
                leading.append(argument)
                index += 1
            } else if valueOptions.contains(argument), index + 1 < arguments.count {
                leading.append(contentsOf: arguments[index ... index + 1])
                index += 2
            } else {
                break
            }
        }
        return Array(arguments[index...]) + leading
    }
}
