import Foundation

/// Everything a new node needs, in one string an operator can paste:
/// where the controller is, which CA to trust (by fingerprint), and the
/// token's id and secret. Format: `ovl1.` + base64url(JSON).
public struct JoinToken: Codable, Sendable, Equatable {
    public static let prefix = "ovl1."

    /// `host:port` addresses, tried in order.
    public var controllers: [String]
    /// SHA-256 of the network CA certificate (DER), lower-case hex.
    public var caFingerprint: String
    public var id: String
    /// base64url of the random secret.
    public var secret: String

    enum CodingKeys: String, CodingKey {
        case controllers = "c", caFingerprint = "f", id = "i", secret = "s"
    }

    public init(controllers: [String], caFingerprint: String, id: String, secret: String) {
        self.controllers = controllers; self.caFingerprint = caFingerprint; self.id = id; self.secret = secret
    }

    public var encoded: String {
        let json = (try? JSONEncoder().encode(self)) ?? Data()
        return Self.prefix + Base64URL.encode(Array(json))
    }

    public init(parsing text: String) throws(TokenFormatError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix(Self.prefix) else { throw .wrongPrefix }
        guard let bytes = Base64URL.decode(String(trimmed.dropFirst(Self.prefix.count))),
              let token = try? JSONDecoder().decode(JoinToken.self, from: Data(bytes)) else { throw .malformed }
        guard !token.controllers.isEmpty else { throw .noController }
        guard token.caFingerprint.count == 64, token.caFingerprint.allSatisfy(\.isHexDigit) else { throw .malformed }
        guard let secret = Base64URL.decode(token.secret), secret.count >= 16 else { throw .malformed }
        self = token
    }

    public var secretBytes: [UInt8] { Base64URL.decode(secret) ?? [] }
}

public enum TokenFormatError: Error, Sendable, CustomStringConvertible {
    case wrongPrefix, malformed, noController

    public var description: String {
        switch self {
        case .wrongPrefix: return "not an overlayd join token (it must start with '\(JoinToken.prefix)'); create one with 'overlayctl token create' on the controller"
        case .malformed: return "the join token is damaged (truncated or altered); copy it again from 'overlayctl token create'"
        case .noController: return "the join token names no controller address; recreate it with the controller's --advertise set"
        }
    }
}

/// RFC 4648 §5 base64url without padding.
public enum Base64URL {
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: String) -> [UInt8]? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s).map(Array.init)
    }
}
