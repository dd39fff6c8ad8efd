import ArgumentParser

@main
struct OverlayCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "overlayctl",
        abstract: "Inspect and drive overlayd daemons through their control sockets.",
        discussion: """
            Controller commands (roster, mesh, token, node, ca) use /run/overlayd/controller.sock; node commands \
            (peers, ping, resolve, cert) use /run/overlayd/node-NAME.sock, found by itself when one node runs on this host \
            (else give --node NAME). --socket PATH overrides both. Every read command takes --json.
            """,
        subcommands: [Status.self, Roster.self, Mesh.self, Token.self, Node.self, CA.self, Peers.self, Ping.self, Resolve.self, Cert.self])
}
