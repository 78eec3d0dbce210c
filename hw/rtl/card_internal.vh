// spisync -- layouts internal to the card (never seen by software, so not in
// hw/spec/spisync.toml).

`ifndef SPISYNC_CARD_INTERNAL_VH
`define SPISYNC_CARD_INTERNAL_VH

// Per-SA state record, one per SA index (sa_state.v):
//   {gen[7:0], top[63:0], bitmap[1023:0], alarm[ALARM_W-1:0], packets[63:0],
//    bytes[63:0], auth_fail[63:0], replay[63:0]}
// gen differs from the SA entry's GEN: the index got a new SA since, and the
// record counts as fresh (all zero).
// alarm (esp_commit's event state): {hard_reported, epoch[23:0],
//   auth_fails_in_epoch[15:0], replays_in_epoch[15:0]}
`define SPISYNC_REPLAY_W   1024
`define SPISYNC_ALARM_W    57
`define SPISYNC_ST_W       (8 + 64 + `SPISYNC_REPLAY_W + `SPISYNC_ALARM_W + 4 * 64)

`endif
