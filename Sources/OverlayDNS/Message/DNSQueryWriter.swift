/// Builds a single-question query, for `overlayctl resolve` and the tests: the same
/// bytes dig would send (RD set, an OPT record advertising 1232 bytes unless `edns` is off).
public struct DNSQueryWriter {
    public static func query(id: UInt16, name: String, type: DNSRecordType, edns: Bool = true) throws(DNSNameError) -> [UInt8] {
        try query(id: id, name: name, type: type.rawValue, edns: edns)
    }

    /// For record types without a `DNSRecordType` case.
    public static func query(id: UInt16, name: String, type: UInt16, edns: Bool = true) throws(DNSNameError) -> [UInt8] {
        let wire = try DNSName.encode(name)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(DNSHeader.size + wire.count + 4 + 11)
        DNSBytes.append(id, to: &bytes)
        DNSBytes.append(UInt16(0x0100), to: &bytes)
        DNSBytes.append(UInt16(1), to: &bytes)
        DNSBytes.append(UInt16(0), to: &bytes)
        DNSBytes.append(UInt16(0), to: &bytes)
        DNSBytes.append(UInt16(edns ? 1 : 0), to: &bytes)
        bytes.append(contentsOf: wire)
        DNSBytes.append(type, to: &bytes)
        DNSBytes.append(UInt16(1), to: &bytes)
        if edns {
            bytes.append(0)
            DNSBytes.append(DNSRecordType.opt.rawValue, to: &bytes)
            DNSBytes.append(DNSResponseWriter.ednsPayloadSize, to: &bytes)
            DNSBytes.append(UInt32(0), to: &bytes)
            DNSBytes.append(UInt16(0), to: &bytes)
        }
        return bytes
    }
}
