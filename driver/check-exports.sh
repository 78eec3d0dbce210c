#!/bin/sh
# spisync -- check libspisync.so: its dynamic symbol table defines exactly
# the functions declared in spisync.h (no internal symbol leaks, none of
# the API is missing), and its soname is libspisync.so.1.
#
# usage: driver/check-exports.sh LIBSPISYNC.so driver/spisync.h
set -eu

lib=$1
header=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# declarations: comments stripped by the preprocessor (no includes
# expanded), then every spisync_* name followed by "("
${CC:-cc} -fpreprocessed -dD -E -P "$header" |
	grep -oE '\bspisync_[a-z0-9_]+[[:space:]]*\(' | tr -d '( \t' | sort -u >"$tmp/api"
# defined, exported functions (and anything else defined: data must not leak)
nm -D --defined-only "$lib" | awk '{ print $3 }' | sed 's/@.*//' |
	grep -v '^SPISYNC_1$' | grep -v '^$' | sort -u >"$tmp/exported"

if [ ! -s "$tmp/api" ]; then
	echo "check-exports: no spisync_* function found in $header"
	exit 1
fi
if ! diff -u "$tmp/api" "$tmp/exported" >"$tmp/diff"; then
	echo "check-exports: $lib exports differ from $header (- header only, + library only):"
	cat "$tmp/diff"
	exit 1
fi
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
if [ "$soname" != "libspisync.so.1" ]; then
	echo "check-exports: soname '$soname', expected libspisync.so.1"
	exit 1
fi
echo "check-exports: $(wc -l <"$tmp/api") functions of $header exported, nothing else; soname $soname"
