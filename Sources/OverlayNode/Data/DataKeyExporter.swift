import NIOCore
import OverlayDataPlane
import OverlayProtocol
import OverlayTLS

/// Hands each verified peer session's exported keys to the data plane, on
/// both ends of a PING connection. It sits above the checks that admit a peer
/// (the dialer's roster-pinned policy, the answerer's PeerResponder), so only
/// active roster members with their listed certificate get keys. The dialer's
/// send key waits for the first PONG: proof that the answerer installed the
/// session too, so no packet is sealed under a key the other end lacks.
final class DataKeyExporter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = PeerFrame
    typealias InboundOut = PeerFrame

    private let plane: DataPlane
    private let localName: String
    private var pending: DataSession?

    init(plane: DataPlane, localName: String) {
        self.plane = plane
        self.localName = localName
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted(let peer?, _, _)? = event as? TLSUserEvent,
           let tls = try? context.pipeline.syncOperations.handler(type: TLSHandler.self) {
            let client = tls.isClient
            let cipher = plane.configuration.cipher
            let exporterContext = SessionKeyMaterial.context(client: client ? localName : peer.name, server: client ? peer.name : localName)
            if let bytes = tls.exportKeyingMaterial(label: SessionKeyMaterial.label, context: exporterContext,
                                                    length: SessionKeyMaterial.length(cipher)),
               let keys = SessionKeyMaterial(exported: bytes, cipher: cipher, isClient: client) {
                pending = plane.install(peer: peer.name, fingerprint: peer.fingerprint, keys: keys, confirmed: !client)
                if !client { pending = nil }
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let session = pending, case .pong = unwrapInboundIn(data) {
            plane.confirm(session)
            pending = nil
        }
        context.fireChannelRead(data)
    }
}
