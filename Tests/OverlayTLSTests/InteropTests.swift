import NIOCore
import OverlayTLS
import Testing

/// The handler against TLS implementations nobody here wrote: `openssl s_client`
/// dialing the handler's listener, and the handler dialing `openssl s_server`,
/// both with mutual authentication over TLS 1.3.
@Suite("Interop with openssl s_client and s_server", .timeLimit(.minutes(5)))
struct InteropTests {
    let pki = TestPKI.shared

    func sClientArguments(port: Int, _ identity: PEMFiles.Pair, _ files: PEMFiles) -> [String] {
        ["s_client", "-connect", "127.0.0.1:\(port)", "-servername", "bob", "-verify_hostname", "bob",
         "-cert", identity.cert, "-key", identity.key, "-CAfile", files.ca,
         "-verify_return_error", "-tls1_3"]
    }

    /// Starts `openssl s_server` (one connection) on a free port and waits for its "ACCEPT".
    func startSServer(_ extra: [String], files: PEMFiles, dir: TempDirectory) async throws -> (RunningTool, Int) {
        for _ in 0..<3 {
            let port = try await freePort()
            let tool = try RunningTool(["s_server", "-accept", "127.0.0.1:\(port)", "-cert", files.bob.cert,
                                        "-key", files.bob.key, "-CAfile", files.ca, "-Verify", "1",
                                        "-verify_return_error", "-tls1_3", "-naccept", "1"] + extra, in: dir)
            if await tool.waitForOutput({ $0.contains("ACCEPT") }) { return (tool, port) }
            tool.stop()  // the port was taken in between: try another
        }
        throw TimedOut(what: "openssl s_server to accept")
    }

    @Test("openssl s_client → handler listener: TLS 1.3, both identities verified, data both ways, clean close")
    func sClientToHandler() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let files = try pki.writePEMFiles(to: dir)
        try await withServer(context: pki.serverContext(pki.bob)) { server in
            let sClient = try RunningTool(sClientArguments(port: server.port, files.alice, files), in: dir)
            defer { sClient.stop() }
            let connection = try await server.connections.first()
            let peer = try await connection.handshake.get(within: Bound.handshake, "handshake with s_client")
            #expect(peer?.name == "alice")
            #expect(peer?.overlayIP == TestPKI.aliceIP)
            #expect(peer?.fingerprint == pki.alice.certificate.fingerprint)

            let ping = "ping from s_client\n"
            sClient.send(ping)
            try await connection.collector.waitFor(bytes: ping.utf8.count, on: connection.channel.eventLoop)
                .get(within: Bound.wait, "s_client's line")
            #expect(connection.collector.snapshot.text == ping)
            try await connection.channel.writeAndFlush(connection.channel.allocator.buffer(string: "pong from overlayd\n"))
                .get(within: Bound.wait, "reply")
            #expect(await sClient.waitForOutput { $0.contains("pong from overlayd") })

            sClient.closeInput()  // s_client: end of input → close_notify, exit
            let result = try await sClient.finish()
            try await connection.channel.closeFuture.get(within: Bound.wait, "listener side close")

            #expect(result.status == 0, "s_client: \(result.stderr)")
            #expect(result.stdout.contains("Protocol  : TLSv1.3") || result.stdout.contains("New, TLSv1.3"))
            #expect(result.stdout.contains("Verify return code: 0 (ok)"))
            #expect(connection.collector.snapshot.handshake?.protocolVersion == "TLSv1.3")
            #expect(connection.collector.snapshot.tlsErrors.isEmpty, "s_client closed with close_notify: \(connection.collector.snapshot.tlsErrors)")
        }
    }

    @Test("openssl s_client with a foreign CA's certificate is refused: 'certificate signed by unknown CA'")
    func sClientForeignRefused() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let files = try pki.writePEMFiles(to: dir)
        try await withServer(context: pki.serverContext(pki.bob)) { server in
            let sClient = try RunningTool(sClientArguments(port: server.port, files.mallory, files), in: dir)
            defer { sClient.stop() }
            let connection = try await server.connections.first()
            let result = await connection.handshake.result(within: Bound.handshake, "handshake with s_client")
            guard case .failure(let error) = result else {
                Issue.record("the listener admitted a foreign certificate")
                return
            }
            #expect(error as? TLSError == .peerCertificateRejected("certificate signed by unknown CA"))
            #expect(await sClient.waitForOutput { $0.contains("alert unknown ca") }, "s_client: \(sClient.stdout) \(sClient.stderr)")
        }
    }

    @Test("handler client → openssl s_server -Verify 1: TLS 1.3, data both ways, session tickets ignored, clean close")
    func handlerToSServer() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let files = try pki.writePEMFiles(to: dir)
        // -rev: s_server answers each line reversed; it also sends TLS 1.3 session tickets, which the handler must skip.
        let (sServer, port) = try await startSServer(["-rev"], files: files, dir: dir)
        defer { sServer.stop() }

        let client = try await TestClient.connect(port: port, context: pki.clientContext(pki.alice),
                                                  serverName: "bob", policy: .expectName("bob"))
        let peer = try await client.handshake.get(within: Bound.handshake, "handshake with s_server")
        #expect(peer?.name == "bob")
        #expect(peer?.overlayIP == TestPKI.bobIP)
        #expect(peer?.fingerprint == pki.bob.certificate.fingerprint)

        let line = "hello from overlayd\n"
        try await client.send(line).get(within: Bound.wait, "write")
        try await client.collector.waitFor(bytes: line.utf8.count, on: client.channel.eventLoop).get(within: Bound.wait, "reply")
        #expect(client.collector.snapshot.text == "dyalrevo morf olleh\n")
        #expect(client.collector.snapshot.handshake?.protocolVersion == "TLSv1.3")

        try await client.channel.close().get(within: Bound.wait, "close")
        let result = try await sServer.finish()
        #expect(result.status == 0, "s_server: \(result.output)")
        #expect(result.output.contains("Protocol version: TLSv1.3"))
        #expect(result.output.contains("Peer certificate: CN = alice"))
        #expect(result.output.contains("Verification: OK"))
        #expect(client.collector.snapshot.tlsErrors.isEmpty, "\(client.collector.snapshot.tlsErrors)")
    }

    @Test("handler client with a foreign CA's certificate: s_server refuses and the handler says so")
    func handlerForeignRefusedBySServer() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let files = try pki.writePEMFiles(to: dir)
        let (sServer, port) = try await startSServer(["-rev"], files: files, dir: dir)
        defer { sServer.stop() }

        let client = try await TestClient.connect(port: port, context: pki.clientContext(pki.mallory))
        _ = client.send("should not pass\n")
        let handshake = await client.handshake.result(within: Bound.handshake, "handshake with s_server")
        try await client.channel.closeFuture.get(within: Bound.wait, "client close")
        var errors = client.collector.snapshot.tlsErrors
        if case .failure(let error) = handshake, let tls = error as? TLSError { errors.append(tls) }
        #expect(errors.contains { if case .rejectedByPeer = $0 { true } else { false } }, "handler saw \(errors)")
        #expect(client.collector.snapshot.bytes.isEmpty)
        _ = try? await sServer.finish(timeout: 10)
    }
}
