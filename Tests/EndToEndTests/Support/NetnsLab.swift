import Foundation

/// Network namespaces for one test: a hub namespace with a bridge, and one
/// namespace per party joined to the bridge by a veth pair, addressed only
/// from 198.18.0.0/15 (the benchmarking range, RFC 2544). No namespace has a
/// route anywhere else, so traffic goes nowhere but these namespaces.
/// Everything is created inside the namespaces (no interface ever appears in
/// the root namespace) and deleted again, even when the test fails.
final class NetnsLab: @unchecked Sendable {
    struct Party: Sendable {
        var name: String
        var address: String
    }

    let tag: String
    let hub: String
    private(set) var created: [String] = []
    private var namespaceOf: [String: String] = [:]

    static func with<T>(_ parties: [Party], _ body: (NetnsLab) async throws -> T) async throws -> T {
        let lab = NetnsLab()
        defer { lab.tearDown() }
        try lab.build(parties)
        return try await body(lab)
    }

    private init() {
        tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        hub = "ovl-e2e-\(tag)-hub"
    }

    /// The namespace a party's processes run in.
    func namespace(_ party: String) throws -> String {
        guard let ns = namespaceOf[party] else { throw SetupError("no namespace for \(party)") }
        return ns
    }

    private func ip(_ arguments: [String]) throws {
        let result = Command.runSync(try Tools.ip(), arguments)
        guard result.succeeded else { throw SetupError("network namespace setup failed: \(result)") }
    }

    private func addNamespace(_ name: String) throws {
        try ip(["netns", "add", name])
        created.append(name)
        try ip(["-n", name, "link", "set", "lo", "up"])
    }

    private func build(_ parties: [Party]) throws {
        for party in parties {
            guard party.address.hasPrefix("198.18.") || party.address.hasPrefix("198.19.") else {
                throw SetupError("\(party.address) is outside 198.18.0.0/15")
            }
        }
        try addNamespace(hub)
        try ip(["-n", hub, "link", "add", "br0", "type", "bridge"])
        try ip(["-n", hub, "link", "set", "br0", "up"])
        for (index, party) in parties.enumerated() {
            let ns = "ovl-e2e-\(tag)-\(party.name)"
            try addNamespace(ns)
            namespaceOf[party.name] = ns
            let port = "p\(index)"
            try ip(["-n", hub, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns])
            try ip(["-n", hub, "link", "set", port, "master", "br0"])
            try ip(["-n", hub, "link", "set", port, "up"])
            try ip(["-n", ns, "addr", "add", "\(party.address)/24", "dev", "eth0"])
            try ip(["-n", ns, "link", "set", "eth0", "up"])
        }
    }

    /// Deletes every namespace this lab created (their veth pairs and the bridge go with them).
    func tearDown() {
        guard let ipPath = try? Tools.ip() else { return }
        for ns in created.reversed() {
            let result = Command.runSync(ipPath, ["netns", "del", ns])
            if !result.succeeded { FileHandle.standardError.write(Data("[e2e] cleanup: \(result)\n".utf8)) }
        }
        created.removeAll()
    }
}
