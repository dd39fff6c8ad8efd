import OverlayCore

/// Keeps the overlay's names in a hosts file, for hosts without systemd-resolved: one marked block
/// per node (several nodes may share a host and the file), everything else left as it was.
///
/// Every apply re-reads the file and writes only when the block's content changed; writes are
/// atomic and serialised with the other writers on the host (see `AtomicFileUpdate`).
public struct HostsFileWiring: HostNameWiring {
    public var kind: String { "hosts-file" }

    public let path: String
    /// The node whose block this wiring keeps.
    public let owner: String
    /// Whether each line also carries the short name, so `ssh bob` works like `ssh bob.DOMAIN`.
    public let search: Bool

    public init(path: String = "/etc/hosts", owner: String, search: Bool) {
        self.path = path
        self.owner = owner
        self.search = search
    }

    private var block: HostsFileBlock { HostsFileBlock(owner: owner) }

    public func apply(zone: DNSZone) throws(HostDNSError) {
        let entries = zone.nodes.map { HostsFileBlock.Entry(name: $0.key, address: $0.value) }
        try AtomicFileUpdate.update(path: path) { (existing) throws(HostDNSError) in
            do throws(HostsFileBlock.Damage) {
                return try block.render(existing, domain: zone.domain, entries: entries, search: search)
            } catch {
                throw .hostsFileDamaged(path: path, line: error.line, problem: error.problem)
            }
        }
    }

    public func remove() throws(HostDNSError) {
        try AtomicFileUpdate.update(path: path) { (existing) throws(HostDNSError) in
            do throws(HostsFileBlock.Damage) {
                return try block.removing(from: existing)
            } catch {
                throw .hostsFileDamaged(path: path, line: error.line, problem: error.problem)
            }
        }
    }
}
