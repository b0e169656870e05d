#!/usr/bin/env bash
# Mutation testing with go-gremlins (pinned). Takes several minutes; not part
# of CI. Prints gremlins' report; the last lines give the test efficacy
# (killed / (killed + lived)) and the mutator coverage.
#
#   scripts/gremlins.sh            # the files that hold the SDK's rules:
#                                  # validate.go, errors.go and retry.go
#   scripts/gremlins.sh --default  # the same, gremlins' default mutators only
#   scripts/gremlins.sh --module pushredis   # a module beside the root (default
#                                  # mutators), e.g. pushredis or pushotel
#
# gremlins tests a copy of the module in a temporary directory, where a
# nested module's "replace => ../" points nowhere: --module makes a copy of
# the repository whose replace is an absolute path, and runs there with
# GOWORK=off.
set -euo pipefail
cd "$(dirname "$0")/.."
GREMLINS="go run github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0"   # pinned

if [ "${1:-}" = "--module" ]; then
  mod=${2:?"--module needs a directory, e.g. pushredis"}
  [ -f "$mod/go.mod" ] || { echo "$mod/go.mod: no such module" >&2; exit 2; }
  copy=$(mktemp -d)
  trap 'rm -rf "$copy"' EXIT
  git ls-files -z | xargs -0 cp --parents -t "$copy"
  sed -i "s#=> \.\./*\$#=> $copy#" "$copy/$mod/go.mod"
  cd "$copy/$mod"
  GOWORK=off GOFLAGS=-count=1 $GREMLINS unleash --workers 2 --timeout-coefficient 3 .
  exit
fi

all=(--invert-assignments --invert-bitwise --invert-bwassign --invert-logical --invert-loopctrl --invert-negatives --remove-self-assignments)
[ "${1:-}" = "--default" ] && all=()
# Every non-test file of the root package but the three is excluded, and
# the other packages too.
exclude=(-E 'pushtest/' -E 'cmd/' -E 'examples/' -E 'scripts/' -E 'internal/' -E 'pushredis/' -E 'pushotel/' -E 'browsertest/')
for f in $(ls *.go | grep -v '_test.go$'); do
  case "$f" in validate.go|errors.go|retry.go) ;; *) exclude+=(-E "(^|/)${f//./\\.}\$") ;; esac
done
GOFLAGS=-count=1 $GREMLINS unleash --workers 1 --test-cpu 2 --timeout-coefficient 3 "${all[@]}" "${exclude[@]}" .
