#!/bin/bash
# Exercises the kerf completion the way bash does: COMP_WORDS/COMP_CWORD set,
# _kerf called, COMPREPLY checked.  Instance and transaction names come from
# a stand-in `kerf` that prints the tables `kerf show` / `kerf transactions`
# print, so no daemon is needed.  TAP.
set -u
src=$(cd "$(dirname "$0")" && pwd)
bc=/usr/share/bash-completion/bash_completion
if [ ! -r "$bc" ]; then
  echo "1..0 # SKIP bash-completion is not installed"
  exit 0
fi
# shellcheck disable=SC1090
. "$bc"
# shellcheck disable=SC1091
. "$src/kerf"

fake=$(mktemp -d)
trap 'rm -rf "$fake"' EXIT
cat >"$fake/kerf" <<'FAKE'
#!/bin/sh
case "$*" in
  *show*) printf 'Pool\n  CPUs 4-31\n\nNAME        ID  STATUS\nweb-server   1  ready\ndatabase     2  active\n' ;;
  *transactions*) printf 'TX  OPERATION  STATUS\n1   create     applied\n2   create     applied\n' ;;
esac
FAKE
chmod +x "$fake/kerf"

n=0 fails=0
complete_line() {  # words... ; the last word is the one being completed
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMP_LINE="$*"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  # compopt only works inside a real completion; its complaint is noise here
  _kerf "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
}
expect() {  # description, then the words that must all be offered
  local what=$1 w missing=""
  shift
  for w in "$@"; do
    [[ " ${COMPREPLY[*]} " == *" $w "* ]] || missing+=" $w"
  done
  n=$((n + 1))
  if [ -z "$missing" ]; then echo "ok $n - $what"; else
    echo "not ok $n - $what (missing:$missing; got: ${COMPREPLY[*]})"; fails=$((fails + 1)); fi
}
expect_none() {
  n=$((n + 1))
  if [ ${#COMPREPLY[@]} -eq 0 ]; then echo "ok $n - $1"; else
    echo "not ok $n - $1 (got: ${COMPREPLY[*]})"; fails=$((fails + 1)); fi
}

complete_line kerf ""
expect "commands" init create load exec show kill unload update delete transactions rollback monitor validate compile
complete_line kerf cr
expect "command prefix" create
complete_line kerf create web --me
expect "create options" --memory= --memory-base= --memory-policy=
complete_line kerf kill --
expect "kill options" --force --json --bus=
complete_line "$fake/kerf" exec ""
expect "instance names from kerf show" web-server database
complete_line "$fake/kerf" delete da
expect "instance name prefix" database
complete_line "$fake/kerf" rollback ""
expect "transaction ids from kerf transactions" 1 2
complete_line kerf --json sh
expect "command after a global option" show
complete_line kerf create web --cpu-affinity=spr
expect "policy values" spread
complete_line kerf exec web-server ""
expect_none "no instance names when kerf cannot list them"
echo "1..$n"
[ $fails -eq 0 ]
