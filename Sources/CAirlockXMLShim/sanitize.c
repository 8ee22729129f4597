// The sanitizer's serialiser: UTF-8, elements, attributes, namespace declarations, text and CDATA
// only; comments, processing instructions and the DOCTYPE are never written. The tree is not modified.
#include "internal.h"

#include <string.h>

/// Output cursor over a caller's buffer. Writes while the pieces fit; from the first piece that does
/// not fit on, nothing more is written and the bytes are only counted (`spill`), so a single walk
/// yields either the complete serialisation or the exact length a second, exactly sized buffer needs.
typedef struct {
    uint8_t *p;
    uint8_t *end;
    size_t spill;
} writer;

/// Copies up to 16 bytes inline with two possibly overlapping loads and stores that stay inside
/// [from, from + length) and [to, to + length): names and short text runs dominate, and a call to
/// memcpy costs more than the copy.
static inline void copy_short(uint8_t *to, const uint8_t *from, size_t length) {
    if (length >= 8) {
        uint64_t head, tail;
        memcpy(&head, from, 8);
        memcpy(&tail, from + length - 8, 8);
        memcpy(to, &head, 8);
        memcpy(to + length - 8, &tail, 8);
    } else if (length >= 4) {
        uint32_t head, tail;
        memcpy(&head, from, 4);
        memcpy(&tail, from + length - 4, 4);
        memcpy(to, &head, 4);
        memcpy(to + length - 4, &tail, 4);
    } else if (length > 0) {
        to[0] = from[0];
        to[length / 2] = from[length / 2];
        to[length - 1] = from[length - 1];
    }
}

static inline void copy_bytes(uint8_t *to, const uint8_t *from, size_t length) {
    if (length <= 16) {
        copy_short(to, from, length);
    } else {
        memcpy(to, from, length);
    }
}

static inline void put(writer *w, const void *bytes, size_t length) {
    uint8_t *p = w->p;
    if ((size_t)(w->end - p) >= length) {
        copy_bytes(p, bytes, length);
        w->p = p + length;
    } else {
        w->spill += length;
        w->end = w->p;
    }
}

/// Stop bytes of the escaping scans: the terminating NUL plus what must be escaped.
static const uint8_t stop_in_text[256] = { [0] = 1, ['&'] = 1, ['<'] = 1, ['>'] = 1, ['\r'] = 1 };
/// In attribute values also quotes and the whitespace that attribute-value normalisation would fold.
static const uint8_t stop_in_attribute[256] = {
    [0] = 1, ['&'] = 1, ['<'] = 1, ['>'] = 1, ['\r'] = 1, ['"'] = 1, ['\n'] = 1, ['\t'] = 1,
};

/// Escapes NUL-terminated character data, copying each unescaped run with one `put`. The scan is
/// unrolled by four; it never reads past the terminator because NUL is itself a stop byte.
static void put_escaped(writer *w, const xmlChar *text, const uint8_t *stop) {
    if (text == NULL) {
        return;
    }
    const xmlChar *run = text;
    for (;;) {
        const xmlChar *p = run;
        for (;;) {
            if (stop[p[0]]) {
                break;
            }
            if (stop[p[1]]) {
                p += 1;
                break;
            }
            if (stop[p[2]]) {
                p += 2;
                break;
            }
            if (stop[p[3]]) {
                p += 3;
                break;
            }
            p += 4;
        }
        put(w, run, (size_t)(p - run));
        switch (*p) {
        case '\0': return;
        case '&': put(w, "&amp;", 5); break;
        case '<': put(w, "&lt;", 4); break;
        case '>': put(w, "&gt;", 4); break;
        case '\r': put(w, "&#13;", 5); break;
        case '"': put(w, "&quot;", 6); break;
        case '\n': put(w, "&#10;", 5); break;
        default: put(w, "&#9;", 4); break;
        }
        run = p + 1;
    }
}

static inline void put_string(writer *w, const xmlChar *text) {
    put(w, text, strlen((const char *)text));
}

/// Writes `lead`, the qualified name and `trail` ("<" name, or "</" name ">") after one capacity check.
static inline void put_tag(writer *w, const char *lead, size_t lead_length, const xmlChar *prefix,
                           size_t prefix_length, const xmlChar *name, size_t name_length,
                           const char *trail, size_t trail_length) {
    size_t qname_length = prefix != NULL ? prefix_length + 1 + name_length : name_length;
    size_t total = lead_length + qname_length + trail_length;
    uint8_t *p = w->p;
    if ((size_t)(w->end - p) < total) {
        w->spill += total;
        w->end = p;
        return;
    }
    copy_short(p, (const uint8_t *)lead, lead_length);
    p += lead_length;
    if (prefix != NULL) {
        copy_bytes(p, prefix, prefix_length);
        p[prefix_length] = ':';
        p += prefix_length + 1;
    }
    copy_bytes(p, name, name_length);
    p += name_length;
    copy_short(p, (const uint8_t *)trail, trail_length);
    w->p = p + trail_length;
}

static void put_attributes(writer *w, xmlNodePtr element) {
    for (xmlNsPtr ns = element->nsDef; ns != NULL; ns = ns->next) {
        if (ns->prefix != NULL) {
            put(w, " xmlns:", 7);
            put_string(w, ns->prefix);
        } else {
            put(w, " xmlns", 6);
        }
        put(w, "=\"", 2);
        put_escaped(w, ns->href, stop_in_attribute);
        put(w, "\"", 1);
    }
    for (xmlAttrPtr attribute = element->properties; attribute != NULL; attribute = attribute->next) {
        put(w, " ", 1);
        if (attribute->ns != NULL && attribute->ns->prefix != NULL) {
            put_string(w, attribute->ns->prefix);
            put(w, ":", 1);
        }
        put_string(w, attribute->name);
        put(w, "=\"", 2);
        for (xmlNodePtr value = attribute->children; value != NULL; value = value->next) {
            if (value->type == XML_TEXT_NODE) {
                put_escaped(w, value->content, stop_in_attribute);
            }
        }
        put(w, "\"", 1);
    }
}

/// Writes an element and its content, skipping comments and processing instructions. The qualified
/// name is measured once for both tags. Depth is bounded by the parser's limit (at most 256).
static void put_element(writer *w, xmlNodePtr element) {
    const xmlChar *prefix = element->ns != NULL ? element->ns->prefix : NULL;
    size_t prefix_length = prefix != NULL ? strlen((const char *)prefix) : 0;
    size_t name_length = strlen((const char *)element->name);
    put_tag(w, "<", 1, prefix, prefix_length, element->name, name_length, "", 0);
    if (element->nsDef != NULL || element->properties != NULL) {
        put_attributes(w, element);
    }
    if (element->children == NULL) {
        put(w, "/>", 2);
        return;
    }
    put(w, ">", 1);
    for (xmlNodePtr child = element->children; child != NULL; child = child->next) {
        switch (child->type) {
        case XML_ELEMENT_NODE:
            put_element(w, child);
            break;
        case XML_TEXT_NODE:
            put_escaped(w, child->content, stop_in_text);
            break;
        case XML_CDATA_SECTION_NODE:
            put(w, "<![CDATA[", 9);
            put_string(w, child->content);
            put(w, "]]>", 3);
            break;
        default:
            break;
        }
    }
    put_tag(w, "</", 2, prefix, prefix_length, element->name, name_length, ">", 1);
}

/// Serialises into [out, out + capacity) and returns the full length, written or not.
static size_t serialize(const airlock_xml_doc *doc, uint8_t *out, size_t capacity) {
    writer w = { out, out + capacity, 0 };
    xmlNodePtr root = xmlDocGetRootElement((xmlDocPtr)doc);
    if (root == NULL) {
        return 0;
    }
    static const char declaration[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    put(&w, declaration, sizeof declaration - 1);
    put_element(&w, root);
    put(&w, "\n", 1);
    return (size_t)(w.p - out) + w.spill;
}

size_t airlock_xml_sanitized_length(const airlock_xml_doc *doc) {
    uint8_t none[1];
    return serialize(doc, none, 0);
}

size_t airlock_xml_sanitize_into(const airlock_xml_doc *doc, uint8_t *out, size_t capacity) {
    if (out == NULL) {
        return 0;
    }
    size_t length = serialize(doc, out, capacity);
    return length <= capacity ? length : 0;
}
