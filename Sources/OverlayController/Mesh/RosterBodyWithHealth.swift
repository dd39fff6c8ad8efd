import OverlayProtocol

/// The full roster body is encoded once per roster version and shared by
/// every poll; the health answer differs per node. Rather than re-encode the
/// whole roster per poll, the small `"health":{...}` member is spliced in
/// right after the opening brace, which keeps OverlayJSON's sorted key order
/// ("health" sorts before "nodes", "unchanged" and "version").
enum RosterBodyWithHealth {
    static func splice(_ reply: HealthReportReply, into body: [UInt8]) -> [UInt8] {
        OverlayJSON.prepending(member: "health", value: OverlayJSON.encode(reply), to: body)
    }
}
