/// How a node's names reach its host's own lookups.
///
/// The node answers DNS for its zone, but `ssh bob.overlay.internal` on the host only works if the
/// host's resolver asks it (systemd-resolved, per link) or finds the names itself (a block in
/// `/etc/hosts`). Each way is one of these, chosen at start-up and driven by the zone's changes.
public protocol HostNameWiring: Sendable {
    /// `"resolved"` or `"hosts-file"`, for logs and status.
    var kind: String { get }
    /// Called after every zone change (and once at start); must be cheap when nothing changed.
    func apply(zone: DNSZone) throws(HostDNSError)
    /// On exit: undo everything this wiring did. Safe to call twice.
    func remove() throws(HostDNSError)
}
