/// One peer's keys over time. Sessions come about twice per rekey interval
/// (each node dials the other), so several are live at once: packets are
/// sealed under the newest confirmed send key, and every receive key still
/// within its lifetime is accepted, which is the overlap that keeps a rekey
/// from losing packets in flight.
struct PeerKeyRing {
    struct SendKey {
        var key: TxKey
        var confirmed: Bool
    }

    /// Keys kept per direction: two sessions per rekey interval, plus the overlap.
    static let limit = 6

    private(set) var send: [SendKey] = []
    private(set) var receive: [RxKey] = []

    mutating func install(send key: TxKey, confirmed: Bool, receive rx: RxKey) {
        send.append(SendKey(key: key, confirmed: confirmed))
        receive.append(rx)
        // Sessions whose PING never came back leave unconfirmed keys: they go first, so a run of
        // failed dials cannot push out the confirmed key traffic is using.
        while send.count > Self.limit {
            if let i = send.dropLast().firstIndex(where: { !$0.confirmed }) {
                send.remove(at: i)
            } else {
                send.removeFirst()
            }
        }
        if receive.count > Self.limit { receive.removeFirst(receive.count - Self.limit) }
    }

    /// Marks the send key `keyID` usable; false when it is unknown or already was.
    mutating func confirm(_ keyID: UInt32) -> Bool {
        guard let i = send.firstIndex(where: { $0.key.keyID == keyID && !$0.confirmed }) else { return false }
        send[i].confirmed = true
        return true
    }

    /// Forgets keys past their lifetime; true when any went.
    mutating func expire(now: UInt64) -> Bool {
        let before = send.count + receive.count
        send.removeAll { $0.key.rejectAt <= now }
        receive.removeAll { $0.rejectAt <= now }
        return send.count + receive.count != before
    }

    /// The newest confirmed key still within its lifetime.
    func currentSend(now: UInt64) -> TxKey? { send.last { $0.confirmed && $0.key.rejectAt > now }?.key }

    func liveReceive(now: UInt64) -> [RxKey] { receive.filter { $0.rejectAt > now } }

    func holdsReceive(_ keyID: UInt32) -> Bool { receive.contains { $0.keyID == keyID } }
}
