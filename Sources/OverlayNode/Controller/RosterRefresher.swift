/// Fetches the roster out of turn when a peer presents a certificate or a
/// name this node's roster does not list yet: the peer may have renewed or
/// joined since the last poll (a node that joins PINGs its peers at once),
/// and asking the controller now beats refusing it for up to a roster
/// interval. Concurrent asks share one fetch, and fetches start at least
/// `minimumGap` apart, so a peer that keeps presenting a superseded or
/// removed certificate costs the controller one small GET a second at most.
actor RosterRefresher {
    private var fetch: (@Sendable () async -> Void)?
    private var inFlight: Task<Void, Never>?
    private var lastStarted: ContinuousClock.Instant?
    /// Fetches started and finished so far: a caller waits for one numbered past those started when it asked.
    private var started = 0
    private var finished = 0
    let minimumGap: Duration

    init(minimumGap: Duration = .seconds(1)) {
        self.minimumGap = minimumGap
    }

    func install(_ fetch: @escaping @Sendable () async -> Void) {
        self.fetch = fetch
    }

    /// Returns once a fetch that started after this call is done: an answer fetched
    /// before the call may predate the certificate the caller has just met (a peer
    /// that renewed twice in a second).
    func refresh() async {
        guard let fetch else { return }
        let needed = started + 1
        while finished < needed {
            if let inFlight {
                // Whoever resumes first records the fetch as done; the others see it so.
                let number = started
                await inFlight.value
                finished = max(finished, number)
                if started == number { self.inFlight = nil }
                continue
            }
            if let lastStarted {
                let wait = minimumGap - lastStarted.duration(to: .now)
                if wait > .zero {
                    do { try await Task.sleep(for: wait) } catch { return }
                    continue
                }
            }
            started += 1
            lastStarted = .now
            inFlight = Task { await fetch() }
        }
    }
}
