/* SPDX-License-Identifier: BSD-3-Clause */
/* Bringing the data plane up and down after EAL init (main, fuzzers, tests). */
#ifndef TGW_RUNTIME_H
#define TGW_RUNTIME_H

#include <stddef.h>

/* Pools, ports, routes, graphs; workers are the EAL worker lcores. 0 or -1 + err. */
int tgw_runtime_init(char *err, size_t errlen);
/* Start ports (after init, before launching workers). */
int tgw_runtime_start(char *err, size_t errlen);
/* After the workers returned: drain, stop and close ports, free everything.
 * Returns the number of mbufs not back in their pools. */
unsigned int tgw_runtime_fini(void);

#endif
