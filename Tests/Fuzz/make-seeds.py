#!/usr/bin/env python3
"""Writes the seed corpora under Tests/Fuzz/corpus/, one directory per fuzz target: real,
valid inputs (what overlayd sends and stores) and a few broken ones, so libFuzzer starts
from every branch of each decoder. The PEM seeds are made with the project's own
certs/make-ca.sh and make-node.sh (so openssl must be installed) and are new keys on
every run. Run from anywhere: python3 Tests/Fuzz/make-seeds.py [CORPUS...]"""
import base64
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")

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


LONG_DOMAIN = ".".join(c * 49 for c in "abc") + "." + "d" * 30 + ".internal"  # FuzzDNS's longZone: 189 characters

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


# Peer frames (FuzzPeerFrame): version 1 | type | length u16 | payload.
def frame(kind, payload, version=1, length=None):
    return struct.pack(">BBH", version, kind, len(payload) if length is None else length) + payload


PING = frame(1, struct.pack(">QQ", 7, 123456789))
PONG = frame(2, struct.pack(">QQQ", 7, 123456789, 1700000000000))
ERROR = frame(3, "alice is not on my active roster".encode())

PEER_FRAME_SEEDS = {
    "ping": PING,
    "pong": PONG,
    "error": ERROR,
    "error-utf8": frame(3, "bøb n'est pas actif — ☃".encode()),
    "error-longest": frame(3, ("é" * 511 + "ab").encode()),
    "stream": PING + PONG + ERROR + PING,
    "partial": PING + PONG[:13],
    "wrong-version": frame(1, PING[4:], version=2),
    "unknown-type": frame(9, b"x"),
    "oversized": frame(3, b"", length=1025),
    "short-ping": frame(1, b"\0" * 8),
}


# Data packets and replay-window programs (FuzzDataPacket).
def data_packet(key_id, counter, inner=20):
    return struct.pack(">BBHIQ", 1, 0, 0, key_id, counter) + bytes([0x45]) + bytes(inner - 1) + bytes(16)


def window_program(*steps):
    """Steps are (opcode, operand bytes) as checkWindow reads them."""
    return b"".join(bytes([op]) + operand for op, operand in steps)


DATA_PACKET_SEEDS = {
    "packet": data_packet(0x0A0B0C0D, 1),
    "packet-large": data_packet(7, 5000, inner=1420),
    "packet-last-counter": data_packet(7, (1 << 60) - 1),
    "packet-too-short": data_packet(7, 1)[:51],
    "window-in-order": window_program(*[(2, struct.pack(">H", 1))] * 16),
    "window-replay": window_program((0, struct.pack(">Q", 100)), (0, struct.pack(">Q", 100)), (3, struct.pack(">H", 1)),
                                    (3, struct.pack(">H", 1))),
    "window-edge": window_program((1, struct.pack(">Q", 20000)), (4, bytes([127])), (4, bytes([128])), (4, bytes([129])),
                                  (4, bytes([128]))),
    "window-jump": window_program((2, struct.pack(">H", 65535)), (2, struct.pack(">H", 8129)), (3, struct.pack(">H", 8128)),
                                  (3, struct.pack(">H", 8129)), (0, struct.pack(">Q", (1 << 60) - 1)),
                                  (0, struct.pack(">Q", 1 << 60))),
}


def make_pki():
    """A CA and a node made by certs/make-ca.sh and make-node.sh, and a request for the node's key."""
    work = tempfile.mkdtemp()
    try:
        passfile = os.path.join(work, "pass")
        with open(passfile, "w") as f:
            f.write("fuzz-passphrase\n")
        certs = os.path.join(ROOT, "certs")
        subprocess.run([os.path.join(certs, "make-ca.sh"), "-p", passfile, os.path.join(work, "ca")],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run([os.path.join(certs, "make-node.sh"), "-c", os.path.join(work, "ca"), "-p", passfile, "-n", "alice",
                        "-P", passfile, "-i", "100.64.0.1", "-C", "controller.example.net:7443", "-o", os.path.join(work, "alice")],
                       check=True, stdout=subprocess.DEVNULL)

        def read(*path):
            with open(os.path.join(work, *path)) as f:
                return f.read()

        def openssl(*args):
            return subprocess.run(["openssl", *args], check=True, capture_output=True, text=True).stdout

        plain = os.path.join(work, "plain.key")
        openssl("pkey", "-in", os.path.join(work, "alice", "node.key"), "-passin", "file:" + passfile, "-out", plain)
        key = read("plain.key")
        csr = openssl("req", "-new", "-key", plain, "-subj", "/CN=alice")
        return {
            "ca.crt": read("ca", "ca.crt"),
            "node.crt": read("alice", "node.crt"),
            "node.key": read("alice", "node.key"),
            "chain.crt": read("alice", "node.crt") + read("ca", "ca.crt"),
            "node.csr": csr,
            "unencrypted.key": key,
        }
    finally:
        shutil.rmtree(work)


# API bodies (FuzzAPI) as the node and overlayctl send them, and answers as the controller
# sends them: compact JSON with sorted keys.
def api_seeds(pki):
    def body(value):
        return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()

    health = {"entries": [{"peer": "bob", "rttMs": 0.42, "state": "up", "forSeconds": 30},
                          {"peer": "carol", "state": "down", "error": "connection refused"}],
              "full": True, "seq": 3}
    return {
        "enroll": body({"csr": pki["node.csr"], "name": "alice", "nonce": "n0nc3", "proof": "cHJvb2Y", "requestedIP": "100.64.0.10",
                        "tokenID": "tok1"}),
        "renew": body({"csr": pki["node.csr"]}),
        "roster": body({"advertise": "alice.example.net:7444", "dataPort": 7444, "health": health, "knownVersion": "v12"}),
        "roster-listen-port": body({"listenPort": 7444, "health": {"entries": [], "full": False, "fullStart": 2, "seq": 5}}),
        "token-create": body({"name": "laptops", "ttlSeconds": 3600, "uses": 5}),
        "node-import": body({"certificate": pki["node.crt"]}),
        "ping": body({"count": 3, "name": "bob"}),
        "nonce-response": body({"expiresAt": "2030-01-02T03:04:05Z", "nonce": "n0nc3"}),
        "roster-response": body({"nodes": [{"dataPort": 7444, "endpoint": "192.0.2.1:7444", "fingerprint": "ab" * 32, "name": "bob",
                                            "overlayIP": "100.64.0.2"}], "unchanged": False, "version": "v13",
                                 "health": {"ack": 3, "peers": 2, "reachableBy": 1, "sendFull": False}, "domain": "overlay.internal"}),
        "renew-response": body({"caCertificate": "-----BEGIN CERTIFICATE-----", "certificate": "x", "notAfter": "2030-01-02T03:04:05Z"}),
        "api-error": body({"error": "malformed_request", "message": "request body is missing the field 'csr'"}),
    }


def token_seeds():
    def token(value):
        return ("ovl1." + base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")).encode()

    secret = base64.urlsafe_b64encode(bytes(range(32))).decode().rstrip("=")
    real = {"c": ["controller.example.net:7443", "192.0.2.10:7443"], "f": "0123456789abcdef" * 4, "i": "tok1", "s": secret}
    return {
        "token": token(real),
        "token-newline": token(real) + b"\n",
        "token-short-secret": token(dict(real, s="c2hvcnQ")),
        "token-no-controller": token(dict(real, c=[])),
        "wrong-prefix": b"ovl2.e30",
    }


def config_seeds():
    def read(path):
        with open(os.path.join(ROOT, path), "rb") as f:
            return f.read()

    return {
        "controller.conf": read("etc/controller.conf"),
        "node-alice.conf": read("etc/node/alice.conf"),
        "node-everything.conf": b"""name = "bob"
listen = "[::]:7444"
advertise = "bob.example.net:7444"
controller = "192.0.2.10:7443"
request-ip = "100.64.0.2"
roster-interval = "1h30m"
ping-interval = "500ms"
ping-timeout = "2s"
report-rtt-floor = "1ms"
peer-connections = "per-round"
tun = "ovl1"
mtu = 1400
tun-queues = 2
rekey-interval = "2m"
dns = "on"
dns-port = 5353
dns-loopback = "127.53.0.2"
dns-host = "hosts"
dns-search = true
hosts-file = "/etc/hosts"
""",
        "controller-everything.conf": b"""listen = "127.0.0.1:7443"
advertise = ["controller.example.net", "[2001:db8::1]:7443"]
network = "100.64.0.0/16"
active-timeout = "1d"
cert-lifetime = "30s"
domain = "Overlay.Example."
log-level = "debug"
metrics-listen = "127.0.0.1:9464"
status-listen = "127.0.0.1:8080"
""",
        "unknown-key.conf": b'nmae = "alice"\n',
        "wrong-type.conf": b'mtu = "big"\n[table]\nx = 1\n',
    }


# Hosts files (FuzzHostsFile) as a node finds them: Debian's, with its own block, another
# node's, and damaged ones.
HOSTS = b"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
ALICE_BLOCK = (b"# BEGIN overlayd node alice\n100.64.0.1\talice.overlay.internal alice\n"
               b"100.64.0.2\tbob.overlay.internal bob\n# END overlayd node alice\n")
BOB_BLOCK = b"# BEGIN overlayd node bob\n100.64.0.2\tbob.overlay.internal\n# END overlayd node bob\n"

HOSTS_FILE_SEEDS = {
    "debian": HOSTS,
    "no-final-newline": HOSTS.rstrip(b"\n"),
    "with-block": HOSTS + ALICE_BLOCK + b"192.0.2.1\tlater\n",
    "two-nodes": HOSTS + BOB_BLOCK + ALICE_BLOCK,
    "crlf": (HOSTS + ALICE_BLOCK).replace(b"\n", b"\r\n"),
    "unended": HOSTS + ALICE_BLOCK[:60],
    "crossed": BOB_BLOCK[:26] + ALICE_BLOCK,
}


def write(corpus, seeds):
    out = os.path.join(CORPUS, corpus)
    os.makedirs(out, exist_ok=True)
    for label, data in seeds.items():
        with open(os.path.join(out, label), "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
    print(f"wrote {len(seeds)} seeds to {out}")


def main():
    wanted = sys.argv[1:]
    corpora = {
        "dns": lambda: SEEDS,
        "peer-frame": lambda: PEER_FRAME_SEEDS,
        "data-packet": lambda: DATA_PACKET_SEEDS,
        "token": token_seeds,
        "config": config_seeds,
        "hosts-file": lambda: HOSTS_FILE_SEEDS,
    }
    for corpus, seeds in corpora.items():
        if not wanted or corpus in wanted:
            write(corpus, seeds())
    if not wanted or "pem" in wanted or "api" in wanted:
        pki = make_pki()
        if not wanted or "pem" in wanted:
            write("pem", pki)
        if not wanted or "api" in wanted:
            write("api", api_seeds(pki))


if __name__ == "__main__":
    main()
