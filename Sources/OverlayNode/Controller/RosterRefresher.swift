/// Fetches the roster out of turn when a peer presents a certificate or a
/// name this node's roster does not list yet: the peer may have renewed or
/// joined since the last poll (a node that joins PINGs its peers at once),
/// and asking the controller now beats refusing it for up to a roster
/// interval. Concurrent asks share one fetch, and fetches are at least
/// `minimumGap` apart, so a peer that keeps presenting a superseded or
/// removed certificate costs the controller one small GET a second at most.
actor RosterRefresher {
    private var fetch: (@Sendable () async -> Void)?
    private var inFlight: Task<Void, Never>?
    private var lastFinished: ContinuousClock.Instant?
    let minimumGap: Duration

    init(minimumGap: Duration = .seconds(1)) {
        self.minimumGap = minimumGap
    }

    func install(_ fetch: @escaping @Sendable () async -> Void) {
        self.fetch = fetch
    }

    /// Returns once a fetch that started after this call, or one that had just finished, is done.
    func refresh() async {
        if let inFlight {
            await inFlight.value
            return
        }
        if let lastFinished, lastFinished.duration(to: .now) < minimumGap { return }
        guard let fetch else { return }
        let task = Task { await fetch() }
        inFlight = task
        await task.value
        inFlight = nil
        lastFinished = .now
    }
}
