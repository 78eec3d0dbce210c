/*
 * spisyncd -- the two clocks: monotonic milliseconds drive every timer
 * (retransmission, rekeys, hold-offs); wall-clock nanoseconds only label
 * things for people (logs, flows, flight recordings).
 */
#ifndef SPISYNCD_CLOCK_H
#define SPISYNCD_CLOCK_H

#include <stdint.h>

uint64_t sd_mono_ms(void);      /* CLOCK_MONOTONIC */
uint64_t sd_real_ns(void);      /* CLOCK_REALTIME */

#endif
