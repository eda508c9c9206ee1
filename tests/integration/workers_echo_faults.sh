#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# workers_echo.sh under the fault layer (2% drop/duplicate/reorder/corrupt):
# two workers, flows handed over between them, echo still byte-exact.
export WORKERS_FAULTS=1
export WORKERS_CONNS=${WORKERS_CONNS:-32}
export WORKERS_SIZE=${WORKERS_SIZE:-131072}
. "$(dirname "$0")/workers_echo.sh" "$@"
