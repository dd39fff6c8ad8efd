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

    private let sink: DataKeysSink
    private var plane: DataPlane { sink.plane }
    private var pending: DataSession?

    init(_ sink: DataKeysSink) {
        self.sink = sink
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted(let peer?, _, _)? = event as? TLSUserEvent,
           let tls = try? context.pipeline.syncOperations.handler(type: TLSHandler.self) {
            let client = tls.isClient
            let cipher = plane.configuration.cipher
            let me = sink.localName
            let exporterContext = SessionKeyMaterial.context(client: client ? me : peer.name, server: client ? peer.name : me)
            if let bytes = tls.exportKeyingMaterial(label: SessionKeyMaterial.label, context: exporterContext,
                                                    length: SessionKeyMaterial.length(cipher)),
               let keys = SessionKeyMaterial(exported: bytes, cipher: cipher, isClient: client) {
                if !plane.knows(peer: peer.name, fingerprint: peer.fingerprint) { sink.syncPeers() }
                pending = plane.install(peer: peer.name, fingerprint: peer.fingerprint, keys: keys, confirmed: !client)
                if !client { pending = nil }
            } else {
                plane.exportFailed(peer: peer.name)
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
