/* SPDX-License-Identifier: BSD-3-Clause */
/* Placeholder until the application helper lands the real main. */
#include <stdio.h>
int main(void)
{
    fprintf(stderr, "linerate: not built yet\n");
    return 1;
}
