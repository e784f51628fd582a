/* Phone numbers. Normalizing first means "+86 138-0000-1234" and
 * "13800001234" are one account, not two. */
#include "core/phone.h"

#include <string.h>

bool phone_normalize(const char *phone, char out[12])
{
	char digits[24];
	size_t n = 0;
	if (!phone)
		return false;
	const char *p = phone;
	bool plus = *p == '+';
	if (plus)
		p++;
	for (; *p; p++) {
		if (*p == ' ' || *p == '-')
			continue;
		if (*p < '0' || *p > '9' || n >= sizeof(digits) - 1)
			return false;
		digits[n++] = *p;
	}
	digits[n] = '\0';
	const char *d = digits;
	if (n == 13 && d[0] == '8' && d[1] == '6') {
		d += 2;
		n -= 2;
	} else if (plus) {
		return false; /* a "+" must be followed by China's 86 */
	}
	if (n != 11 || d[0] != '1' || d[1] < '3' || d[1] > '9')
		return false;
	memcpy(out, d, 11);
	out[11] = '\0';
	return true;
}

bool phone_valid(const char *phone)
{
	char out[12];
	return phone_normalize(phone, out);
}

void phone_mask(const char *phone, char out[12])
{
	if (!phone || strlen(phone) != 11) {
		memcpy(out, "***", 4);
		return;
	}
	memcpy(out, phone, 3);
	memcpy(out + 3, "****", 4);
	memcpy(out + 7, phone + 7, 4);
	out[11] = '\0';
}
