import OverlayProtocol

/// Where the status page and the broken-pairs gauge get the mesh from. A
/// protocol so both read the one matrix the controller keeps, and so the
/// page could be built and tested before the matrix existed.
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
