#!/bin/sh
# spisync -- run the test suite: pairs of "name" "command". Each command's
# output is shown; its exit status decides. Ends with one summary line.
#
# A name starting with "&" runs in the background, beside the commands
# after it (its output kept in a file and shown, with its verdict, once it
# ends: at the end of the run). For the one long single-threaded job (the
# GCM core's synthesis), so that the machine's second core is not idle
# while the rest of the suite runs on the first.
set -u

passed=0
failed=0
failures=""
bg_dir=$(mktemp -d "${TMPDIR:-/tmp}/spisync-tests.XXXXXX")
bg_n=0
trap 'rm -rf "$bg_dir"' EXIT

verdict() {
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1))
		echo "--- ok: $1 ($3 s)"
	else
		failed=$((failed + 1))
		failures="$failures
  $1"
		echo "--- FAIL: $1 ($3 s)"
	fi
}

while [ $# -ge 2 ]; do
	name=$1
	cmd=$2
	shift 2
	case "$name" in
	"&"*)
		bg_n=$((bg_n + 1))
		name=${name#&}
		echo "=== $name (in the background: its output and verdict come at the end)"
		printf '%s\n' "$name" >"$bg_dir/$bg_n.name"
		date +%s >"$bg_dir/$bg_n.start"
		( sh -c "$cmd" >"$bg_dir/$bg_n.out" 2>&1; echo $? >"$bg_dir/$bg_n.rc"
		  date +%s >"$bg_dir/$bg_n.end" ) &
		echo $! >"$bg_dir/$bg_n.pid"
		continue
		;;
	esac
	echo "=== $name"
	start=$(date +%s)
	sh -c "$cmd"
	verdict "$name" $? $(( $(date +%s) - start ))
done

i=1
while [ "$i" -le "$bg_n" ]; do
	wait "$(cat "$bg_dir/$i.pid")" 2>/dev/null
	name=$(cat "$bg_dir/$i.name")
	echo "=== $name (ran in the background)"
	cat "$bg_dir/$i.out"
	rc=1
	[ -f "$bg_dir/$i.rc" ] && rc=$(cat "$bg_dir/$i.rc")
	end=$(date +%s)
	[ -f "$bg_dir/$i.end" ] && end=$(cat "$bg_dir/$i.end")
	verdict "$name" "$rc" $(( end - $(cat "$bg_dir/$i.start") ))
	i=$((i + 1))
done

if [ "$failed" -ne 0 ]; then
	echo "failed:$failures"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
