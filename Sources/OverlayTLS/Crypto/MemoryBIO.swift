internal import COverlayOpenSSL

/// Short-lived memory BIOs for PEM and DER conversions.
enum MemoryBIO {
    /// Runs `body` with a read-only BIO over `bytes`.
    static func reading<T>(_ bytes: [UInt8], _ body: (OpaquePointer) throws -> T) rethrows -> T {
        try bytes.withUnsafeBytes { raw in
            let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count))!
            defer { BIO_free(bio) }
            return try body(bio)
        }
    }

    /// Runs `body` with an empty writable BIO and returns what it wrote.
    static func writing(_ body: (OpaquePointer) throws -> Bool) throws -> [UInt8]? {
        let bio = BIO_new(BIO_s_mem())!
        defer { BIO_free(bio) }
        guard try body(bio) else { return nil }
        let pending = Int(overlay_BIO_ctrl_pending(bio))
        var out = [UInt8](repeating: 0, count: pending)
        let read = out.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32(pending)) }
        return Array(out.prefix(Int(max(read, 0))))
    }
}
