import OverlayProtocol

/// Where the status page and the broken-pairs gauge get the mesh from: the
/// controller's `MeshService`. A protocol so the page depends on the view,
/// not on how the matrix is kept.
public protocol MeshViewProviding: Sendable {
    /// Every ordered pair between active nodes, as the nodes last reported it.
    func meshView() async -> MeshView
    /// Ordered pairs reported `down` (the `overlayd_controller_mesh_broken_pairs` gauge).
    func brokenPairCount() async -> Int
}

extension MeshViewProviding {
    public func brokenPairCount() async -> Int {
        await meshView().pairs.reduce(0) { $0 + ($1.state == .down ? 1 : 0) }
    }
}
