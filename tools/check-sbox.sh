#!/bin/sh
# spisync -- hw/rtl/aes_sbox.v holds the S-box twice: a case table that
# Verilator simulates (one table lookup) and eight bit tables that synthesis
# maps (a case table would become a ROM that Yosys retimes). Simulation and
# the bitstream must not be able to disagree, so this checks that
#   1. the file is what hw/tools/gen_aes_sbox.py generates (both forms come
#      from the S-box's definition, not from a typed-in table), and
#   2. Yosys' SAT solver proves the two forms equal for all 256 inputs
#      (a miter of the module read with and without VERILATOR defined).
# The simulated form is checked against OpenSSL by the GCM and card tests.
set -eu

sbox=${1:-hw/rtl/aes_sbox.v}
yosys=${YOSYS:-yosys}

python3 hw/tools/gen_aes_sbox.py --check "$sbox"

script=$(mktemp)
log=$(mktemp)
trap 'rm -f "$script" "$log"' EXIT
cat >"$script" <<EOS
read_verilog -DVERILATOR $sbox
rename aes_sbox sim_form
read_verilog $sbox
rename aes_sbox syn_form
proc
memory
opt_clean
miter -equiv -flatten -make_assert sim_form syn_form miter
hierarchy -top miter
sat -verify -prove-asserts miter
EOS
if ! "$yosys" -q -l "$log" -s "$script" >/dev/null 2>&1; then
	echo "aes_sbox: the Verilator and synthesis forms differ (or Yosys failed):"
	tail -20 "$log"
	exit 1
fi
grep -q "SAT proof finished - no model found: SUCCESS" "$log" || {
	echo "aes_sbox: Yosys did not report the equivalence proof"
	tail -20 "$log"
	exit 1
}
echo "aes_sbox: generated file current; Verilator and synthesis forms proved equal (256 inputs, SAT)"
