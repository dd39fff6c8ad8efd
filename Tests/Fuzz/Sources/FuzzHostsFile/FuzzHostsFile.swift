import OverlayCore
import OverlayDNS

/// The node's block is the one for alice; bob's may be in the file too (two nodes on one host).
let block = HostsFileBlock(owner: "alice")
let entries = [HostsFileBlock.Entry(name: "alice", address: IPv4Address(0x6440_0001)),
               HostsFileBlock.Entry(name: "bob", address: IPv4Address(0x6440_0002))]

/// The input as the hosts file a node finds on disk when it writes its block of names (where
/// systemd-resolved does not run) and removes it on stop. Besides not trapping: a file that
/// renders holds exactly this node's block afterwards, rendering again changes nothing, and
/// removing the block leaves everything else as it was.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let existing = Array(UnsafeRawBufferPointer(start: data, count: size))
    guard let rendered = try? block.render(existing, domain: "overlay.internal", entries: entries, search: true) else {
        if (try? block.removing(from: existing)) != nil { fatalError("a file too damaged to render had its block removed") }
        return 0
    }
    let text = Array(block.text(domain: "overlay.internal", entries: entries, search: true).utf8)
    if rendered.count < text.count || !rendered.indices.contains(where: { rendered[$0...].starts(with: text) }) {
        fatalError("the rendered file does not hold the block")
    }
    let again: [UInt8]
    let removed: [UInt8]
    do {
        again = try block.render(rendered, domain: "overlay.internal", entries: entries, search: true)
        removed = try block.removing(from: rendered)
    } catch {
        fatalError("a file we rendered is damaged: \(error)")
    }
    if again != rendered { fatalError("rendering twice changed the file") }
    guard let withoutOld = try? block.removing(from: existing) else { fatalError("a file that rendered cannot have its block removed") }
    // Appending after a file without a final newline adds one; nothing else may differ.
    if removed != withoutOld && removed != withoutOld + [UInt8(ascii: "\n")] {
        fatalError("removing the block changed the rest of the file")
    }
    return 0
}
