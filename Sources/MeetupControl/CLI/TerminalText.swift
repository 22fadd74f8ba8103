import Foundation

/// Text that came from another node (a contact's name, a match's pseudonym, a history note), made safe to
/// print: a control character could start an escape sequence that rewrites the screen, changes the window
/// title or, in some terminals, writes to the clipboard.
public enum TerminalText {
    /// Every control character (C0, DEL, C1: ESC and CSI among them) becomes U+FFFD; the rest is kept.
    public static func clean(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            CharacterSet.controlCharacters.contains(scalar) ? "\u{FFFD}" : scalar
        }))
    }
}
