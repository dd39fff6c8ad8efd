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
        var out = [UInt8]()
        out.reserveCapacity(mesh.json.count + rest.count + 16)
        out.append(contentsOf: Array(#"{"mesh":"#.utf8))
        out.append(contentsOf: mesh.json)
        out.append(UInt8(ascii: ","))
        out.append(contentsOf: rest.dropFirst())
        out.append(0x0A)
        return out
    }
}
