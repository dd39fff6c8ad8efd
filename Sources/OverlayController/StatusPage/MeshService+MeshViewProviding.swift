import Foundation
import OverlayProtocol

/// The health-report matrix is what the status page reads (above the grid size, at most
/// `MeshView.brokenPairsMax` broken pairs: the page lists them one element each).
extension MeshService: MeshViewProviding {
    public func statusMesh() async -> StatusMesh { statusMesh(now: Date()) }

    func statusMesh(now: Date) -> StatusMesh {
        let (builder, version) = builder()
        let brokenOnly = builder.active.count > MeshView.gridMaxNodes
        var json = MeshViewJSON.encode(builder, rosterVersion: version, now: now, brokenOnly: brokenOnly,
                                       brokenLimit: MeshView.brokenPairsMax)
        if json.last == 0x0A { json.removeLast() }
        return StatusMesh(json: json, brokenOnly: brokenOnly, rosterVersion: version)
    }
}
