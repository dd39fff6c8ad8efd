import Foundation
import OverlayProtocol

/// The mesh as a grid: one row per reporting node, one column per peer.
struct MeshGrid {
    static let maxNodes = MeshView.gridMaxNodes

    struct Marks {
        var up: String, down: String, unknown: String, selfMark: String, arrow: String
        static let unicode = Marks(up: "●", down: "✗", unknown: "?", selfMark: "·", arrow: "→")
        static let ascii = Marks(up: "o", down: "x", unknown: "?", selfMark: ".", arrow: "->")
    }

    let view: MeshView
    let marks: Marks
    let showRTT: Bool

    func render() -> String {
        let names = view.nodes.map(\.name)
        var cells: [String: MeshPair] = [:]
        for p in view.pairs { cells[p.from + "\u{0}" + p.to] = p }
        // Long names would make a wide grid: number the columns instead and put the numbers on the rows.
        let numbered = names.contains { $0.count > 8 }
        let columnLabels = numbered ? names.indices.map { String($0 + 1) } : names
        let rowLabels = numbered ? names.enumerated().map { "\($0.offset + 1) \($0.element)" } : names
        let corner = "FROM \\ TO"
        let rowWidth = max(corner.count, rowLabels.map(\.count).max() ?? 0)

        func cell(_ from: String, _ to: String) -> String {
            if from == to { return marks.selfMark }
            guard let p = cells[from + "\u{0}" + to] else { return marks.unknown }
            switch p.state {
            case .up: return showRTT ? p.rttMs.map { String(format: "%.2f", $0) } ?? marks.up : marks.up
            case .down: return p.asymmetric ? marks.down + "!" : marks.down
            case .unknown: return marks.unknown
            }
        }
        let body = names.map { from in names.map { to in cell(from, to) } }
        let widths = names.indices.map { c in max(columnLabels[c].count, body.map { $0[c].count }.max() ?? 1) }
        func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        func line(_ label: String, _ row: [String]) -> String {
            (label.padding(toLength: rowWidth, withPad: " ", startingAt: 0) + "  "
                + zip(row, widths).map { pad($0, $1) }.joined(separator: "  ")).trimmingCharacters(in: .whitespaces)
        }
        var lines = [line(corner, columnLabels)]
        for i in names.indices { lines.append(line(rowLabels[i], body[i])) }
        lines.append("")
        lines.append("\(marks.up) up  \(marks.down) down  \(marks.down)! down one way (asymmetric)  \(marks.unknown) not reported  \(marks.selfMark) self"
                     + (showRTT ? "  numbers: smoothed RTT in ms" : ""))
        return lines.joined(separator: "\n")
    }
}
