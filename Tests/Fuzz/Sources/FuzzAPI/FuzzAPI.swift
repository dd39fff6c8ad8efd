import Foundation
import NIOHTTP1
import OverlayCore
import OverlayHTTP
import OverlayProtocol

/// The input as an API request (its body and its query string) and as an answer a node
/// reads from the controller. Each body goes through `HTTPRequest.decode`, the path every
/// handler takes, as each request type the APIs accept; each answer through
/// `OverlayJSON.decoder()`, as the node's client does. Besides not trapping: a refused
/// body is a 400 that says why, and whatever decodes is stable once re-encoded (its
/// encoding decodes and encodes to the same bytes), so nothing decoded is lost or changed
/// on the way back out.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let body = Array(UnsafeRawBufferPointer(start: data, count: size))
    let uri = "/v1/roster?" + String(decoding: body.prefix(256), as: UTF8.self)
    let request = HTTPRequest(head: HTTPRequestHead(version: .http1_1, method: .POST, uri: uri), body: body, peer: nil, remoteAddress: nil)
    if !request.path.hasPrefix("/v1/roster") { fatalError("the path of \(uri) read as \(request.path)") }

    if let enroll = request.accepts(EnrollRequest.self) {
        _ = enroll.requestedIP.map { IPv4Address($0) }
        _ = Base64URL.decode(enroll.proof)
    }
    _ = request.accepts(RenewRequest.self)
    if let roster = request.accepts(RosterRequest.self) {
        _ = roster.advertise.map { try? HostPort(parsing: $0) }
        _ = roster.health?.startsFull
    }
    _ = request.accepts(TokenCreateRequest.self)
    _ = request.accepts(NodeImportRequest.self)
    _ = request.accepts(PingRequest.self)

    reads(NonceResponse.self, body)
    reads(EnrollResponse.self, body)
    reads(RenewResponse.self, body)
    reads(RosterResponse.self, body)
    reads(APIError.self, body)
    return 0
}

extension HTTPRequest {
    /// The body as `T` when a handler would accept it (then checked stable), nil after a 400.
    func accepts<T: Codable>(_ type: T.Type) -> T? {
        do throws(HTTPResponse) {
            let value = try decode(T.self)
            checkStable(value)
            return value
        } catch {
            if error.status != .badRequest || error.body.isEmpty { fatalError("\(T.self): refused with \(error.status) and no reason") }
            return nil
        }
    }
}

func reads<T: Codable>(_ type: T.Type, _ body: [UInt8]) {
    guard let value = try? OverlayJSON.decoder().decode(T.self, from: Data(body)) else { return }
    checkStable(value)
}

/// Encoding `value`, decoding that and encoding again gives the same bytes.
func checkStable<T: Codable>(_ value: T) {
    let once = OverlayJSON.encode(value)
    let again: T
    do {
        again = try OverlayJSON.decoder().decode(T.self, from: Data(once))
    } catch {
        fatalError("\(T.self): our own encoding \(String(decoding: once, as: UTF8.self)) does not decode: \(error)")
    }
    let twice = OverlayJSON.encode(again)
    if twice != once {
        fatalError("\(T.self): \(String(decoding: once, as: UTF8.self)) re-encodes as \(String(decoding: twice, as: UTF8.self))")
    }
}
