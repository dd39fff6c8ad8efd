import Foundation

/// Where the built `overlayd-controller`, `overlayd-node` and `overlayctl`
/// live: `OVERLAYD_BIN_DIR` if set, else next to the running test binary
/// (SwiftPM puts the test bundle and the products in the same
/// `<scratch>/debug/` directory), looking a few levels up to be safe.
enum Binaries {
    static let names = ["overlayd-controller", "overlayd-node", "overlayctl"]

    static let directory: URL? = locate()

    static func locate() -> URL? {
        let fm = FileManager.default
        if let override = ProcessInfo.processInfo.environment["OVERLAYD_BIN_DIR"], !override.isEmpty {
            return URL(fileURLWithPath: override, isDirectory: true)
        }
        var starts: [URL] = []
        if let exe = Bundle.main.executableURL { starts.append(exe) }
        if let first = CommandLine.arguments.first { starts.append(URL(fileURLWithPath: first)) }
        if let exe = try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe") { starts.append(URL(fileURLWithPath: exe)) }
        for start in starts {
            var dir = start.resolvingSymlinksInPath().deletingLastPathComponent()
            for _ in 0..<5 {
                if names.allSatisfy({ fm.isExecutableFile(atPath: dir.appendingPathComponent($0).path) }) { return dir }
                dir = dir.deletingLastPathComponent()
            }
        }
        return nil
    }

    /// The path of one program, or an error saying how to point the tests at it.
    static func path(_ name: String) throws -> String {
        guard let directory else {
            throw SetupError("cannot find \(name) next to the test binary (\(CommandLine.arguments.first ?? "?")); "
                             + "build with 'swift build --build-tests' or set OVERLAYD_BIN_DIR")
        }
        let path = directory.appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw SetupError("\(path) is missing or not executable; set OVERLAYD_BIN_DIR to the directory holding \(names.joined(separator: ", "))")
        }
        return path
    }
}

/// A test could not set up what it needs (missing binary, `ip` failed, ...).
struct SetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
