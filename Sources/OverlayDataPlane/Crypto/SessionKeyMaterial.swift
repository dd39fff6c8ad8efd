import OverlayTLS

/// The data keys of one mutual-TLS session between two nodes, exported with
/// `SSL_export_keying_material` (RFC 8446 §7.5) so the TLS handshake that
/// authenticated the peer is also what keys its packets: no second handshake,
/// no cryptography of our own. Both names are the exporter's context, so a
/// session's keys are bound to who dialed whom.
public struct SessionKeyMaterial: Sendable {
    public static let label = "EXPORTER-overlayd-data-v1"

    public struct Direction: Sendable {
        public var key: [UInt8]
        public var iv: [UInt8]
        /// The key id in the packet header: chosen by the exporter, so both ends agree without a message.
        public var keyID: UInt32
    }

    public var send: Direction
    public var receive: Direction

    /// The exporter context: "overlayd data v1", the dialer's name and the answerer's, NUL-separated.
    public static func context(client: String, server: String) -> [UInt8] {
        Array("overlayd data v1".utf8) + [0] + Array(client.utf8) + [0] + Array(server.utf8)
    }

    /// Bytes to export: key, IV and key id for each direction (dialer → answerer first).
    public static func length(_ cipher: DataCipher) -> Int { 2 * (cipher.keyLength + DataCipher.nonceLength + 4) }

    /// Splits exported bytes into this end's send and receive halves.
    public init?(exported: [UInt8], cipher: DataCipher, isClient: Bool) {
        guard exported.count == Self.length(cipher) else { return nil }
        func direction(_ base: Int) -> Direction {
            let k = cipher.keyLength, n = DataCipher.nonceLength
            let id = exported[(base + k + n)..<(base + k + n + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            return Direction(key: Array(exported[base..<(base + k)]), iv: Array(exported[(base + k)..<(base + k + n)]), keyID: id)
        }
        let clientToServer = direction(0)
        let serverToClient = direction(Self.length(cipher) / 2)
        send = isClient ? clientToServer : serverToClient
        receive = isClient ? serverToClient : clientToServer
    }
}
