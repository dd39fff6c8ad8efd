#!/usr/bin/env python3
"""Writes the seed corpus for FuzzDNS (Tests/Fuzz/corpus/dns/): small valid queries
and a few broken ones, so libFuzzer starts from every branch of the responder.
Run from anywhere: python3 Tests/Fuzz/make-seeds.py"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "dns")

A, NS, SOA, PTR, AAAA, ANY = 1, 2, 6, 12, 28, 255


def header(id=0x1234, flags=0x0100, qd=1, an=0, ns=0, ar=0):
    return struct.pack(">HHHHHH", id, flags, qd, an, ns, ar)


def name(text):
    out = b""
    for label in text.split(".") if text else []:
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def opt(size=1232, version=0, do=False, options=b""):
    return b"\0" + struct.pack(">HHBBHH", 41, size, 0, version, 0x8000 if do else 0, len(options)) + options


def query(qname, qtype=A, qclass=1, edns=None, **kw):
    return header(ar=1 if edns is not None else 0, **kw) + name(qname) + struct.pack(">HH", qtype, qclass) + (edns or b"")


def response():
    """What the responder sends for bob/A with the SOA added: seeds the answer reader."""
    soa = name("ns.overlay.internal") + name("hostmaster.overlay.internal") + struct.pack(">IIIII", 1, 60, 10, 3600, 5)
    return (header(flags=0x8500, an=1, ns=1) + name("bob.overlay.internal") + struct.pack(">HH", A, 1)
            + b"\xc0\x0c" + struct.pack(">HHIH", A, 1, 5, 4) + bytes([198, 19, 0, 2])
            + b"\xc0\x10" + struct.pack(">HHIH", SOA, 1, 5, len(soa)) + soa)


LONG_DOMAIN = ".".join(c * 49 for c in "abcd") + ".internal"

SEEDS = {
    "a": query("bob.overlay.internal"),
    "a-edns": query("bob.overlay.internal", edns=opt()),
    "a-mixed-case": query("BoB.OvErLaY.iNtErNaL", edns=opt(do=True)),
    "aaaa-edns": query("alice.overlay.internal", AAAA, edns=opt(size=512)),
    "nxdomain-deep": query("x.bob.overlay.internal"),
    "ptr": query("2.0.19.198.in-addr.arpa", PTR),
    "ptr-edns-cookie": query("1.0.19.198.in-addr.arpa", PTR, edns=opt(options=struct.pack(">HH", 10, 8) + b"12345678")),
    "soa-apex": query("overlay.internal", SOA, edns=opt()),
    "soa-reverse-apex": query("19.198.in-addr.arpa", SOA),
    "any-class-any": query("carol.overlay.internal", ANY, 255),
    "refused-outside": query("example.com", NS),
    "badvers": query("bob.overlay.internal", edns=opt(version=1)),
    "notify-opcode": query("overlay.internal", SOA, flags=4 << 11),
    "pointer-loop": header() + b"\x01a\xc0\x0c" + struct.pack(">HH", A, 1),
    "pointer-into-header": header(id=0) + b"\xc0\x00" + struct.pack(">HH", A, 1),
    "truncated": query("bob.overlay.internal", edns=opt())[:25],
    "response": response(),
    "nxdomain-long-domain": query("x" * 40 + "." + LONG_DOMAIN),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for label, data in SEEDS.items():
        with open(os.path.join(OUT, label), "wb") as f:
            f.write(data)
    print(f"wrote {len(SEEDS)} seeds to {OUT}")


if __name__ == "__main__":
    main()
