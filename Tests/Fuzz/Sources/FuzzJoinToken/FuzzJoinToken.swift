import OverlayProtocol

/// The input as a join token an operator pasted (`overlayd-node --join-token`, or the
/// config file). Besides not trapping: a token that parses has what enrollment needs
/// (a controller, a 64-digit fingerprint, a secret of at least 16 bytes) and its own
/// encoding parses back to the same token; and base64url never decodes to bytes that
/// encode to something decoding differently.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
    checkBase64URL(text)
    // Most inputs are mutated tokens: the part after the prefix is what the token format reads.
    if text.hasPrefix(JoinToken.prefix) { checkBase64URL(String(text.dropFirst(JoinToken.prefix.count))) }
    guard let token = try? JoinToken(parsing: text) else { return 0 }
    if token.controllers.isEmpty { fatalError("a token without a controller parsed") }
    if token.caFingerprint.utf8.count != 64 { fatalError("a token with a \(token.caFingerprint.utf8.count)-byte fingerprint parsed") }
    if token.secretBytes.count < 16 { fatalError("a token with a \(token.secretBytes.count)-byte secret parsed") }
    let again: JoinToken
    do {
        again = try JoinToken(parsing: token.encoded)
    } catch {
        fatalError("\(token) re-encodes as \(token.encoded), which does not parse: \(error)")
    }
    if again != token { fatalError("\(token) re-encodes as \(token.encoded), which parses as \(again)") }
    return 0
}

func checkBase64URL(_ text: String) {
    guard let bytes = Base64URL.decode(text) else { return }
    let encoded = Base64URL.encode(bytes)
    if Base64URL.decode(encoded) != bytes { fatalError("\(text) decodes to \(bytes), which encodes as \(encoded), which does not decode back") }
}
