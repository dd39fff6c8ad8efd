import Foundation
import OverlayController
import OverlayCore
import OverlayNode

/// Where each input is written for the loaders, which read a path (as the daemons do).
let path = NSTemporaryDirectory() + "overlayd-fuzz-config-\(ProcessInfo.processInfo.processIdentifier).toml"

/// Removes the file when libFuzzer exits; evaluated once, on the first input.
let removeAtExit: Void = { _ = atexit { unlink(path) } }()

/// The input as a config file, through `ConfigFile.load` and everything the node's and the
/// controller's `resolve` do with it, as at start and at reload. The node is resolved as its
/// unit starts it (with --name) and without a name from the command line. Besides not
/// trapping: every refusal is a `ConfigError` (which names the file and the value), and
/// every duration accepted is finite, as the timers made from them need.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    _ = removeAtExit
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size)) else {
        fatalError("cannot write \(path)")
    }
    var unit = NodeConfiguration.Overrides()
    unit.name = "alice"
    for flags in [unit, NodeConfiguration.Overrides()] {
        guard let node = resolved({ try NodeConfiguration.resolve(flags: flags, configFile: path) }) else { continue }
        checkFinite("node", [node.rosterInterval, node.pingInterval, node.pingTimeout, node.reportRTTFloor,
                             node.dataPlane?.rekeyInterval ?? 0])
    }
    if let controller = resolved({ try ControllerConfiguration.resolve(flags: .init(), configFile: path) }) {
        checkFinite("controller", [controller.activeTimeout, controller.certificateValidity])
    }
    return 0
}

func resolved<T>(_ body: () throws -> T) -> T? {
    do {
        return try body()
    } catch is ConfigError {
        return nil
    } catch {
        fatalError("a config file refused with \(type(of: error)), not a ConfigError: \(error)")
    }
}

func checkFinite(_ daemon: String, _ durations: [Double]) {
    if let bad = durations.first(where: { !$0.isFinite || $0 < 0 }) { fatalError("the \(daemon) accepted a duration of \(bad)s") }
}
