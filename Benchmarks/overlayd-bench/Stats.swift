/// min / median / max of repeated measurements.
struct Summary: Sendable {
    let values: [Double]

    var min: Double { values.min() ?? 0 }
    var max: Double { values.max() ?? 0 }
    var median: Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    func formatted(_ unit: String, decimals: Int = 0) -> String {
        "\(Self.format(min, decimals)) / \(Self.format(median, decimals)) / \(Self.format(max, decimals)) \(unit)"
    }

    static func format(_ value: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        if decimals == 0 { return String(Int(rounded)) }
        return String(rounded)
    }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
