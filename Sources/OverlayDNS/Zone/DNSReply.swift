/// The bytes to send back (nil: send nothing) and how the query was judged.
public struct DNSReply: Sendable {
    public var bytes: [UInt8]?
    public var outcome: DNSOutcome

    public init(bytes: [UInt8]?, outcome: DNSOutcome) {
        self.bytes = bytes
        self.outcome = outcome
    }
}
