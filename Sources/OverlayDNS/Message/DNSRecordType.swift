/// The record types overlayd answers for or names in queries and printouts.
/// Types without a case here still pass through as plain numbers (`UInt16`).
public enum DNSRecordType: UInt16, Sendable, CaseIterable {
    case a = 1
    case ns = 2
    case cname = 5
    case soa = 6
    case ptr = 12
    case mx = 15
    case txt = 16
    case aaaa = 28
    case srv = 33
    case opt = 41
    case ixfr = 251
    case axfr = 252
    case any = 255

    /// The usual upper-case mnemonic: "A", "AAAA", "PTR".
    public var mnemonic: String {
        switch self {
        case .a: return "A"
        case .ns: return "NS"
        case .cname: return "CNAME"
        case .soa: return "SOA"
        case .ptr: return "PTR"
        case .mx: return "MX"
        case .txt: return "TXT"
        case .aaaa: return "AAAA"
        case .srv: return "SRV"
        case .opt: return "OPT"
        case .ixfr: return "IXFR"
        case .axfr: return "AXFR"
        case .any: return "ANY"
        }
    }

    /// From a mnemonic in any case ("a", "Ptr"), for command lines.
    public init?(mnemonic: String) {
        let upper = mnemonic.uppercased()
        guard let type = DNSRecordType.allCases.first(where: { $0.mnemonic == upper }) else { return nil }
        self = type
    }

    /// "A" for 1, "TYPE99" (RFC 3597) for types without a case.
    public static func mnemonic(of value: UInt16) -> String {
        DNSRecordType(rawValue: value)?.mnemonic ?? "TYPE\(value)"
    }
}
