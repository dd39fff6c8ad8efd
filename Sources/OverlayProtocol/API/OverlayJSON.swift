import Foundation

/// One JSON dialect for every API and socket: ISO-8601 dates, sorted keys so
/// output is stable for operators diffing it.
public enum OverlayJSON {
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    public static func encode<T: Encodable>(_ value: T, pretty: Bool = false) -> [UInt8] {
        // Encoding our own value types cannot fail.
        Array((try? encoder(pretty: pretty).encode(value)) ?? Data("{}".utf8))
    }
}

/// Every 4xx/5xx body: a stable machine code and a sentence for a person.
public struct APIError: Codable, Sendable, Equatable, Error, CustomStringConvertible {
    public var error: String
    public var message: String

    public init(_ error: String, _ message: String) {
        self.error = error
        self.message = message
    }

    public var description: String { message }
}
