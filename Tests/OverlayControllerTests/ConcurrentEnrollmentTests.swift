import Foundation
import OverlayProtocol
import OverlayTLS
import Testing

/// Many nodes enrolling in the same moment, as after a fleet-wide rollout.
@Suite("Concurrent enrollment", .timeLimit(.minutes(5)))
struct ConcurrentEnrollmentTests {
    @Test("200 enrollments at once from many clients: all succeed, each with its own overlay IP, each token use spent once")
    func twoHundredAtOnce() async throws {
        // One address stands in for 200 hosts here: its per-address rate is raised for that.
        try await withController(.init(network: "10.70.0.0/16", extraArguments: ["--enroll-rate", "1000/min"])) { controller in
            let (token, _) = try await controller.control.createToken(uses: 200)
            let results = await withTaskGroup(of: Result<EnrolledNode, any Error>.self) { group in
                for i in 0 ..< 200 {
                    group.addTask {
                        do { return .success(try await controller.enrollment(token).enroll("node\(i)")) } catch { return .failure(error) }
                    }
                }
                var all: [Result<EnrolledNode, any Error>] = []
                for await r in group { all.append(r) }
                return all
            }
            let enrolled = results.compactMap { try? $0.get() }
            let failures = results.compactMap { r -> String? in if case .failure(let e) = r { return "\(e)" } else { return nil } }
            #expect(failures.isEmpty, "\(failures.count) failed, e.g. \(failures.prefix(3))")
            #expect(enrolled.count == 200 && Set(enrolled.map(\.overlayIP)).count == 200, "distinct overlay IPs")
            #expect(try await controller.control.token(token.id)?.usesLeft == 0)
            #expect(try await controller.control.roster().nodes.count == 200)
        }
    }
}
