/// Deterministic pseudo-random payloads (SplitMix64), so a transfer test can
/// name exactly what it sent and check a digest of what arrived.
enum TestData {
    static func pseudoRandom(count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { raw in
            let words = count / 8
            let wordPointer = raw.baseAddress!.assumingMemoryBound(to: UInt64.self)
            for i in 0..<words { wordPointer[i] = next(&state) }
            var tail = next(&state)
            for i in (words * 8)..<count {
                raw[i] = UInt8(truncatingIfNeeded: tail)
                tail >>= 8
            }
        }
        return out
    }

    private static func next(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
