import Foundation
import OverlayCore
#if canImport(Glibc)
import Glibc
#endif

/// One question to one resolver, over UDP, falling back to TCP when the answer
/// comes back truncated: what `overlayctl resolve` uses to show exactly what
/// the node's resolver answers, without the host's own resolver in between.
public enum DNSLookup {
    public static func query(_ name: String, type: DNSRecordType, server: IPv4Address, port: UInt16,
                             timeout: TimeInterval = 2) throws(DNSLookupError) -> DNSAnswer {
        let id = UInt16.random(in: 0...UInt16.max)
        let query: [UInt8]
        do { query = try DNSQueryWriter.query(id: id, name: name, type: type) } catch {
            throw .badName(name, "\(error)")
        }
        let reply = try exchange(query, server: server, port: port, timeout: timeout, tcp: false)
        var answer: DNSAnswer
        do { answer = try DNSAnswerReader.read(reply, expectingID: id) } catch { throw .badAnswer("\(error)") }
        if answer.truncated {
            let full = try exchange(query, server: server, port: port, timeout: timeout, tcp: true)
            do { answer = try DNSAnswerReader.read(full, expectingID: id) } catch { throw .badAnswer("\(error)") }
        }
        return answer
    }

    private static func exchange(_ query: [UInt8], server: IPv4Address, port: UInt16, timeout: TimeInterval,
                                 tcp: Bool) throws(DNSLookupError) -> [UInt8] {
        let where_ = "\(server):\(port) (\(tcp ? "TCP" : "UDP"))"
        #if os(Linux)
        let kind = Int32(tcp ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue)
        #else
        let kind = tcp ? SOCK_STREAM : SOCK_DGRAM
        #endif
        let fd = socket(AF_INET, kind, 0)
        guard fd >= 0 else { throw .io(where_, "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = server.value.bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw .io(where_, "connect: \(String(cString: strerror(errno)))") }
        var message = query
        if tcp { message = [UInt8(query.count >> 8), UInt8(query.count & 0xff)] + query }
        let sent = message.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == message.count else { throw .io(where_, "send: \(String(cString: strerror(errno)))") }
        var buffer = [UInt8](repeating: 0, count: 65_537)
        var received = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + received, $0.count - received, 0) }
            if n < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { throw .noAnswer(where_, timeout) }
                throw .io(where_, "recv: \(String(cString: strerror(errno)))")
            }
            if !tcp { return Array(buffer[0..<n]) }
            if n == 0 { throw .io(where_, "the connection closed before a whole answer arrived") }
            received += n
            if received >= 2 {
                let length = Int(buffer[0]) << 8 | Int(buffer[1])
                if received >= 2 + length { return Array(buffer[2..<(2 + length)]) }
            }
        }
    }
}

public enum DNSLookupError: Error, CustomStringConvertible {
    case badName(String, String)
    case io(String, String)
    case noAnswer(String, TimeInterval)
    case badAnswer(String)

    public var description: String {
        switch self {
        case .badName(let n, let r): return "'\(n)' is not a name that can be asked: \(r)"
        case .io(let w, let r): return "cannot ask the resolver at \(w): \(r)"
        case .noAnswer(let w, let t):
            return "the resolver at \(w) did not answer within \(Int(t))s; is the node running with its resolver on ('overlayctl status')?"
        case .badAnswer(let r): return "the resolver's answer could not be read: \(r)"
        }
    }
}
