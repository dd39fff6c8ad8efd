import Logging
import NIOCore
import NIOConcurrencyHelpers
import NIOEmbedded
import OverlayCore
import Testing

/// Per-source and total connection counting, on channels that carry a
/// peer address (EmbeddedChannel: no sockets needed to count).
@Suite struct ConnectionRegistryTests {
    static let logger = Logger(label: "test")

    /// Every channel a test made, closed when it ends: an open one holds the registry
    /// and itself in a cycle, which the sanitizer pass reports as a leak.
    final class Opened: @unchecked Sendable {
        private var channels: [EmbeddedChannel] = []

        func channel(from address: String? = nil) throws -> EmbeddedChannel {
            let channel = EmbeddedChannel()
            if let address { channel.remoteAddress = try SocketAddress(ipAddress: address, port: Int.random(in: 1024...65535)) }
            channels.append(channel)
            return channel
        }

        func closeAll() {
            for channel in channels { _ = try? channel.finish() }
        }
    }

    func admitted(_ registry: ConnectionRegistry, _ channel: EmbeddedChannel) -> Bool {
        (try? registry.admit(channel, logger: Self.logger).wait()) != nil
    }

    @Test("one address gets perSourceLimit connections; another address is admitted meanwhile; a close frees a place")
    func perSource() throws {
        let opened = Opened()
        defer { opened.closeAll() }
        let refusals = RefusalLog()
        let registry = ConnectionRegistry(limit: 100, perSourceLimit: 3) { refusals.add($0) }
        let held = try (0..<3).map { _ in try opened.channel(from: "198.18.0.2") }
        for c in held { #expect(admitted(registry, c)) }
        #expect(!admitted(registry, try opened.channel(from: "198.18.0.2")), "the fourth from the same address")
        #expect(admitted(registry, try opened.channel(from: "198.18.0.3")), "another address is not affected")
        #expect(refusals.all == [.sourceLimit])
        #expect(registry.openConnections(from: SourceAddress(IPv4Address("198.18.0.2")!)) == 3)

        try held[0].close().wait()
        held[0].embeddedEventLoop.run()
        #expect(registry.openConnections(from: SourceAddress(IPv4Address("198.18.0.2")!)) == 2)
        #expect(admitted(registry, try opened.channel(from: "198.18.0.2")), "a place is free again")
    }

    @Test("the total limit holds whatever the addresses")
    func total() throws {
        let opened = Opened()
        defer { opened.closeAll() }
        let refusals = RefusalLog()
        let registry = ConnectionRegistry(limit: 2, perSourceLimit: 10) { refusals.add($0) }
        #expect(admitted(registry, try opened.channel(from: "198.18.0.2")))
        #expect(admitted(registry, try opened.channel(from: "198.18.0.3")))
        #expect(!admitted(registry, try opened.channel(from: "198.18.0.4")))
        #expect(refusals.all == [.listenerLimit])
    }

    @Test("connections without an address (a Unix socket) count only towards the total")
    func noAddress() throws {
        let opened = Opened()
        defer { opened.closeAll() }
        let registry = ConnectionRegistry(limit: 10, perSourceLimit: 1)
        for _ in 0..<5 { #expect(admitted(registry, try opened.channel())) }
    }
}

/// The refusals a registry reported, in order.
final class RefusalLog: Sendable {
    private let box = NIOLockedValueBox<[ConnectionRegistry.Refusal]>([])
    func add(_ refusal: ConnectionRegistry.Refusal) { box.withLockedValue { $0.append(refusal) } }
    var all: [ConnectionRegistry.Refusal] { box.withLockedValue { $0 } }
}
