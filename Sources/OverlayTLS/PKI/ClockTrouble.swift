internal import COverlayOpenSSL
import Foundation

/// "Certificate not yet valid" and "expired" are, between hosts that renew
/// on time, nearly always a clock that is wrong. Said so, with the dates and
/// how far they are from this host's clock, so an operator checks time
/// synchronisation instead of the firewall.
enum ClockTrouble {
    /// Words for a validity failure of `certificate` at `now`; nil for other errors.
    static func describe(_ code: Int32, certificate: Certificate?, now: Date = Date()) -> String? {
        guard code == X509_V_ERR_CERT_NOT_YET_VALID || code == X509_V_ERR_CERT_HAS_EXPIRED else { return nil }
        guard let certificate else { return nil }
        let whose = certificate.commonName.map { "the certificate of \($0)" } ?? "the certificate"
        let stamp = ISO8601DateFormatter()
        if code == X509_V_ERR_CERT_NOT_YET_VALID {
            let ahead = certificate.notBefore.timeIntervalSince(now)
            return "certificate not yet valid: \(whose) is valid from \(stamp.string(from: certificate.notBefore)), "
                + "\(span(ahead)) after this host's clock; the two hosts' clocks differ by at least that much: "
                + "check time synchronisation on both (timedatectl status)"
        }
        let ago = now.timeIntervalSince(certificate.notAfter)
        return "certificate expired: \(whose) was valid until \(stamp.string(from: certificate.notAfter)), "
            + "\(span(ago)) before this host's clock; if that host renews on time, this host's clock is ahead: "
            + "check time synchronisation on both (timedatectl status)"
    }

    static func span(_ seconds: TimeInterval) -> String {
        let s = Int(seconds.rounded())
        if s < 120 { return "\(s) s" }
        if s < 7200 { return "\(s / 60) min" }
        if s < 172_800 { return "\(s / 3600) h \(s % 3600 / 60) min" }
        return "\(s / 86_400) days"
    }
}
