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

    /// `object` (an encoded, non-empty JSON object) with `"key":value` added
    /// as its first member, without decoding it: for a large body encoded
    /// once and a small per-answer member. Keys stay sorted when `key` sorts
    /// before every key of `object`. Anything else is returned unchanged.
    public static func prepending(member key: String, value: [UInt8], to object: [UInt8]) -> [UInt8] {
        guard object.first == UInt8(ascii: "{"), object.count > 2 else { return object }
        var out = [UInt8]()
        out.reserveCapacity(object.count + key.utf8.count + value.count + 8)  // {"key": , and room for a newline
        out.append(contentsOf: Array("{\"\(key)\":".utf8))
        out.append(contentsOf: value)
        out.append(UInt8(ascii: ","))
        out.append(contentsOf: object.dropFirst())
        return out
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

extension KeyedDecodingContainer {
    /// `decode`, except that a number that does not fit `T` (-1 or 2^64 for a `UInt64`, 1e400 for a
    /// `Double`) names its field: Foundation reports one as "not valid JSON" with no field at all,
    /// so a refusal could not say which value was wrong. For the numeric fields of request bodies.
    public func decodeNamingField<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        do { return try decode(type, forKey: key) } catch let error as DecodingError { throw error } catch {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "the number does not fit \(T.self)")
        }
    }

    /// `decodeIfPresent`, naming the field of a number that does not fit `T` (see `decodeNamingField`).
    public func decodeIfPresentNamingField<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        do { return try decodeIfPresent(type, forKey: key) } catch let error as DecodingError { throw error } catch {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "the number does not fit \(T.self)")
        }
    }
}
