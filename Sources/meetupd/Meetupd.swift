import ArgumentParser
import Foundation
import Logging
import MeetupControl
import MeetupNode
import ServiceLifecycle
import UnixSignals

/// `meetupd`: runs the daemon (the default), or checks its configuration.
@main
struct Meetupd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meetupd",
        abstract: "The meetup check-in daemon: watches check-in plans and alerts trusted contacts.",
        version: MeetupVersion.current,
        subcommands: [RunCommand.self, CheckConfigCommand.self, ImportCommand.self],
        defaultSubcommand: RunCommand.self)
}

/// Reads the settings, builds the node, runs its services in one group until SIGTERM or SIGINT; SIGHUP
/// reloads what can change while it runs.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the daemon (what meetupd does with no subcommand).")

    @OptionGroup var options: DaemonOptions

    func run() async throws {
        // Everything the daemon creates is private to its user; the node creates its files 0600 in any case.
        umask(0o077)
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let settings = try await options.settings()
        let level = NodeLogHandler.Level(settings.text(.logLevel).flatMap(Logger.Level.init(rawValue:)) ?? .info)
        let format = settings.text(.logFormat).flatMap(NodeLogHandler.Format.init(rawValue:)) ?? .text
        LoggingSystem.bootstrap { label in NodeLogHandler(label: label, format: format, level: level) }
        let logger = Logger(label: "meetupd")
        do {
            let home = options.nodeHome
            let node = try Node(configuration: settings.nodeConfiguration(home: home), clock: SystemClock(), logger: logger)
            let files = FileLimit.raiseSoftToHard()
            logger.info(
                "starting",
                metadata: [
                    "node_id": "\(node.keys.fingerprint.nodeID)", "config": "\(settings.file ?? "none")",
                    "file_limit": "\(files.map { "\($0.soft)" } ?? "unknown")",
                ])
            let options = options
            let reloader = SettingsReloader(node: node, level: level, current: settings, signals: hangups) { () async throws(ConfigError) in
                try await NodeSettings.load(
                    flags: options.given, environment: ProcessInfo.processInfo.environment, configPath: options.config, home: home)
            }
            let group = ServiceGroup(
                configuration: .init(
                    services: node.services + [reloader], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
            logger.info("stopped")
        } catch let error as NodeStartError {
            FileHandle.standardError.write(Data("meetupd: error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `meetupd check-config`: reads every source as `meetupd` would, and prints each setting's effective value
/// and where it came from, secrets redacted; exits 1 with one line naming the first problem.
struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check the configuration (flags, MEETUP_* variables, file) and print the effective values.")

    @OptionGroup var options: DaemonOptions

    func run() async throws {
        print(try await options.settings().report(home: options.nodeHome))
    }
}
