/// Where a question's name falls in the zone, decided on the wire bytes of the
/// question as received (any case) without building a String.
struct DNSZoneMatch: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// The forward or reverse apex itself.
        case apex
        /// A node's name: its address.
        case node(UInt32)
        /// A host's reverse name: the wire form of the node's `NAME.DOMAIN.`.
        case pointer([UInt8])
        /// Under an apex, but no such name.
        case missing
    }

    var kind: Kind
    /// Offset of the apex's first label inside the name's buffer (for the SOA's owner pointer).
    var apexOffset: Int
}

extension DNSZone {
    /// `name[start..<end]` is an expanded wire name (from `DNSName.expand`). Nil when it is
    /// outside both zones.
    func match(_ name: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> DNSZoneMatch? {
        if let (count, apex) = DNSZone.prefixLabels(name, start: start, end: end, suffix: tables.domainWire) {
            switch count {
            case 0:
                return DNSZoneMatch(kind: .apex, apexOffset: apex)
            case 1:
                if let address = nodeAddress(name, labelAt: start) { return DNSZoneMatch(kind: .node(address), apexOffset: apex) }
                return DNSZoneMatch(kind: .missing, apexOffset: apex)
            default:
                return DNSZoneMatch(kind: .missing, apexOffset: apex)
            }
        }
        if let (count, apex) = DNSZone.prefixLabels(name, start: start, end: end, suffix: tables.reverseWire) {
            if count == 0 { return DNSZoneMatch(kind: .apex, apexOffset: apex) }
            guard count == tables.reverseHostLabels, let address = reverseAddress(name, start: start, count: count),
                  let target = tables.pointers[address] else {
                return DNSZoneMatch(kind: .missing, apexOffset: apex)
            }
            return DNSZoneMatch(kind: .pointer(target), apexOffset: apex)
        }
        return nil
    }

    /// When the name ends in `suffix` (lowercase wire form) on a label boundary: how many
    /// labels come before it, and where it starts.
    @inline(__always)
    static func prefixLabels(_ name: UnsafeBufferPointer<UInt8>, start: Int, end: Int,
                             suffix: [UInt8]) -> (count: Int, offset: Int)? {
        let suffixStart = end &- suffix.count
        guard suffixStart >= start else { return nil }
        var offset = start
        var count = 0
        while offset < suffixStart {
            offset = offset &+ Int(name[offset]) &+ 1
            count &+= 1
        }
        guard offset == suffixStart else { return nil }
        var i = 0
        while i < suffix.count {
            guard DNSBytes.lower(name[suffixStart &+ i]) == suffix[i] else { return nil }
            i &+= 1
        }
        return (count, suffixStart)
    }

    /// Binary search of the sorted node labels for the label at `labelAt`, compared lowercase.
    private func nodeAddress(_ name: UnsafeBufferPointer<UInt8>, labelAt: Int) -> UInt32? {
        let length = Int(name[labelAt])
        let first = labelAt &+ 1
        var low = 0
        var high = tables.labels.count
        while low < high {
            let mid = (low &+ high) >> 1
            let order = DNSZone.compare(name, from: first, length: length, with: tables.labels[mid])
            if order == 0 { return tables.addresses[mid] }
            if order < 0 { high = mid } else { low = mid &+ 1 }
        }
        return nil
    }

    /// -1, 0, 1 as the lowercased bytes order against `label` (byte order, shorter first on a tie).
    @inline(__always)
    private static func compare(_ name: UnsafeBufferPointer<UInt8>, from: Int, length: Int, with label: [UInt8]) -> Int {
        let common = min(length, label.count)
        var i = 0
        while i < common {
            let a = DNSBytes.lower(name[from &+ i])
            let b = label[i]
            if a != b { return a < b ? -1 : 1 }
            i &+= 1
        }
        return length == label.count ? 0 : (length < label.count ? -1 : 1)
    }

    /// The address of a reverse name's host labels (least significant octet first), each
    /// a decimal octet without leading zeros; nil when one is not, or when the address
    /// falls outside the network (possible when the network is narrower than the apex).
    private func reverseAddress(_ name: UnsafeBufferPointer<UInt8>, start: Int, count: Int) -> UInt32? {
        var address = tables.reverseBase
        var offset = start
        for index in 0..<count {
            let length = Int(name[offset])
            guard let octet = DNSZone.decimalOctet(name, from: offset &+ 1, length: length) else { return nil }
            address |= UInt32(octet) << (8 * UInt32(index))
            offset = offset &+ length &+ 1
        }
        guard address & tables.networkMask == tables.networkBase else { return nil }
        return address
    }

    @inline(__always)
    private static func decimalOctet(_ name: UnsafeBufferPointer<UInt8>, from: Int, length: Int) -> UInt8? {
        guard (1...3).contains(length) else { return nil }
        if length > 1, name[from] == 0x30 { return nil }
        var value = 0
        for i in 0..<length {
            let digit = name[from &+ i] &- 0x30
            guard digit < 10 else { return nil }
            value = value &* 10 &+ Int(digit)
        }
        return value <= 255 ? UInt8(value) : nil
    }
}
