import Foundation
import TOMLKit

/// Reads a TOML config file into a `Decodable` settings struct, refusing
/// unknown keys so a typo is an error rather than a silently ignored setting.
public enum ConfigFile {
    public static func load<T: Decodable>(_ type: T.Type, path: String, knownKeys: [String]) throws -> T {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError.unreadableFile(path: path, reason: (error as NSError).localizedDescription)
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError.syntax(path: path, line: Int(error.source.begin.line), reason: error.description)
        }
        let unknown = table.keys.filter { !knownKeys.contains($0) }.sorted()
        guard unknown.isEmpty else { throw ConfigError.unknownKeys(path: path, keys: unknown, known: knownKeys.sorted()) }
        do {
            return try TOMLDecoder().decode(T.self, from: table)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw ConfigError.invalidValue(path: path, key: key, reason: "wrong type (\(context.debugDescription))")
        } catch {
            throw ConfigError.invalidValue(path: path, key: "?", reason: "\(error)")
        }
    }
}
