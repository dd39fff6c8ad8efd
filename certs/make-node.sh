#!/bin/sh
# make-node.sh: makes an overlayd node's identity with the openssl command and
# the network CA: an encrypted ECDSA P-256 key, a certificate signed by the CA
# that binds the node's name and overlay IP, the CA certificate, and node.json.
# OUT_DIR is then a ready node state directory: register the certificate with
# 'overlayctl node add --cert OUT_DIR/node.crt' and start overlayd-node with
# --state-dir OUT_DIR and no join token.
# shellcheck disable=SC2015 # "A && B || die" chains are meant: die when any check fails
set -eu

PROG=make-node.sh
# die, the passphrase readers and the exit trap; also sets LC_ALL=C, umask 077
case $0 in */*) HERE=${0%/*} ;; *) HERE=. ;; esac
LIB=$HERE/lib
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$LIB/common.sh"
# The X.509 extension settings, next to this script.
CNF=$HERE/openssl.cnf
[ -r "$CNF" ] || die "cannot read $CNF; keep openssl.cnf next to $PROG (copy certs/ with it)"

usage() {
    cat <<EOF
usage: $PROG -c CA_DIR -n NAME -i OVERLAY_IP -C HOST:PORT -o OUT_DIR
                    [-p PASSFILE] [-P NODE_PASSFILE] [-N NETWORK] [-d DAYS]

Makes a node state directory OUT_DIR (created if missing, mode 0700):
  OUT_DIR/node.key   the node's ECDSA P-256 key, PKCS#8 encrypted with AES-256-CBC
  OUT_DIR/node.crt   its certificate, signed by the CA in CA_DIR: CN and DNS SAN
                     NAME, IP SAN OVERLAY_IP, serverAuth+clientAuth, CA:FALSE
  OUT_DIR/ca.crt     the network CA certificate
  OUT_DIR/node.json  name, overlay IP, network and controller address(es)

  -c CA_DIR         directory holding ca.crt and ca.key (make-ca.sh's DIR)
  -p PASSFILE       file holding the CA key's passphrase (one line, at least
                    8 bytes); without -p it is asked for on the terminal
  -P NODE_PASSFILE  file holding the passphrase that encrypts node.key: the
                    node's --passphrase-file. Default: the CA's passphrase
                    (give the node its own with -P)
  -n NAME           the node name: a DNS label, a-z 0-9 '-', 1-63 characters
  -i OVERLAY_IP     the node's overlay IP: a free host address in NETWORK
  -C HOST:PORT      the controller's address as nodes reach it; repeat for several
  -N NETWORK        the overlay range the controller serves (default: 100.64.0.0/16)
  -o OUT_DIR        where to write the node's state; must not hold one yet
  -d DAYS           how long the certificate is valid (default: 365)
  -h                this help

Then: overlayctl node add --cert OUT_DIR/node.crt    (on the controller)
      overlayd-node --name NAME --state-dir OUT_DIR --passphrase-file NODE_PASSFILE
See certs/README.md.
EOF
}

# Prints the dotted quad $1 as a number; fails when it is not one.
ip_to_int() {
    case $1 in ''|*[!0-9.]*|*..*|.*|*.) return 1 ;; esac
    old_ifs=$IFS
    IFS=.
    # shellcheck disable=SC2086
    set -- $1
    IFS=$old_ifs
    [ $# -eq 4 ] || return 1
    for octet in "$@"; do
        case $octet in 0?*) return 1 ;; esac
        [ "${#octet}" -le 3 ] && [ "$octet" -le 255 ] || return 1
    done
    echo $(( ($1 << 24) + ($2 << 16) + ($3 << 8) + $4 ))
}

CA_DIR=
PASSFILE=
NODE_PASSFILE=
NAME=
IP=
CONTROLLERS=
NETWORK=100.64.0.0/16
OUT=
DAYS=365
while getopts c:p:P:n:i:C:N:o:d:h opt; do
    case $opt in
        c) CA_DIR=$OPTARG ;;
        p) PASSFILE=$OPTARG ;;
        P) NODE_PASSFILE=$OPTARG ;;
        n) NAME=$OPTARG ;;
        i) IP=$OPTARG ;;
        C)
            case $OPTARG in
                ''|*[!]A-Za-z0-9.:[-]*) die "-C '$OPTARG' is not HOST:PORT (e.g. 192.0.2.10:7443 or controller.example.net:7443)" ;;
            esac
            port=${OPTARG##*:}
            host=${OPTARG%:*}
            case $port in ''|*[!0-9]*) die "-C '$OPTARG' has no port: write HOST:PORT, e.g. $OPTARG:7443" ;; esac
            [ -n "$host" ] && [ "$host" != "$OPTARG" ] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] \
                || die "-C '$OPTARG' is not HOST:PORT with a port from 1 to 65535"
            CONTROLLERS="$CONTROLLERS${CONTROLLERS:+, }\"$OPTARG\""
            ;;
        N) NETWORK=$OPTARG ;;
        o) OUT=$OPTARG ;;
        d) DAYS=$OPTARG ;;
        h) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; die "unexpected argument '$1'"; }

missing=
[ -n "$CA_DIR" ] || missing="$missing -c CA_DIR"
[ -n "$NAME" ] || missing="$missing -n NAME"
[ -n "$IP" ] || missing="$missing -i OVERLAY_IP"
[ -n "$CONTROLLERS" ] || missing="$missing -C HOST:PORT"
[ -n "$OUT" ] || missing="$missing -o OUT_DIR"
[ -z "$missing" ] || { usage >&2; die "missing:$missing"; }

command -v openssl >/dev/null 2>&1 || die "the openssl command is not installed (Debian: apt-get install openssl)"

# The name: what NodeName.validate accepts.
[ "${#NAME}" -le 63 ] || die "-n '$NAME' is longer than 63 characters"
case $NAME in
    *[!a-z0-9-]*) die "-n '$NAME': only lowercase letters a-z, digits and '-' are allowed" ;;
    -*|*-) die "-n '$NAME' must not start or end with '-'" ;;
    overlayd-*) die "-n '$NAME': names starting with 'overlayd-' are reserved" ;;
esac

# The network and the overlay IP: a host address inside it.
net_ip=${NETWORK%/*}
prefix=${NETWORK#*/}
case $prefix in ''|*[!0-9]*) prefix=x ;; esac
base=$(ip_to_int "$net_ip") && [ "$prefix" != x ] && [ "$prefix" -ge 8 ] && [ "$prefix" -le 30 ] \
    || die "-N '$NETWORK' is not an IPv4 CIDR such as 100.64.0.0/16 (prefix 8-30); give the controller's network ('overlayctl status')"
mask=$(( (0xffffffff << (32 - prefix)) & 0xffffffff ))
if [ $(( base & mask )) -ne "$base" ]; then
    b=$(( base & mask ))
    die "-N '$NETWORK' has host bits set; write the network's own address: $(( b >> 24 )).$(( (b >> 16) & 255 )).$(( (b >> 8) & 255 )).$(( b & 255 ))/$prefix"
fi
ipnum=$(ip_to_int "$IP") || die "-i '$IP' is not an IPv4 address"
broadcast=$(( base | (~mask & 0xffffffff) ))
[ $(( ipnum & mask )) -eq "$base" ] && [ "$ipnum" -gt "$base" ] && [ "$ipnum" -lt "$broadcast" ] \
    || die "-i $IP is not a host address in $NETWORK; pick a free one inside it ('overlayctl roster' lists the used ones)"

case $DAYS in ''|*[!0-9]*) die "-d '$DAYS' is not a number of days" ;; esac
[ "$DAYS" -ge 1 ] || die "-d must be at least 1 day"

# The CA: both files, the key decrypts, and they are a pair.
[ -r "$CA_DIR/ca.crt" ] || die "cannot read $CA_DIR/ca.crt; -c takes the directory make-ca.sh wrote (or the controller's state directory)"
[ -r "$CA_DIR/ca.key" ] || die "cannot read $CA_DIR/ca.key; -c takes the directory make-ca.sh wrote (or the controller's state directory)"
if [ -e "$OUT/node.key" ] || [ -e "$OUT/node.crt" ] || [ -e "$OUT/node.json" ]; then
    die "$OUT already holds a node identity; choose another -o, or move the old state directory away first"
fi

if [ -n "$PASSFILE" ]; then
    read_pass_file "$PASSFILE"
else
    prompt_pass "give the CA key's passphrase file with -p" 'passphrase of the CA key: '
fi
CA_PASS=$REPLY
if [ -n "$NODE_PASSFILE" ]; then
    read_pass_file "$NODE_PASSFILE"
    NODE_PASS=$REPLY
else
    NODE_PASS=$CA_PASS
fi

ca_pub=$(printf '%s\n' "$CA_PASS" | openssl pkey -in "$CA_DIR/ca.key" -passin stdin -pubout 2>/dev/null) \
    || die "cannot decrypt $CA_DIR/ca.key with that passphrase; give the passphrase file it was made with (-p)"
crt_pub=$(openssl x509 -in "$CA_DIR/ca.crt" -noout -pubkey 2>/dev/null) || die "$CA_DIR/ca.crt is not a PEM certificate"
[ "$ca_pub" = "$crt_pub" ] || die "$CA_DIR/ca.key is not the key of $CA_DIR/ca.crt; -c must hold a matching pair"
openssl x509 -in "$CA_DIR/ca.crt" -noout -checkend 0 >/dev/null || die "the CA certificate $CA_DIR/ca.crt has expired; make a new CA"
if ! openssl x509 -in "$CA_DIR/ca.crt" -noout -checkend $((DAYS * 86400)) >/dev/null; then
    printf '%s: warning: the CA expires before this certificate would; the node stops working when the CA does\n' "$PROG" >&2
fi

if [ -z "$NODE_PASSFILE" ]; then
    printf '%s: note: node.key is encrypted with the CA passphrase; give the node its own with -P NODE_PASSFILE\n' "$PROG" >&2
fi

mkdir -p "$OUT" || die "cannot create $OUT"
WORK=$OUT/.make-node.$$
mkdir "$WORK" || die "cannot write in $OUT"


printf '%s\n' "$NODE_PASS" | openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -pkeyopt ec_param_enc:named_curve -aes-256-cbc -pass stdin -out "$WORK/node.key" \
    || die "openssl could not make the node key (see its message above)"
printf '%s\n' "$NODE_PASS" | openssl req -new -config "$CNF" -subj "/CN=$NAME" \
    -addext "subjectAltName=DNS:$NAME,IP:$IP" -key "$WORK/node.key" -passin stdin \
    -sha256 -out "$WORK/node.csr" \
    || die "openssl could not make the certificate request (see its message above)"
printf '%s\n' "$CA_PASS" | openssl x509 -req -in "$WORK/node.csr" -CA "$CA_DIR/ca.crt" -CAkey "$CA_DIR/ca.key" \
    -passin stdin -sha256 -days "$DAYS" -set_serial "0x$(openssl rand -hex 16)" \
    -extfile "$CNF" -extensions v3_node -copy_extensions copy -out "$WORK/node.crt" 2>"$WORK/sign.log" \
    || { cat "$WORK/sign.log" >&2; die "openssl could not sign the certificate with the CA (see its message above)"; }
openssl verify -CAfile "$CA_DIR/ca.crt" -purpose sslclient "$WORK/node.crt" >/dev/null \
    || die "the signed certificate does not verify against $CA_DIR/ca.crt (see openssl's message above)"

cp "$CA_DIR/ca.crt" "$WORK/ca.crt"
cat >"$WORK/node.json" <<EOF
{
  "controllers" : [ $CONTROLLERS ],
  "name" : "$NAME",
  "network" : "$NETWORK",
  "overlayIP" : "$IP"
}
EOF
chmod 600 "$WORK/node.key"
chmod 644 "$WORK/node.crt" "$WORK/ca.crt" "$WORK/node.json"
for f in node.key node.crt ca.crt node.json; do mv "$WORK/$f" "$OUT/$f"; done
chmod 700 "$OUT"

FP=$(cert_sha256 "$OUT/node.crt")
UNTIL=$(cert_until "$OUT/node.crt")
cat <<EOF
made node $NAME ($IP in $NETWORK) in $OUT
  certificate sha256 $FP, valid until $UNTIL
next: on the controller:  overlayctl node add --cert $OUT/node.crt
      on the node's host: overlayd-node --name $NAME --state-dir $OUT --passphrase-file NODE_PASSFILE
EOF
