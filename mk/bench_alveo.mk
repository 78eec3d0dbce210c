# spisync -- the Alveo kernel's resources per card (U250, U280, U55C) and a
# per-block timing estimate, from Yosys 0.23 (tools/bench-alveo.sh; part of
# `make bench` through tools/bench.sh). Nothing to build: Yosys only.
#
#   make bench-alveo                         the section alone, printed, and
#                                            kept in BUILD/bench/alveo/report.md
#   make bench-alveo BENCH_ALVEO_TOP=card    the card and the two FIFOs apart
#                                            (reuses tools/bench-card.sh's
#                                            card512 log when it is current)
#   make bench-alveo BENCH_ALVEO_LOG=FILE    read an existing synthesis log
#   make bench-alveo BENCH_ALVEO_STA_BLOCKS="event_ring flow_filter"
#
# The whole kernel takes about an hour of one core in Yosys; the block
# timing runs about half an hour more. Both are reused while no source
# under hw/ is newer than their logs.

BENCH_ALVEO_TOP ?=
BENCH_ALVEO_LOG ?=

bench-alveo: deps
	@mkdir -p $(BUILD)/bench/alveo
	@BENCH_ALVEO_TOP="$(BENCH_ALVEO_TOP)" BENCH_ALVEO_LOG="$(BENCH_ALVEO_LOG)" \
		$(if $(BENCH_ALVEO_STA_BLOCKS),BENCH_ALVEO_STA_BLOCKS="$(BENCH_ALVEO_STA_BLOCKS)") \
		tools/bench-alveo.sh $(BUILD) >$(BUILD)/bench/alveo/report.md.tmp
	@mv $(BUILD)/bench/alveo/report.md.tmp $(BUILD)/bench/alveo/report.md
	@cat $(BUILD)/bench/alveo/report.md

.PHONY: bench-alveo
