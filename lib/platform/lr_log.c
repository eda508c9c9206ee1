/* SPDX-License-Identifier: BSD-3-Clause */
/* Registration of the linerate log types (see lr_log.h). Default level: INFO. */
#include "lr_log.h"

RTE_LOG_REGISTER(lr_logtype_core, linerate.core, INFO);
RTE_LOG_REGISTER(lr_logtype_net, linerate.net, INFO);
RTE_LOG_REGISTER(lr_logtype_tcp, linerate.tcp, INFO);
RTE_LOG_REGISTER(lr_logtype_udp, linerate.udp, INFO);
RTE_LOG_REGISTER(lr_logtype_http, linerate.http, INFO);
RTE_LOG_REGISTER(lr_logtype_ftp, linerate.ftp, INFO);
RTE_LOG_REGISTER(lr_logtype_client, linerate.client, INFO);
