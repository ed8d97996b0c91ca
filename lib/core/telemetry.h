/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TGW_TELEMETRY_H
#define TGW_TELEMETRY_H

void tgw_telemetry_init(void);

#endif
