// spisync -- RFC 4303 Appendix A2.2's decision for one packet, from the
// flags of seq against the SA's window top T = {Th, Tl}: which 2^32
// subspace seq belongs to and where it lands relative to the window.
//
// Combinational, and only the decision: replay_infer forms the flags in
// one clock, replay_check_split over two, esp_commit a clock early for
// several candidate states. All of them decide here, so the inference is
// written once. The arithmetic is explained in replay_check's header.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module replay_space (
    input  wire esn,
    input  wire ahead,                      // seq > Tl
    input  wire in_reach,                   // Tl - seq (mod 2^32) < W
    input  wire case_a,                     // Tl >= W - 1
    input  wire th_zero,                    // Th = 0 (Th is 0 without ESN)
    input  wire th_max,                     // Th = 2^32 - 1
    input  wire seq_zero,                   // seq = 0

    output wire sel_inc,                    // S's high half is Th + 1
    output wire sel_dec,                    // S's high half is Th - 1 (else Th)
    output wire valid,                      // A2.2 has a subspace for seq and S != 0
    output wire newer,                      // S > T
    output wire in_window                   // T - W < S <= T
);

assign sel_inc = esn && case_a && !ahead && !in_reach;
assign sel_dec = esn && !case_a && ahead && in_reach;

// A2.2 has no subspace before the SA's start or after the last one; S = 0
// needs Sh = 0 and seq = 0, which only Sh = Th with Th = 0 gives
wire no_space = (sel_inc && th_max) || (sel_dec && th_zero);
wire s_zero   = !sel_inc && !sel_dec && th_zero && seq_zero;

assign valid     = !no_space && !s_zero;
// never both: ok is newer, or in the window with the bit clear
assign newer     = sel_inc || (!sel_dec && ahead);
assign in_window = sel_dec || (!sel_inc && !ahead && in_reach);

endmodule

`resetall
