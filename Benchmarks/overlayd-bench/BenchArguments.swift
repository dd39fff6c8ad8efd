import Foundation

/// A wrong command line: printed with the usage, exit 2.
struct UsageError: Error {
    let message: String
}

/// Every benchmark subcommand takes only `--flag N` options; this reads them
/// once so each subcommand only says which flags it knows.
enum BenchArguments {
    /// The `--flag N` pairs in order, each N a whole number of at least `minimum`
    /// (otherwise "FLAG needs `needs`").
    static func numeric(_ arguments: [String], minimum: Int, needs: String) throws -> [(flag: String, value: Int)] {
        var rest = arguments[...]
        var pairs: [(flag: String, value: Int)] = []
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst().flatMap({ Int($0) }), value >= minimum else {
                throw UsageError(message: "\(flag) needs \(needs)")
            }
            pairs.append((flag, value))
        }
        return pairs
    }
}
