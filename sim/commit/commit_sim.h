/*
 * spisync -- C API of the commit stage's test top (sim/commit/commit_tb_top.v:
 * esp_commit beside the per-SA state memory, wired as in the card), one
 * Verilated model per datapath width, for tests/hw/test_commit.c.
 *
 * Byte vectors are byte 0 first (bits 7:0 of the port). A state record is
 * the card's layout (hw/rtl/card_internal.vh), SPISYNC_ST_W = 1409 bits,
 * bit b in bit b % 8 of byte b / 8 (the top byte holds one bit).
 */
#ifndef SPISYNC_COMMIT_SIM_H
#define SPISYNC_COMMIT_SIM_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	COMMIT_SIM_MAX_BYTES = 64,
	COMMIT_SIM_HDR_BYTES = 128,
	COMMIT_SIM_ST_BITS = 1409,
	COMMIT_SIM_ST_BYTES = (1409 + 7) / 8,
	COMMIT_SIM_EV_BYTES = 64,
	COMMIT_SIM_SA_ENTRIES = 4096,
};

/* esp_commit's m_* (the job FIFO's head) */
struct commit_sim_job {
	bool valid;
	uint8_t reason;
	uint16_t index;
	uint8_t gen;
	bool esn;
	uint64_t seq64;
	uint8_t mode;
	uint64_t hard_bytes, hard_packets, soft_bytes, soft_packets;
	uint32_t spi;
	uint8_t hdr[COMMIT_SIM_HDR_BYTES];
	uint8_t l2_len, l3_hdr_len;
	bool vlan, ipv6;
	uint16_t csum_base, rx_seq, pay_len;
};

/* Inputs for one clock. */
struct commit_sim_in {
	bool c_valid, c_last, c_auth_ok, c_token, c_bypass;
	uint8_t c_data[COMMIT_SIM_MAX_BYTES];
	uint8_t c_raw[COMMIT_SIM_MAX_BYTES];
	struct commit_sim_job job;
	bool res_valid, res_delivered;
	uint64_t time_ns;
	uint32_t burst_epoch, auth_fail_burst, replay_burst;
	bool tb_wr_en;                      /* preload a record */
	uint16_t tb_wr_index;
	uint8_t tb_wr_data[COMMIT_SIM_ST_BYTES];
	bool tb_rd_en;                      /* read a record (data after this clock) */
	uint16_t tb_rd_index;
};

/* Before the edge (combinational on this clock's inputs): m_ready,
 * protocol_error, tb_wr_collide. After the edge: everything else. */
struct commit_sim_out {
	bool m_ready, protocol_error, tb_wr_collide;
	bool e_valid, e_first, e_last, e_keep;
	uint8_t e_data[COMMIT_SIM_MAX_BYTES];
	uint8_t e_hdr[COMMIT_SIM_HDR_BYTES];
	uint8_t e_hdr_len;
	uint16_t e_pay_len;
	uint64_t e_user;
	bool cnt_drop_valid, cnt_out_valid;
	uint8_t cnt_drop_reason, cnt_out_reason;
	bool sa_ev_valid;
	uint8_t sa_ev_rec[COMMIT_SIM_EV_BYTES];
	uint8_t tb_rd_data[COMMIT_SIM_ST_BYTES];
};

struct commit_sim_ops {
	unsigned bytes;                     /* datapath width in bytes */
	void *(*create)(void);              /* NULL on allocation failure */
	void (*destroy)(void *m);
	void (*reset)(void *m);             /* a few clocks of reset, inputs idle */
	void (*cycle)(void *m, const struct commit_sim_in *in,
	    struct commit_sim_out *out);
};

extern const struct commit_sim_ops commit_sim_ops_w128;
extern const struct commit_sim_ops commit_sim_ops_w512;

#ifdef __cplusplus
}
#endif

#endif
