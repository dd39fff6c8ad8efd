#!/bin/sh
# make-ca.sh: makes an overlayd network CA with the openssl command: an ECDSA
# P-256 key, encrypted as PKCS#8 with AES-256-CBC, and a self-signed CA
# certificate. DIR/ca.crt and DIR/ca.key are ready to copy into an empty
# controller state directory, which adopts them on its first start.
set -eu

PROG=make-ca.sh
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
usage: $PROG [-p PASSFILE] [-n NAME] [-d DAYS] DIR

Makes an overlayd network CA in DIR (created if missing, mode 0700):
  DIR/ca.key  the CA's ECDSA P-256 key, PKCS#8 encrypted with AES-256-CBC
  DIR/ca.crt  the self-signed CA certificate (CA:TRUE, pathlen:0)

  -p PASSFILE  file holding the passphrase for the key: one line, at least 8
               bytes. Give the controller the same file (--passphrase-file).
               Without -p the passphrase is asked for on the terminal.
  -n NAME      the CA's common name (default: "overlayd network CA")
  -d DAYS      how long the CA is valid (default: 3650)
  -h           this help

Then: copy DIR/ca.crt and DIR/ca.key into the controller's empty --state-dir
and start it; see certs/README.md.
EOF
}

PASSFILE=
CN="overlayd network CA"
DAYS=3650
while getopts p:n:d:h opt; do
    case $opt in
        p) PASSFILE=$OPTARG ;;
        n) CN=$OPTARG ;;
        d) DAYS=$OPTARG ;;
        h) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { usage >&2; die "give exactly one DIR to write ca.crt and ca.key to"; }
DIR=$1

command -v openssl >/dev/null 2>&1 || die "the openssl command is not installed (Debian: apt-get install openssl)"
case $DAYS in ''|*[!0-9]*) die "-d $DAYS is not a number of days" ;; esac
[ "$DAYS" -ge 1 ] || die "-d must be at least 1 day"
case $CN in
    ''|*[/=\\]*) die "-n '$CN' is not a usable name: it must not be empty or contain '/', '=' or '\\'" ;;
esac
if [ -e "$DIR/ca.key" ] || [ -e "$DIR/ca.crt" ]; then
    die "$DIR already holds a CA (ca.key or ca.crt); choose another DIR, or move the old files away first"
fi

if [ -n "$PASSFILE" ]; then
    read_pass_file "$PASSFILE" -p
else
    prompt_pass "put the passphrase in a file (mode 0600) and give it with -p" \
        'passphrase for the CA key: ' 'the same again: '
fi
PASS=$REPLY

mkdir -p "$DIR" || die "cannot create $DIR"
WORK=$DIR/.make-ca.$$
mkdir "$WORK" || die "cannot write in $DIR"


printf '%s\n' "$PASS" | openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -pkeyopt ec_param_enc:named_curve -aes-256-cbc -pass stdin -out "$WORK/ca.key" \
    || die "openssl could not make the CA key (see its message above)"
printf '%s\n' "$PASS" | openssl req -new -x509 -config "$CNF" -extensions v3_ca -subj "/CN=$CN" -key "$WORK/ca.key" -passin stdin \
    -sha256 -days "$DAYS" -set_serial "0x$(openssl rand -hex 16)" -out "$WORK/ca.crt" \
    || die "openssl could not make the CA certificate (see its message above)"

chmod 600 "$WORK/ca.key"
chmod 644 "$WORK/ca.crt"
mv "$WORK/ca.key" "$DIR/ca.key"
mv "$WORK/ca.crt" "$DIR/ca.crt"

FP=$(cert_sha256 "$DIR/ca.crt")
UNTIL=$(cert_until "$DIR/ca.crt")
cat <<EOF
made the CA "$CN" in $DIR
  $DIR/ca.crt  certificate, valid until $UNTIL
  $DIR/ca.key  key, encrypted with the passphrase
  sha256 $FP   ('overlayctl status' shows it once the controller runs)
next: copy both files into the controller's empty --state-dir and start it with a
      --passphrase-file holding the same passphrase; make nodes with certs/make-node.sh -c $DIR
EOF
