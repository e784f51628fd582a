/* XML answers written with libxml2's text writer from the same jansson
 * values a JSON answer is made of, for interfaces whose standard defines
 * both formats (Open311, api/open311.c). Pure: no request, no database. */
#ifndef YZ_API_XML_H
#define YZ_API_XML_H

#include <jansson.h>
#include <stddef.h>

/* How the items of a list are named: the list's element name and each
 * item's ("services", "service"). */
struct xml_list_name {
	const char *list, *item;
};

/* Writes v as a UTF-8 XML document whose root element is root: an
 * object's members become child elements in their order, an array's items
 * elements named by names (n of them; an unnamed list's items are "item"),
 * null an empty element, true and false as words, numbers in decimal.
 * Text is escaped by libxml2. Returns a *new* string (free()), its length
 * in *len, or NULL if libxml2 fails (out of memory). */
char *xml_from_json(const json_t *v, const char *root, const struct xml_list_name *names, size_t n,
		    size_t *len);

#endif
