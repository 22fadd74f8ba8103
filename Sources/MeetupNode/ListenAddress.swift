/// A TCP address to listen on: `HOST:PORT`, with IPv6 hosts in brackets (`[::1]:7744`). Port 0 asks the
/// kernel for a free port; `meetupctl status` then shows the one bound.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public static let defaultPort = 7744

    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init(parsing text: String) throws(ListenAddressError) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw .malformed(text)
            }
            host = text[text.index(after: text.startIndex) ..< close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { throw .malformed(text) }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw .malformed(text) }
        guard let port = Int(portText), (0...65535).contains(port) else { throw .badPort(text) }
        self.init(host: String(host), port: port)
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

public enum ListenAddressError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case badPort(String)

    public var description: String {
        switch self {
        case let .malformed(text): "listen address \"\(text)\": expected HOST:PORT, like 127.0.0.1:7744 or [::1]:7744"
        case let .badPort(text): "listen address \"\(text)\": the port must be a number from 0 to 65535"
        }
    }
}
