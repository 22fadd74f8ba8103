import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads PINs: one line from stdin with `--pin-stdin` (or whenever stdin is not a terminal), else a
/// prompt on the terminal with echo off.
enum PINInput {
    static func read(fromStdin: Bool, prompt: String = "PIN: ") throws -> String {
        if fromStdin || isatty(STDIN_FILENO) == 0 {
            guard let line = readLine(strippingNewline: true) else { throw PINInputError.missing }
            return line
        }
        return try readHidden(prompt)
    }

    /// Reads `count` lines from stdin, or asks for each on the terminal (twice, to confirm).
    static func readSeveral(_ prompts: [String], confirm: Bool) throws -> [String] {
        if isatty(STDIN_FILENO) == 0 {
            return try prompts.map { _ in
                guard let line = readLine(strippingNewline: true) else { throw PINInputError.missing }
                return line
            }
        }
        return try prompts.map { prompt in
            let first = try readHidden(prompt + ": ")
            if confirm, try readHidden(prompt + " again: ") != first { throw PINInputError.mismatch(prompt) }
            return first
        }
    }

    /// Echo goes off before the prompt is shown, so that nothing typed after the prompt is echoed or
    /// discarded; anything typed before it is discarded (TCSAFLUSH), as it was not meant as the PIN.
    private static func readHidden(_ prompt: String) throws -> String {
        var saved = termios()
        tcgetattr(STDIN_FILENO, &saved)
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSANOW, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        FileHandle.standardError.write(Data(prompt.utf8))
        guard let line = readLine(strippingNewline: true) else { throw PINInputError.missing }
        return line
    }
}

enum PINInputError: Error, CustomStringConvertible {
    case missing
    case mismatch(String)

    var description: String {
        switch self {
        case .missing: "no PIN given on standard input"
        case let .mismatch(what): "\(what): the two entries differ"
        }
    }
}
