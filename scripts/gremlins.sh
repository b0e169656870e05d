#!/usr/bin/env bash
# Mutation testing with go-gremlins (pinned) on the files that hold the SDK's
# rules: validate.go, errors.go and retry.go. Takes several minutes; not part
# of CI. Prints gremlins' report; the last lines give the test efficacy
# (killed / (killed + lived)) and the mutator coverage.
#
#   scripts/gremlins.sh            # every mutator gremlins has
#   scripts/gremlins.sh --default  # gremlins' default mutators only
set -euo pipefail
cd "$(dirname "$0")/.."
GREMLINS="go run github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0"   # pinned
all=(--invert-assignments --invert-bitwise --invert-bwassign --invert-logical --invert-loopctrl --invert-negatives --remove-self-assignments)
[ "${1:-}" = "--default" ] && all=()
# Every non-test file of the root package but the three is excluded, and
# the other packages too.
exclude=(-E 'pushtest/' -E 'cmd/' -E 'examples/' -E 'scripts/' -E 'internal/')
for f in $(ls *.go | grep -v '_test.go$'); do
  case "$f" in validate.go|errors.go|retry.go) ;; *) exclude+=(-E "(^|/)${f//./\\.}\$") ;; esac
done
GOFLAGS=-count=1 $GREMLINS unleash --workers 1 --test-cpu 2 --timeout-coefficient 3 "${all[@]}" "${exclude[@]}" .
