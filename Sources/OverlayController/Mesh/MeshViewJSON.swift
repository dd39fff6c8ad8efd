import Foundation
import OverlayProtocol

/// Writes the `MeshView` JSON straight from the matrix snapshot, pair by
/// pair, in the dialect of `OverlayJSON` (sorted keys, ISO-8601 dates, nil
/// fields left out). A 1000-node mesh is a million pairs; going through
/// `JSONEncoder` would hold them all as values and as an intermediate tree,
/// several hundred MiB for one request.
enum MeshViewJSON {
    /// `brokenLimit` (with `brokenOnly`) keeps only the first that many pairs and says how many
    /// more there were in `brokenPairsOmitted`.
    static func encode(_ builder: MeshViewBuilder, rosterVersion: String, now: Date, brokenOnly: Bool,
                       brokenLimit: Int? = nil) -> [UInt8] {
        // First pass: the node summaries (they come before the pairs in key order) and how many pairs are not up.
        var broken = 0
        let nodes = builder.walk(brokenOnly: true) { _ in broken += 1 }
        let limit = brokenOnly ? brokenLimit ?? Int.max : Int.max
        var out = JSONWriter()
        out.reserve(brokenOnly ? 4096 + min(broken, limit) * 200 + nodes.count * 160 : nodes.count * nodes.count * 84 + nodes.count * 160)
        out.raw("{")
        if broken > limit { out.raw("\"brokenPairsOmitted\":"); out.raw(String(broken - limit)); out.raw(",") }
        out.raw("\"generatedAt\":"); out.date(now)
        out.raw(",\"nodes\":[")
        for (i, n) in nodes.enumerated() {
            if i > 0 { out.raw(",") }
            out.raw("{\"flags\":[")
            for (j, f) in n.flags.enumerated() { if j > 0 { out.raw(",") }; out.string(f.rawValue) }
            out.raw("],\"name\":"); out.string(n.name)
            out.raw(",\"overlayIP\":"); out.string(n.overlayIP)
            out.raw(",\"peers\":"); out.raw(String(n.peers))
            out.raw(",\"reachableBy\":"); out.raw(String(n.reachableBy))
            out.raw(",\"reaches\":"); out.raw(String(n.reaches))
            if let s = n.silentSince { out.raw(",\"silentSince\":"); out.date(s) }
            out.raw("}")
        }
        out.raw("],\"pairs\":[")
        var written = 0
        _ = builder.walk(brokenOnly: brokenOnly) { p in
            guard written < limit else { return }
            if written > 0 { out.raw(",") }
            written += 1
            out.raw("{\"asymmetric\":"); out.raw(p.asymmetric ? "true" : "false")
            out.raw(",\"from\":"); out.string(p.from)
            if let e = p.lastError { out.raw(",\"lastError\":"); out.string(e) }
            if let r = p.rttMs { out.raw(",\"rttMs\":"); out.raw(r.description) }
            if let s = p.since { out.raw(",\"since\":"); out.date(s) }
            out.raw(",\"state\":"); out.string(p.state.rawValue)
            out.raw(",\"to\":"); out.string(p.to)
            out.raw("}")
        }
        out.raw("],\"rosterVersion\":"); out.string(rosterVersion)
        out.raw("}\n")
        return out.bytes
    }
}

/// Appends JSON tokens to a byte buffer.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private let dates = ISO8601DateFormatter()

    mutating func reserve(_ n: Int) { bytes.reserveCapacity(n) }

    mutating func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }

    mutating func date(_ d: Date) { string(dates.string(from: d)) }

    /// A JSON string: quotes, backslashes and control characters escaped; everything else as UTF-8.
    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
