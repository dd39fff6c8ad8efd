import Foundation
import OverlayProtocol

/// JSON replies out of HTTP bodies, with API errors surfaced as `APIError`.
public enum OverlayJSONBridge {
    public static func decodeReply<Reply: Decodable>(_ response: HTTPClientConnection.Response, as: Reply.Type) throws -> Reply {
        let decoder = OverlayJSON.decoder()
        guard (200..<300).contains(Int(response.status.code)) else {
            if let error = try? decoder.decode(APIError.self, from: Data(response.body)) { throw error }
            throw APIError("http_\(response.status.code)", "HTTP \(response.status.code) \(response.status.reasonPhrase): \(response.text.prefix(200))")
        }
        do {
            return try decoder.decode(Reply.self, from: Data(response.body))
        } catch {
            throw APIError("bad_response", "unexpected answer from the daemon (\(error)); are overlayctl and the daemon the same version?")
        }
    }
}
