import OverlayCore

/// The controller's one-line state for `systemctl status` (sd_notify STATUS=):
/// `5 active / 7 registered nodes, roster v42`.
enum ControllerStatusText {
    static func make(active: Int, registered: Int, rosterVersion: String) -> String {
        "\(active) active / \(registered) registered nodes, roster v\(RosterVersionLabel.short(rosterVersion))"
    }

    static func make(_ roster: Roster) -> String {
        let counts = roster.counts()
        return make(active: counts.active, registered: counts.registered, rosterVersion: roster.currentVersion())
    }
}
