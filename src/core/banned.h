/* Functions we never call (STYLE.md rule 14), made compile errors in every
 * file of ours, as git's banned.h does: the build force-includes this header
 * first (-include), so the C library's own declarations come in here, before
 * the macros, and a call anywhere after fails to compile with the function's
 * name in the message. Use the string builder (core/sb.h), text_copy,
 * strtol/strtoll, gmtime_r and localtime_r instead. */
#ifndef YZ_CORE_BANNED_H
#define YZ_CORE_BANNED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef atoll
#define atoll(x) BANNED(atoll)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef gmtime
#define gmtime(t) BANNED(gmtime)
#undef localtime
#define localtime(t) BANNED(localtime)

#endif
