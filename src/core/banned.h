/* Functions we never call (STYLE.md rule 14), made compile errors in every
 * file of ours: the build force-includes this header first (-include), so
 * the C library's own declarations come in here, before the poison. Use the
 * string builder (core/sb.h), text_copy, strtol/strtoll, gmtime_r and
 * localtime_r instead. */
#ifndef YZ_CORE_BANNED_H
#define YZ_CORE_BANNED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#pragma GCC poison sprintf vsprintf strcpy strcat strncpy atoi atol atoll strtok gmtime localtime

#endif
