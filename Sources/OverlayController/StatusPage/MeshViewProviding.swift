import OverlayProtocol

/// Where the status page gets the mesh from: the controller's `MeshService`.
/// A protocol so the page depends on the view, not on how the matrix is kept.
public protocol MeshViewProviding: Sendable {
    /// The mesh as `/status.json` carries it, already encoded: every pair up to
    /// `MeshView.gridMaxNodes` active nodes, above that only the pairs that are not up.
    func statusMesh() async -> StatusMesh
}

/// A `MeshView` as JSON, and whether it holds only the pairs that are not up.
/// Encoded pair by pair (`MeshViewJSON`) because the page asks every few
/// seconds per open tab, on a listener without authentication.
public struct StatusMesh: Sendable {
    /// One JSON object, no trailing newline.
    public var json: [UInt8]
    public var brokenOnly: Bool
    public var rosterVersion: String
}
