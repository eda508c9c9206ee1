/* SPDX-License-Identifier: BSD-3-Clause */
/* Registration of the platform and stack log types (see lr_log.h); the
 * modules above register their own. Default level: INFO. */
#include "lr_log.h"

LR_LOG_DEFINE(core);
LR_LOG_DEFINE(net);
LR_LOG_DEFINE(tcp);
LR_LOG_DEFINE(udp);
