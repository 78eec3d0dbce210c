/*
 * spisync -- the value of one hex digit, shared by every text the project
 * reads: Wireshark esp_sa tables and test vector files (sim/, tests/), PCI
 * addresses (driver/backend_pci.c), spisyncctl's numbers and keys
 * (hostd/spisyncctl/sa_args.c). In driver/, the lowest layer, which every
 * other part compiles with -Idriver.
 */
#ifndef SPISYNC_HEX_H
#define SPISYNC_HEX_H

/* 0..15, or -1 if c is not a hex digit. */
static inline int hex_digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
