import OverlayCore

/// One node's marked block in a hosts file, rendered without touching anything else: several nodes
/// on one host share the file, each with its own block, and everything outside the blocks is the
/// administrator's, kept byte for byte (it need not even be UTF-8).
///
/// Pure: bytes in, bytes out, so the rules are tested without files; `HostsFileWiring` does the I/O.
public struct HostsFileBlock: Sendable, Equatable {
    /// One node of the zone: its short name (`bob`) and overlay address.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var address: IPv4Address

        public init(name: String, address: IPv4Address) {
            self.name = name
            self.address = address
        }
    }

    /// Why the file cannot be edited safely: a block without its END, an END without its BEGIN, or
    /// a second block for one node. Editing around it could swallow or duplicate lines, so nothing is.
    public struct Damage: Error, Sendable, Equatable {
        /// 1-based.
        public var line: Int
        public var problem: String
    }

    public static let beginPrefix = "# BEGIN overlayd node "
    public static let endPrefix = "# END overlayd node "

    /// The node whose block this is.
    public let owner: String

    public init(owner: String) { self.owner = owner }

    public var beginMarker: String { Self.beginPrefix + owner }
    public var endMarker: String { Self.endPrefix + owner }

    /// The whole block, markers included, newline-terminated: one `IP<TAB>NAME.DOMAIN` line per node,
    /// sorted by name, with ` NAME` added when the domain is also searched.
    public func text(domain: String, entries: [Entry], search: Bool) -> String {
        var lines = [beginMarker]
        for entry in entries.sorted(by: { $0.name < $1.name }) {
            lines.append("\(entry.address)\t\(entry.name).\(domain)" + (search ? " \(entry.name)" : ""))
        }
        lines.append(endMarker)
        return lines.joined(separator: "\n") + "\n"
    }

    /// `existing` with this owner's block replaced by the one for `entries`, or appended when there
    /// is none yet (after a newline when the file does not end with one).
    public func render(_ existing: [UInt8], domain: String, entries: [Entry], search: Bool) throws(Damage) -> [UInt8] {
        let block = Array(text(domain: domain, entries: entries, search: search).utf8)
        if let range = try locate(in: existing) {
            var result = existing
            result.replaceSubrange(range, with: block)
            return result
        }
        var result = existing
        if let last = existing.last, last != UInt8(ascii: "\n") { result.append(UInt8(ascii: "\n")) }
        return result + block
    }

    /// `existing` without this owner's block; unchanged when it has none.
    public func removing(from existing: [UInt8]) throws(Damage) -> [UInt8] {
        guard let range = try locate(in: existing) else { return existing }
        var result = existing
        result.removeSubrange(range)
        return result
    }

    /// String forms of `render` and `removing`, for callers that hold text.
    public func render(_ existing: String, domain: String, entries: [Entry], search: Bool) throws(Damage) -> String {
        String(decoding: try render(Array(existing.utf8), domain: domain, entries: entries, search: search), as: UTF8.self)
    }

    public func removing(from existing: String) throws(Damage) -> String {
        String(decoding: try removing(from: Array(existing.utf8)), as: UTF8.self)
    }

    /// The bytes of this owner's block, from its BEGIN line to the end of its END line, after checking
    /// that every overlayd block in the file (any owner's) is well formed.
    func locate(in existing: [UInt8]) throws(Damage) -> Range<Int>? {
        var open: (owner: String, line: Int, start: Int)?
        var own: (range: Range<Int>, line: Int)?
        var lineNumber = 0
        var start = existing.startIndex
        while start < existing.endIndex {
            lineNumber += 1
            let newline = existing[start...].firstIndex(of: UInt8(ascii: "\n"))
            let end = newline.map { $0 + 1 } ?? existing.endIndex
            defer { start = end }
            guard let marker = Self.marker(existing[start..<(newline ?? existing.endIndex)]) else { continue }
            switch marker {
            case .begin(let name):
                if let open {
                    throw Damage(line: open.line, problem: "'\(Self.beginPrefix)\(open.owner)' has no '\(Self.endPrefix)\(open.owner)' before the next block begins on line \(lineNumber)")
                }
                open = (name, lineNumber, start)
            case .end(let name):
                guard let begun = open else {
                    throw Damage(line: lineNumber, problem: "'\(Self.endPrefix)\(name)' has no '\(Self.beginPrefix)\(name)' before it")
                }
                guard begun.owner == name else {
                    throw Damage(line: begun.line, problem: "'\(Self.beginPrefix)\(begun.owner)' is ended by '\(Self.endPrefix)\(name)' on line \(lineNumber)")
                }
                open = nil
                guard name == owner else { continue }
                if let own {
                    throw Damage(line: begun.line, problem: "a second block for node \(owner) (the first begins on line \(own.line))")
                }
                own = (begun.start..<end, begun.line)
            }
        }
        if let open {
            throw Damage(line: open.line, problem: "'\(Self.beginPrefix)\(open.owner)' has no '\(Self.endPrefix)\(open.owner)' before the end of the file")
        }
        return own?.range
    }

    private enum Marker { case begin(String), end(String) }

    /// The marker on this line, if it is one (trailing blanks and a CR are tolerated).
    private static func marker(_ line: ArraySlice<UInt8>) -> Marker? {
        guard line.first == UInt8(ascii: "#") else { return nil }
        var text = Substring(String(decoding: line, as: UTF8.self))
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text.removeLast() }
        if text.hasPrefix(beginPrefix) { return .begin(String(text.dropFirst(beginPrefix.count))) }
        if text.hasPrefix(endPrefix) { return .end(String(text.dropFirst(endPrefix.count))) }
        return nil
    }
}
