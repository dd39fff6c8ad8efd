import Foundation

/// "At most `count` per `period`", as a config file writes it: `30/min`,
/// `20/s`, `100/10m`. A per-source limiter lets a quiet source spend the
/// whole `count` at once, then refills it evenly over `period`.
public struct RateLimit: Sendable, Equatable, CustomStringConvertible {
    public var count: Int
    /// Seconds.
    public var period: Double

    public init(_ count: Int, per period: Double) {
        precondition(count > 0 && period > 0, "a rate limit needs a positive count and period")
        self.count = count
        self.period = period
    }

    /// `N/s`, `N/min`, `N/h`, or `N/DURATION` (`N/10s`); nil when it is none of these, or N or the period is not positive.
    public init?(parsing text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let count = Int(parts[0].trimmingCharacters(in: .whitespaces)), count > 0 else { return nil }
        let unit = parts[1].trimmingCharacters(in: .whitespaces).lowercased()
        let period: Double
        switch unit {
        case "s", "sec", "second": period = 1
        case "m", "min", "minute": period = 60
        case "h", "hour": period = 3600
        default:
            guard let seconds = try? DurationParser.parse(unit), seconds > 0 else { return nil }
            period = seconds
        }
        self.init(count, per: period)
    }

    /// Tokens a source earns back per second.
    public var perSecond: Double { Double(count) / period }

    public var description: String {
        switch period {
        case 1: return "\(count)/s"
        case 60: return "\(count)/min"
        case 3600: return "\(count)/h"
        default: return "\(count)/\(DurationParser.format(period))"
        }
    }
}
