import CSystemd
import Glibc

/// One blocking D-Bus connection, opened for a few method calls and closed again: sd-bus objects
/// must not be shared between threads, and zone changes are rare enough that a connection per
/// change costs nothing that matters.
final class BusConnection {
    /// A method call that failed: the D-Bus error name when the peer or the bus gave one, and `errno`.
    struct CallFailure: Error {
        var name: String?
        var message: String
        var errno: Int32
    }

    /// The system bus's address when `DBUS_SYSTEM_BUS_ADDRESS` does not name another.
    static let defaultSystemBus = "unix:path=/run/dbus/system_bus_socket"

    /// How long one call may block the caller; a polkit prompt is never shown (no interactive auth).
    static let callTimeoutMicroseconds: UInt64 = 10_000_000

    private let bus: OpaquePointer
    /// The address connected to, for error messages.
    let address: String

    /// Connects to `address`, or to the system bus when it is nil.
    init(address: String?) throws(HostDNSError) {
        var handle: OpaquePointer?
        let label = address ?? Self.systemBusAddress
        var r: Int32
        if let address {
            r = sd_bus_new(&handle)
            if r >= 0 { r = sd_bus_set_address(handle, address) }
            if r >= 0 { r = sd_bus_set_bus_client(handle, 1) }
            if r >= 0 { r = sd_bus_start(handle) }
        } else {
            r = sd_bus_open_system(&handle)
        }
        guard r >= 0, let handle else {
            if let handle { sd_bus_flush_close_unref(handle) }
            throw .busUnreachable(bus: label, errno: -r)
        }
        bus = handle
        self.address = label
    }

    deinit { sd_bus_flush_close_unref(bus) }

    static var systemBusAddress: String {
        getenv("DBUS_SYSTEM_BUS_ADDRESS").map { String(cString: $0) } ?? defaultSystemBus
    }

    /// Calls `interface.member` on `destination` at `path` with the arguments `write` appends, and
    /// hands the reply to `read` (nil when it could not make sense of it).
    func call<Result>(destination: String, path: String, interface: String, member: String,
                      write: (inout BusMessageWriter) -> Void = { _ in },
                      read: (OpaquePointer) -> Result? = { _ in nil }) throws(CallFailure) -> Result? {
        var message: OpaquePointer?
        var r = sd_bus_message_new_method_call(bus, &message, destination, path, interface, member)
        guard r >= 0, let message else { throw CallFailure(name: nil, message: "cannot build the call: \(HostDNSError.text(-r))", errno: -r) }
        defer { sd_bus_message_unref(message) }
        var writer = BusMessageWriter(message: message)
        write(&writer)
        guard writer.failure == 0 else {
            throw CallFailure(name: nil, message: "cannot build the call's arguments: \(HostDNSError.text(writer.failure))", errno: writer.failure)
        }
        var error = sd_bus_error()
        defer { sd_bus_error_free(&error) }
        var reply: OpaquePointer?
        r = sd_bus_call(bus, message, Self.callTimeoutMicroseconds, &error, &reply)
        defer { if let reply { sd_bus_message_unref(reply) } }
        guard r >= 0 else {
            let name = error.name.map { String(cString: $0) }
            let text = error.message.map { String(cString: $0) } ?? HostDNSError.text(-r)
            throw CallFailure(name: name, message: text, errno: -r)
        }
        return reply.flatMap(read)
    }
}

/// Appends arguments to a method call with sd-bus's non-variadic calls, remembering the first
/// failure so a sequence of appends needs one check at the end.
struct BusMessageWriter {
    let message: OpaquePointer
    /// The first failure's errno, 0 while all appends succeeded.
    private(set) var failure: Int32 = 0

    init(message: OpaquePointer) { self.message = message }

    static func type(_ c: Unicode.Scalar) -> CChar { CChar(truncatingIfNeeded: c.value) }

    private mutating func check(_ r: Int32) { if r < 0, failure == 0 { failure = -r } }

    mutating func int32(_ value: Int32) {
        var v = value
        check(sd_bus_message_append_basic(message, Self.type("i"), &v))
    }

    mutating func uint16(_ value: UInt16) {
        var v = value
        check(sd_bus_message_append_basic(message, Self.type("q"), &v))
    }

    /// D-Bus booleans travel as 32-bit ints.
    mutating func bool(_ value: Bool) {
        var v: Int32 = value ? 1 : 0
        check(sd_bus_message_append_basic(message, Self.type("b"), &v))
    }

    mutating func string(_ value: String) {
        check(value.withCString { sd_bus_message_append_basic(message, Self.type("s"), $0) })
    }

    /// An `ay`.
    mutating func bytes(_ value: [UInt8]) {
        check(value.withUnsafeBytes { sd_bus_message_append_array(message, Self.type("y"), $0.baseAddress, $0.count) })
    }

    /// Appends a container of `type` (`a`, `r`) holding `contents`, filled by `body`.
    mutating func container(_ type: Unicode.Scalar, _ contents: String, _ body: (inout BusMessageWriter) -> Void) {
        check(sd_bus_message_open_container(message, Self.type(type), contents))
        body(&self)
        check(sd_bus_message_close_container(message))
    }
}
