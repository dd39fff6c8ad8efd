/// The network CAs a node trusts and the intermediates it presents, sent with
/// every full roster, enrollment and renewal. Normally one CA; during a CA
/// rollover (`overlayctl ca rotate` until `ca retire`) the new one first, then
/// the old, with the new CA's key cross-signed by the old as the one
/// intermediate, so that peers on either side of the move verify each other.
public struct TrustBundle: Codable, Sendable, Equatable {
    /// PEM certificates; the first is the CA the controller signs with now.
    public var cas: [String]
    /// PEM certificates a leaf of the signing CA is presented with.
    public var intermediates: [String]

    public init(cas: [String], intermediates: [String] = []) {
        self.cas = cas; self.intermediates = intermediates
    }
}
