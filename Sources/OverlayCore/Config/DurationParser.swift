/// Durations as operators write them: `500ms`, `10s`, `5m`, `1h`, `1h30m`.
public enum DurationParser {
    public static func parse(_ text: String) throws(ConfigError) -> Double {
        let s = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard !s.isEmpty else { throw .invalidDuration(text) }
        var total = 0.0
        var number = ""
        var unit = ""
        func commit() throws(ConfigError) {
            guard let value = Double(number), value >= 0 else { throw .invalidDuration(text) }
            switch unit {
            case "ms": total += value / 1000
            case "s": total += value
            case "m": total += value * 60
            case "h": total += value * 3600
            case "d": total += value * 86_400
            default: throw .invalidDuration(text)
            }
            number = ""; unit = ""
        }
        for c in s {
            if c.isNumber || c == "." {
                if !unit.isEmpty { try commit() }
                number.append(c)
            } else if c.isLetter {
                guard !number.isEmpty else { throw .invalidDuration(text) }
                unit.append(c)
            } else {
                throw .invalidDuration(text)
            }
        }
        guard !number.isEmpty else { throw .invalidDuration(text) }
        if unit.isEmpty { unit = "s" }
        try commit()
        return total
    }

    /// `90` → `1m30s`, for help texts and status lines.
    public static func format(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        var rest = Int(seconds.rounded())
        var out = ""
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        return out.isEmpty ? "0s" : out
    }
}

import Foundation
