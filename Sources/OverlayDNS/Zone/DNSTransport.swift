/// How a query arrived: UDP answers must fit the client's buffer, TCP answers need not.
public enum DNSTransport: Sendable {
    case udp
    case tcp
}
