# common.sh: helpers shared by make-ca.sh and make-node.sh, sourced by them
# (POSIX sh). The sourcing script sets PROG, its name for messages, first;
# it sets WORK to its scratch directory once it makes one.
# shellcheck shell=sh
# shellcheck disable=SC2015 # "A && B || die" chains are meant: die when any check fails
LC_ALL=C
export LC_ALL
umask 077
CR=$(printf '\r')

die() {
    printf '%s: error: %s\n' "$PROG" "$*" >&2
    exit 1
}

# On any exit: give the terminal its echo back and remove the scratch directory.
WORK=
STTY_SAVED=
cleanup() {
    if [ -n "$STTY_SAVED" ]; then stty "$STTY_SAVED" 2>/dev/null || true; fi
    if [ -n "$WORK" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A passphrase as overlayd reads it: the whole file less trailing newlines.
# openssl reads one line, so a passphrase must be one line.
check_pass() { # VALUE WHERE
    case $1 in
        *"
"*) die "the passphrase in $2 spans several lines; put it on one line" ;;
    esac
    [ "${#1}" -ge 8 ] || die "the passphrase in $2 is shorter than 8 bytes; overlayd refuses it: use a longer one"
    [ "${#1}" -le 1000 ] || die "the passphrase in $2 is longer than 1000 bytes; openssl would cut it: use a shorter one"
}

# Reads and checks the passphrase in FILE; OPTION, when given, is the option
# that names such a file, for the message when FILE cannot be read.
read_pass_file() { # FILE [OPTION] -> $REPLY
    [ -f "$1" ] && [ -r "$1" ] || die "cannot read the passphrase file $1; give a readable file${2:+ with $2}"
    REPLY=$(cat "$1"; printf x)
    REPLY=${REPLY%x}
    while :; do
        case $REPLY in
            *"
"|*"$CR") REPLY=${REPLY%?} ;;
            *) break ;;
        esac
    done
    check_pass "$REPLY" "$1"
}

# Asks for a passphrase on the terminal, not echoed, and checks it; with
# AGAIN_PROMPT, asks a second time and dies unless the two are the same.
# ADVICE completes the message when standard input is not a terminal.
prompt_pass() { # ADVICE PROMPT [AGAIN_PROMPT] -> $REPLY
    [ -t 0 ] || die "no -p PASSFILE given and standard input is not a terminal: $1"
    STTY_SAVED=$(stty -g)
    stty -echo
    printf '%s' "$2" >&2
    IFS= read -r REPLY || REPLY=
    printf '\n' >&2
    if [ $# -ge 3 ]; then
        printf '%s' "$3" >&2
        IFS= read -r again || again=
        printf '\n' >&2
    fi
    stty "$STTY_SAVED"
    STTY_SAVED=
    if [ $# -ge 3 ] && [ "$REPLY" != "$again" ]; then die "the two passphrases differ; run again"; fi
    check_pass "$REPLY" "the prompt"
}

# The SHA-256 fingerprint of the PEM certificate FILE: lowercase hex, no colons.
cert_sha256() { # FILE
    openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/^.*=//; s/://g' | tr 'A-F' 'a-f'
}

# When the PEM certificate FILE expires, as openssl prints it.
cert_until() { # FILE
    openssl x509 -in "$1" -noout -enddate | sed 's/^notAfter=//'
}
