import NIOCore
import NIOHTTP1
import OverlayTLS
import Foundation
import OverlayProtocol

/// A whole request as a value: handlers are plain async functions from
/// request to response, testable without a channel.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    public var path: String
    public var query: [String: String]
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The verified TLS client, nil on the Unix socket or when none was sent.
    public var peer: PeerIdentity?
    public var remoteAddress: SocketAddress?

    public init(head: HTTPRequestHead, body: [UInt8], peer: PeerIdentity?, remoteAddress: SocketAddress?) {
        self.method = head.method
        let parts = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        self.path = String(parts.first ?? "")
        var query: [String: String] = [:]
        if parts.count > 1 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = String(kv[0]).removingPercentEncoding ?? String(kv[0])
                query[key] = kv.count > 1 ? (String(kv[1]).removingPercentEncoding ?? String(kv[1])) : ""
            }
        }
        self.query = query
        self.headers = head.headers
        self.body = body
        self.peer = peer
        self.remoteAddress = remoteAddress
    }

    /// Decodes the JSON body, or throws a 400 naming what is wrong: the field by its whole path
    /// (`health.entries[0].state`) whenever the decoder knows it. Nothing of the value is echoed.
    public func decode<T: Decodable>(_ type: T.Type) throws(HTTPResponse) -> T {
        do {
            return try OverlayJSON.decoder().decode(T.self, from: Data(body))
        } catch let DecodingError.keyNotFound(key, context) {
            throw .error(.badRequest, "malformed_request", "request body is missing the field '\(Self.fieldPath(context.codingPath + [key]))'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .error(.badRequest, "malformed_request", "field '\(Self.fieldPath(context.codingPath))' has the wrong type")
        } catch let DecodingError.valueNotFound(_, context) {
            throw .error(.badRequest, "malformed_request", "field '\(Self.fieldPath(context.codingPath))' is null; give it a value or leave it out")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw .error(.badRequest, "malformed_request", """
                field '\(Self.fieldPath(context.codingPath))' has a value it cannot take \
                (a number out of its range, or a word that is not one of its values)
                """)
        } catch {
            throw .error(.badRequest, "malformed_request", "request body is not the expected JSON object")
        }
    }

    /// `health.entries[0].state`: keys joined by dots, array positions in brackets.
    static func fieldPath(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
        }
        return text.isEmpty ? "(the body)" : text
    }
}
