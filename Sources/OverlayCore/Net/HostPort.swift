/// `host:port`, with `[v6]:port` for IPv6 literals.
public struct HostPort: Sendable, Hashable, CustomStringConvertible, Codable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) { self.host = host; self.port = port }

    public init(parsing text: String, defaultPort: Int? = nil) throws(ConfigError) {
        let expected = "HOST:PORT, e.g. 127.0.0.1:7443 or [::1]:7443"
        var host = text
        var portText: String?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .invalidAddress(text, expected: expected) }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.hasPrefix(":") { portText = String(rest.dropFirst()) } else if !rest.isEmpty { throw .invalidAddress(text, expected: expected) }
        } else if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            portText = String(text[text.index(after: colon)...])
        }
        let port: Int
        if let portText {
            guard let p = Int(portText), (0...65535).contains(p) else { throw .invalidAddress(text, expected: expected) }
            port = p
        } else if let defaultPort {
            port = defaultPort
        } else {
            throw .invalidAddress(text, expected: expected)
        }
        guard !host.isEmpty, !host.contains(" ") else { throw .invalidAddress(text, expected: expected) }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

}
