import OverlayProtocol

/// The health-report matrix is what the status page and the broken-pairs gauge read.
extension MeshService: MeshViewProviding {
    public func meshView() async -> MeshView { view() }

    /// Counts from the broken-only view, so a scrape of a large healthy network does not build every pair.
    public func brokenPairCount() async -> Int {
        view(brokenOnly: true).pairs.reduce(0) { $0 + ($1.state == .down ? 1 : 0) }
    }
}
