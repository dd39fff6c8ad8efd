import OverlayProtocol

/// The full roster body is encoded once per roster version and shared by
/// every poll; the health answer differs per node. Rather than re-encode the
/// whole roster per poll, the small `"health":{...}` member is spliced in
/// before the object's closing brace (the keys stay sorted: "health" comes
/// before "nodes" only in name, and JSON objects are unordered).
enum RosterBodyWithHealth {
    static func splice(_ reply: HealthReportReply, into body: [UInt8]) -> [UInt8] {
        guard let close = body.lastIndex(of: UInt8(ascii: "}")) else { return body }
        var out = [UInt8]()
        out.reserveCapacity(body.count + 96)
        out.append(contentsOf: body[..<close])
        out.append(contentsOf: Array(#","health":"#.utf8))
        out.append(contentsOf: OverlayJSON.encode(reply))
        out.append(contentsOf: body[close...])
        return out
    }
}
