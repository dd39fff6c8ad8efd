import Foundation
import Testing

/// Runs `body` against a fresh controller in its own temporary directory,
/// then stops it with SIGTERM and checks that it exits 0 and removes its
/// control socket. At most `ProcessSlots` controllers run at once.
func withController<T>(_ options: ControllerProcess.Options = .init(),
                       _ body: (ControllerProcess) async throws -> T) async throws -> T {
    await ProcessSlots.shared.acquire()
    let dir: TempDirectory
    let controller: ControllerProcess
    do {
        dir = try TempDirectory()
    } catch {
        await ProcessSlots.shared.release()
        throw error
    }
    do {
        controller = try await ControllerProcess.start(in: dir, options: options)
    } catch {
        dir.remove()
        await ProcessSlots.shared.release()
        throw error
    }
    let result: Result<T, any Error>
    do {
        result = .success(try await body(controller))
    } catch {
        result = .failure(error)
        print("controller log after a failed test (\(error)):\n\(controller.logs)")
    }
    let status = try? await controller.stop()
    #expect(status == 0, "the controller must exit 0 on SIGTERM; its log:\n\(controller.logs)")
    #expect(!fileExists(controller.socketPath), "the controller must remove its control socket when it exits")
    dir.remove()
    await ProcessSlots.shared.release()
    return try result.get()
}

/// Runs `body` in a temporary directory (for controllers a test starts itself).
func withTempDirectory<T>(_ body: (TempDirectory) async throws -> T) async throws -> T {
    let dir = try TempDirectory()
    defer { dir.remove() }
    await ProcessSlots.shared.acquire()
    do {
        let result = try await body(dir)
        await ProcessSlots.shared.release()
        return result
    } catch {
        await ProcessSlots.shared.release()
        throw error
    }
}
