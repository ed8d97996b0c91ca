/* SPDX-License-Identifier: BSD-3-Clause */
/* Control lcore: ARP, ND, held packets. */
#ifndef TGW_CTL_H
#define TGW_CTL_H

#include "tgw.h"

/* Process punted packets and resolution timers; called in the main loop. */
void tgw_ctl_poll(void);
/* Drop (counted neigh_failed) what is still held. */
void tgw_ctl_fini(void);

#endif
