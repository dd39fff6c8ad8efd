import Glibc

/// A UDP address as the kernel takes it (sockaddr_in or sockaddr_in6), kept
/// by value so a send needs no conversion.
public struct DataEndpoint: Sendable, Equatable, CustomStringConvertible {
    var storage: sockaddr_storage
    var length: socklen_t

    init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage; self.length = length
    }

    /// An IPv4 or IPv6 literal and a port; nil for anything else (names are resolved by the caller).
    public init?(host: String, port: Int) {
        guard (0...65535).contains(port) else { return nil }
        var s = sockaddr_storage()
        var v4 = in_addr(), v6 = in6_addr()
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if inet_pton(AF_INET, bare, &v4) == 1 {
            withUnsafeMutableBytes(of: &s) { raw in
                let sin = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
                sin.pointee.sin_family = sa_family_t(AF_INET)
                sin.pointee.sin_port = UInt16(port).bigEndian
                sin.pointee.sin_addr = v4
            }
            self.init(storage: s, length: socklen_t(MemoryLayout<sockaddr_in>.size))
        } else if inet_pton(AF_INET6, bare, &v6) == 1 {
            withUnsafeMutableBytes(of: &s) { raw in
                let sin6 = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
                sin6.pointee.sin6_family = sa_family_t(AF_INET6)
                sin6.pointee.sin6_port = UInt16(port).bigEndian
                sin6.pointee.sin6_addr = v6
            }
            self.init(storage: s, length: socklen_t(MemoryLayout<sockaddr_in6>.size))
        } else {
            return nil
        }
    }

    public static func == (a: DataEndpoint, b: DataEndpoint) -> Bool {
        guard a.length == b.length else { return false }
        return withUnsafeBytes(of: a.storage) { x in
            withUnsafeBytes(of: b.storage) { y in memcmp(x.baseAddress!, y.baseAddress!, Int(a.length)) == 0 }
        }
    }

    public var port: Int {
        withUnsafeBytes(of: storage) { raw in
            Int(UInt16(bigEndian: raw.load(fromByteOffset: 2, as: UInt16.self)))
        }
    }

    public var description: String {
        var s = storage
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        return withUnsafeMutableBytes(of: &s) { raw -> String in
            if raw.load(as: sa_family_t.self) == sa_family_t(AF_INET6) {
                let sin6 = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
                inet_ntop(AF_INET6, &sin6.pointee.sin6_addr, &text, socklen_t(text.count))
                return "[\(Self.string(text))]:\(port)"
            }
            let sin = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
            inet_ntop(AF_INET, &sin.pointee.sin_addr, &text, socklen_t(text.count))
            return "\(Self.string(text)):\(port)"
        }
    }

    private static func string(_ text: [CChar]) -> String {
        String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @inline(__always)
    func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        withUnsafeBytes(of: storage) { raw in body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length) }
    }
}

extension DataEndpoint {
    /// A literal address, or the first address of `family` a host name resolves to (getaddrinfo; may block briefly).
    /// An IPv6 data socket (bound to `::`) takes both families.
    public static func resolve(host: String, port: Int, family: Int32 = AF_UNSPEC) -> DataEndpoint? {
        if let literal = DataEndpoint(host: host, port: port) { return literal }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        hints.ai_family = family == AF_INET6 ? AF_UNSPEC : family
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else { return nil }
        defer { freeaddrinfo(result) }
        var storage = sockaddr_storage()
        let length = min(Int(first.pointee.ai_addrlen), MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutableBytes(of: &storage) { $0.baseAddress!.copyMemory(from: first.pointee.ai_addr, byteCount: length) }
        return DataEndpoint(storage: storage, length: socklen_t(length))
    }
}
