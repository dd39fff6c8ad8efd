import Foundation

/// The running node's parts its STATUS= line reads.
struct NodeRuntime: Sendable {
    let identity: NodeIdentity
    let roster: RosterCache
    let book: PeerHealthBook
}
