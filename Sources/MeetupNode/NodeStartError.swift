import Foundation
import MeetupProtocol

/// Why the node cannot start. Each message is one line naming the path or port and what to do; the
/// daemon prints it and exits non-zero without having overwritten anything.
public enum NodeStartError: Error, Equatable, CustomStringConvertible {
    case home(HomeError)
    case keyFile(KeyFileError)
    case store(StoreError)
    case listenAddressInUse(String)
    case cannotListen(String, reason: String)
    case cannotServeControlSocket(String, reason: String)
    case badAdvertiseURL(String)

    public var description: String {
        switch self {
        case let .home(error): "\(error)"
        case let .keyFile(error): "\(error)"
        case let .store(error): "\(error)"
        case let .listenAddressInUse(address):
            "cannot listen on \(address): address already in use; stop what holds it or choose another --listen"
        case let .cannotListen(address, reason):
            "cannot listen on \(address): \(reason); choose another --listen"
        case let .cannotServeControlSocket(path, reason):
            "cannot serve the control socket \(path): \(reason); check the home's permissions"
        case let .badAdvertiseURL(text):
            "--advertise \"\(text)\": expected an http:// or https:// URL (lowercase) with a host, at most 200 bytes, like http://203.0.113.7:7744"
        }
    }
}

/// Checks an `--advertise` value: an absolute http or https URL with a host.
/// The URL goes into the contact card as it is, so it must pass the card's rules (docs/PROTOCOL.md):
/// `http://` or `https://` in lowercase, a host, at most 200 bytes.
public func validateAdvertiseURL(_ text: String) throws(NodeStartError) -> String {
    guard let components = URLComponents(string: text), let scheme = components.scheme,
          scheme == "http" || scheme == "https", text.hasPrefix(scheme + "://"), let host = components.host, !host.isEmpty,
          text.utf8.count <= ContactCard.urlLimit
    else { throw .badAdvertiseURL(text) }
    return text
}
