internal import COverlayOpenSSL

/// OpenSSL's error queue is thread-local, so it must be drained on the same
/// thread right after the failing call; this type is that snapshot.
struct OpenSSLErrorStack: Sendable, CustomStringConvertible {
    var messages: [String]

    /// Drains the calling thread's error queue.
    static func drain() -> OpenSSLErrorStack {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return OpenSSLErrorStack(messages: messages)
    }

    /// The reason strings only ("certificate verify failed"), which read better in logs.
    var reasons: [String] {
        messages.map { message in
            message.split(separator: ":", omittingEmptySubsequences: false).last.map(String.init) ?? message
        }
    }

    var description: String { messages.isEmpty ? "no OpenSSL error recorded" : reasons.joined(separator: "; ") }
}
