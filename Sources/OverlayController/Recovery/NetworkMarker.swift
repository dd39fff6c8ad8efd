import Foundation
import OverlayTLS

/// `network.json` in the state directory: written once the database holds a
/// network, so that a later start finding a CA beside an empty database can
/// tell "the operator brought a CA" (no marker) from "this controller's own
/// database is gone" (marker), and refuse the second instead of starting an
/// empty registry whose addresses live certificates still hold.
struct NetworkMarker: Codable, Equatable {
    var network: String
    var caSha256: String
    var createdAt: Date

    static func path(in directory: String) -> String { directory + "/network.json" }

    static func load(from directory: String) -> NetworkMarker? {
        guard let data = FileManager.default.contents(atPath: path(in: directory)) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(NetworkMarker.self, from: data)
    }

    func write(to directory: String) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try SecureFile.write(Array(try encoder.encode(self)) + [0x0a], to: Self.path(in: directory), mode: 0o644)
    }
}
