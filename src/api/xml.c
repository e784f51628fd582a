/* A jansson value as XML through libxml2's xmlTextWriter: the writer
 * escapes text and checks the nesting, so no answer is put together by
 * hand. */
#include "api/xml.h"

#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static const char *item_name(const char *list, const struct xml_list_name *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i].list, list))
			return names[i].item;
	return "item";
}

static int write_value(xmlTextWriterPtr w, const char *name, const json_t *v,
		       const struct xml_list_name *names, size_t n)
{
	if (xmlTextWriterStartElement(w, BAD_CAST name) < 0)
		return -1;
	char num[48];
	int rc = 0;
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		const json_t *child;
		json_object_foreach((json_t *)v, key, child)
		{
			if (write_value(w, key, child, names, n) < 0)
				return -1;
		}
		break;
	}
	case JSON_ARRAY: {
		const char *item = item_name(name, names, n);
		size_t i;
		const json_t *child;
		json_array_foreach(v, i, child)
		{
			if (write_value(w, item, child, names, n) < 0)
				return -1;
		}
		break;
	}
	case JSON_STRING: rc = xmlTextWriterWriteString(w, BAD_CAST json_string_value(v)); break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		rc = xmlTextWriterWriteString(w, BAD_CAST num);
		break;
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.10g", json_real_value(v));
		rc = xmlTextWriterWriteString(w, BAD_CAST num);
		break;
	case JSON_TRUE: rc = xmlTextWriterWriteString(w, BAD_CAST "true"); break;
	case JSON_FALSE: rc = xmlTextWriterWriteString(w, BAD_CAST "false"); break;
	case JSON_NULL: break;
	}
	if (rc < 0)
		return -1;
	return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

char *xml_from_json(const json_t *v, const char *root, const struct xml_list_name *names, size_t n,
		    size_t *len)
{
	char *out = NULL;
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
	if (!w)
		goto out;
	if (xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
	    write_value(w, root, v, names, n) < 0 || xmlTextWriterEndDocument(w) < 0)
		goto out;
	xmlFreeTextWriter(w); /* flushes into buf */
	w = NULL;
	*len = (size_t)xmlBufferLength(buf);
	out = xmalloc(*len + 1);
	memcpy(out, xmlBufferContent(buf), *len);
	out[*len] = '\0';
out:
	if (w)
		xmlFreeTextWriter(w);
	if (buf)
		xmlBufferFree(buf);
	return out;
}
