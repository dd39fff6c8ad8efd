import NIOCore
import OverlayProtocol

/// The input as the byte stream a peer sends inside TLS, read frame by frame as the
/// decoder reads a connection. Besides not trapping: waiting for more bytes consumes
/// nothing, every frame re-encodes to exactly the bytes it was read from (so re-encoded
/// it decodes to the same frame), the same stream cut in two at any point gives the same
/// frames, and an error frame made from any text decodes to a prefix of that text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let whole = frames(in: [ByteBuffer(bytes: input)])
    if size > 1 {
        let cut = Int(input[0]) * size / 256
        let split = frames(in: [ByteBuffer(bytes: input[..<cut]), ByteBuffer(bytes: input[cut...])])
        if split != whole { fatalError("cut at \(cut), the stream reads \(split), whole it reads \(whole)") }
    }
    checkErrorText(String(decoding: input, as: UTF8.self))
    return 0
}

/// What a reader sees when the stream arrives in `chunks`: the frames, then how it ended.
struct Reading: Equatable {
    var frames: [PeerFrame] = []
    var error: PeerFrameError?
}

func frames(in chunks: [ByteBuffer]) -> Reading {
    var reading = Reading()
    var buffer = ByteBuffer()
    for var chunk in chunks {
        buffer.writeBuffer(&chunk)
        while true {
            let before = buffer
            let frame: PeerFrame?
            do {
                frame = try PeerFrameDecoder.parse(&buffer)
            } catch let error as PeerFrameError {
                reading.error = error
                return reading
            } catch {
                fatalError("the decoder threw \(error), not a PeerFrameError")
            }
            guard let frame else {
                if buffer != before { fatalError("waiting for more bytes consumed some") }
                break
            }
            let consumed = before.getSlice(at: before.readerIndex, length: buffer.readerIndex - before.readerIndex)!
            var encoded = ByteBuffer()
            PeerFrameEncoder.write(frame, to: &encoded)
            if encoded != consumed { fatalError("\(frame) re-encodes to \(encoded.readableBytesView), was read from \(consumed.readableBytesView)") }
            reading.frames.append(frame)
        }
    }
    return reading
}

/// An error frame carries at most `maxPayload` bytes of the text, cut so that it still reads.
func checkErrorText(_ text: String) {
    var encoded = ByteBuffer()
    PeerFrameEncoder.write(.error(text), to: &encoded)
    let decoded: PeerFrame?
    do {
        decoded = try PeerFrameDecoder.parse(&encoded)
    } catch {
        fatalError("an error frame for a \(text.utf8.count)-byte text does not decode: \(error)")
    }
    guard case .error(let back) = decoded, encoded.readableBytes == 0 else {
        fatalError("an error frame for a \(text.utf8.count)-byte text decodes to \(String(describing: decoded))")
    }
    if !text.unicodeScalars.starts(with: back.unicodeScalars) {
        fatalError("an error frame for a \(text.utf8.count)-byte text decodes to text that is not its prefix")
    }
}
