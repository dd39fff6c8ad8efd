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
        if let line = firstUnsafeTableHeader(in: text) {
            throw ConfigError.syntax(path: path, line: line, reason: "a table header must name a table: [name]")
        }
        if let (line, scalar) = firstControlCharacter(in: text) {
            throw ConfigError.syntax(path: path, line: line, reason: String(format: "control character U+%04X is not allowed in TOML "
                                                                            + "(inside a string, write it as an escape)", scalar.value))
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

    /// The line of the first table header (`[` or `[[` at the start of a line) that does not go on
    /// with a key, a quote or `]`, or nil. TOMLKit's parser (toml++) assumes it does: a debug build
    /// aborts the process on `[` followed by anything else (an assertion; FuzzConfig found it), and a
    /// release build is left with undefined behaviour. overlayd's configs have no tables, so this
    /// refuses nothing they need, even where such a line sits inside a multi-line value.
    static func firstUnsafeTableHeader(in text: String) -> Int? {
        func isBlank(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\u{FEFF}" }
        for (index, line) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var rest = line.drop(while: isBlank)
            guard rest.first == "[" else { continue }
            rest = rest.dropFirst().drop(while: isBlank)
            if rest.first == "[" { rest = rest.dropFirst().drop(while: isBlank) }
            guard let c = rest.first, c.isASCII,
                  c.properties.isAlphabetic || ("0"..."9").contains(c) || "_-\"']".unicodeScalars.contains(c) else { return index + 1 }
        }
        return nil
    }

    /// The line and value of the first control character TOML forbids (all but tab, and CR and LF
    /// between lines), or nil. TOMLKit reads the text as a C string, so without this check it would
    /// stop at a NUL and silently ignore the rest of the file.
    static func firstControlCharacter(in text: String) -> (line: Int, scalar: Unicode.Scalar)? {
        var line = 1
        for scalar in text.unicodeScalars {
            if scalar == "\n" { line += 1; continue }
            if scalar == "\t" || scalar == "\r" { continue }
            if scalar.value < 0x20 || scalar.value == 0x7F { return (line, scalar) }
        }
        return nil
    }
}
