import OverlayProtocol

/// Writes `/status.json` without decoding the mesh back into values: the
/// small members go through `JSONEncoder`, the already-encoded mesh is
/// spliced in first, which keeps OverlayJSON's sorted key order ("mesh"
/// sorts before "meshBrokenOnly", "network" and "roster"). The result
/// decodes as `StatusPageSnapshot`.
enum StatusSnapshotJSON {
    /// `StatusPageSnapshot` without its mesh.
    struct Rest: Encodable {
        var meshBrokenOnly: Bool
        var network: StatusNetworkSummary
        var roster: [StatusRosterNode]
    }

    static func encode(mesh: StatusMesh, network: StatusNetworkSummary, roster: [StatusRosterNode]) -> [UInt8] {
        let rest = OverlayJSON.encode(Rest(meshBrokenOnly: mesh.brokenOnly, network: network, roster: roster))
        var out = OverlayJSON.prepending(member: "mesh", value: mesh.json, to: rest)
        out.append(0x0A)
        return out
    }
}
