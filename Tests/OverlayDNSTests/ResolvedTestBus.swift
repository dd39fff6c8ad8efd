import CSystemd
import Foundation
import Synchronization
import Testing

/// A private `dbus-daemon` for one test, so the resolved wiring's real sd-bus calls go over a real
/// bus without systemd or the system bus.
final class ResolvedTestBus {
    static let daemon = "/usr/bin/dbus-daemon"
    static var available: Bool { FileManager.default.isExecutableFile(atPath: daemon) }

    let directory: String
    let address: String
    private let process = Process()

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ovl-bus-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let config = """
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <listen>unix:path=\(directory)/bus</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow user="*"/>
                <allow own="*"/>
                <allow send_destination="*"/>
                <allow receive_sender="*"/>
              </policy>
            </busconfig>
            """
        try config.write(toFile: directory + "/bus.conf", atomically: false, encoding: .utf8)
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: Self.daemon)
        process.arguments = ["--config-file=\(directory)/bus.conf", "--nofork", "--print-address"]
        process.standardOutput = output
        try process.run()
        var printed = Data()
        while !printed.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            printed += chunk
        }
        address = String(decoding: printed, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if address.isEmpty {
            stop()
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "dbus-daemon printed no address"])
        }
    }

    func stop() {
        // SIGKILL: the child inherits the test thread's blocked signals, so SIGTERM would wait forever.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { stop() }
}

/// A stand-in for systemd-resolved on a test bus: owns `org.freedesktop.resolve1`, records every
/// method call to `/org/freedesktop/resolve1` as text (`SetLinkDNS(1, [(2, [198, 19, 0, 1])])`),
/// and answers with success or with the error set for that method.
final class FakeResolve1: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String] = []
    private var failures: [String: (name: String, message: String)] = [:]
    private let stopping = Atomic(false)
    private let finished = DispatchSemaphore(value: 0)

    init(busAddress: String) throws {
        let ready = DispatchSemaphore(value: 0)
        let result = Mutex<Int32>(0)
        Thread.detachNewThread {
            defer { self.finished.signal() }
            var bus: OpaquePointer?
            var r = sd_bus_new(&bus)
            if r >= 0 { r = sd_bus_set_address(bus, busAddress) }
            if r >= 0 { r = sd_bus_set_bus_client(bus, 1) }
            if r >= 0 { r = sd_bus_start(bus) }
            if r >= 0 { r = sd_bus_request_name(bus, "org.freedesktop.resolve1", 0) }
            if r >= 0 { r = sd_bus_add_object(bus, nil, "/org/freedesktop/resolve1", FakeResolve1.handle, Unmanaged.passUnretained(self).toOpaque()) }
            result.withLock { $0 = r }
            ready.signal()
            while r >= 0, !self.stopping.load(ordering: .relaxed) {
                let processed = sd_bus_process(bus, nil)
                if processed < 0 { break }
                if processed == 0 { sd_bus_wait(bus, 20_000) }
            }
            if let bus { sd_bus_flush_close_unref(bus) }
        }
        ready.wait()
        let r = result.withLock { $0 }
        guard r >= 0 else {
            stop()
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "fake resolve1: \(String(cString: strerror(-r)))"])
        }
    }

    /// The calls received so far, in order.
    var calls: [String] { lock.withLock { recorded } }

    /// Answers `member` with this D-Bus error from now on.
    func fail(_ member: String, name: String, message: String) { lock.withLock { failures[member] = (name, message) } }

    func stop() {
        guard !stopping.exchange(true, ordering: .relaxed) else { return }
        finished.wait()
    }

    private static let handle: sd_bus_message_handler_t = { message, userdata, error in
        guard let message, let userdata else { return 0 }
        let fake = Unmanaged<FakeResolve1>.fromOpaque(userdata).takeUnretainedValue()
        let member = sd_bus_message_get_member(message).map { String(cString: $0) } ?? "?"
        let text = member + FakeResolve1.arguments(message)
        let failure = fake.lock.withLock { () -> (name: String, message: String)? in
            fake.recorded.append(text)
            return fake.failures[member]
        }
        if let failure { return sd_bus_error_set(error, failure.name, failure.message) }
        var reply: OpaquePointer?
        guard sd_bus_message_new_method_return(message, &reply) >= 0 else { return -EIO }
        defer { sd_bus_message_unref(reply) }
        return sd_bus_send(sd_bus_message_get_bus(message), reply, nil) >= 0 ? 1 : -EIO
    }

    /// All arguments of a message as `(a, b, …)`.
    static func arguments(_ message: OpaquePointer) -> String {
        var items: [String] = []
        while let item = next(message) { items.append(item) }
        return "(" + items.joined(separator: ", ") + ")"
    }

    private static func next(_ message: OpaquePointer) -> String? {
        var type: CChar = 0
        var contents: UnsafePointer<CChar>?
        guard sd_bus_message_peek_type(message, &type, &contents) > 0 else { return nil }
        func basic<T: BitwiseCopyable>(_ value: T) -> T {
            var v = value
            sd_bus_message_read_basic(message, type, &v)
            return v
        }
        switch Unicode.Scalar(UInt8(bitPattern: type)) {
        case "a", "r":
            let array = type == CChar(truncatingIfNeeded: UInt8(ascii: "a"))
            guard sd_bus_message_enter_container(message, type, contents) >= 0 else { return nil }
            var items: [String] = []
            while let item = next(message) { items.append(item) }
            sd_bus_message_exit_container(message)
            let joined = items.joined(separator: ", ")
            return array ? "[\(joined)]" : "(\(joined))"
        case "i": return "\(basic(Int32(0)))"
        case "b": return basic(Int32(0)) != 0 ? "true" : "false"
        case "y": return "\(basic(UInt8(0)))"
        case "q": return "\(basic(UInt16(0)))"
        case "s":
            let text: UnsafePointer<CChar>? = basic(nil)
            return "\"\(text.map { String(cString: $0) } ?? "")\""
        default:
            sd_bus_message_skip(message, nil)
            return "?"
        }
    }
}
