import NIOCore

/// Generous bounds that only exist so a broken build fails instead of hanging;
/// no test asserts on how long anything took.
enum Bound {
    static let handshake: TimeAmount = .seconds(60)
    static let wait: TimeAmount = .seconds(120)
}

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "gave up waiting for \(what)" }
}

extension EventLoopFuture where Value: Sendable {
    /// Awaits the future, failing with `TimedOut` instead of hanging.
    func get(within bound: TimeAmount = Bound.wait, _ what: String = "a result") async throws -> Value {
        let promise = eventLoop.makePromise(of: Value.self)
        let timer = eventLoop.scheduleTask(in: bound) { promise.fail(TimedOut(what: what)) }
        whenComplete { result in
            timer.cancel()
            promise.completeWith(result)
        }
        return try await promise.futureResult.get()
    }

    /// The outcome, success or failure, without throwing.
    func result(within bound: TimeAmount = Bound.wait, _ what: String = "a result") async -> Result<Value, any Error> {
        do { return .success(try await get(within: bound, what)) } catch { return .failure(error) }
    }
}

/// Races `body` against a deadline; `body` must respond to cancellation.
func withDeadline<T: Sendable>(_ seconds: Int = 120, _ what: String,
                               _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TimedOut(what: what)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
