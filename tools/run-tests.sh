#!/bin/sh
# spisync -- run the test suite: pairs of "name" "command". Each command's
# output is shown; its exit status decides. Ends with one summary line.
set -u

passed=0
failed=0
failures=""

while [ $# -ge 2 ]; do
	name=$1
	cmd=$2
	shift 2
	echo "=== $name"
	start=$(date +%s)
	if sh -c "$cmd"; then
		passed=$((passed + 1))
		echo "--- ok: $name ($(( $(date +%s) - start )) s)"
	else
		failed=$((failed + 1))
		failures="$failures
  $name"
		echo "--- FAIL: $name ($(( $(date +%s) - start )) s)"
	fi
done

if [ "$failed" -ne 0 ]; then
	echo "failed:$failures"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
