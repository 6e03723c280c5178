#!/bin/sh
# check.sh: the ctest scenario.sa-renewal (README.md, "What the test checks"); the checks are
# shared with the other re-keying scenario in ../common/check-rekey.sh.
#   check.sh PATH/TO/sa-renewal OUT_DIR
exec sh "$(dirname "$0")/../common/check-rekey.sh" sa-renewal "$@"
