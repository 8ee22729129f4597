// Tree walks: node paths for violations, and the sanitizer's serialiser (UTF-8, elements, text and
// CDATA only: comments, processing instructions and the DOCTYPE are never written).
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *text;
    size_t length;
    size_t capacity;
    int mode;
} buffer;

enum { GROWABLE = 0, COUNTING = 1, FIXED = 2 };

/// Appends to a growable buffer, only counts (first pass of the sanitizer), or fills a caller's
/// buffer of known capacity without ever writing past it.
static inline void append(buffer *b, const char *text, size_t length) {
    if (b->mode == COUNTING) {
        b->length += length;
        return;
    }
    if (b->text == NULL) {
        return;
    }
    if (b->length + length + (b->mode == GROWABLE ? 1 : 0) > b->capacity) {
        if (b->mode == FIXED) {
            b->text = NULL;
            return;
        }
        size_t capacity = (b->length + length + 1) * 2;
        char *grown = realloc(b->text, capacity);
        if (grown == NULL) {
            free(b->text);
            b->text = NULL;
            return;
        }
        b->text = grown;
        b->capacity = capacity;
    }
    char *destination = b->text + b->length;
    if (length <= 16) {
        // Names, entities and short runs dominate: a plain loop beats a memcpy call here.
        for (size_t k = 0; k < length; k++) {
            destination[k] = text[k];
        }
    } else {
        memcpy(destination, text, length);
    }
    b->length += length;
    if (b->mode == GROWABLE) {
        b->text[b->length] = '\0';
    }
}

static int same_name(xmlNodePtr a, xmlNodePtr b) {
    if (a->type != XML_ELEMENT_NODE || !xmlStrEqual(a->name, b->name)) {
        return 0;
    }
    const xmlChar *na = a->ns != NULL ? a->ns->href : NULL;
    const xmlChar *nb = b->ns != NULL ? b->ns->href : NULL;
    return (na == NULL && nb == NULL) || (na != NULL && nb != NULL && xmlStrEqual(na, nb));
}

static void append_step(buffer *b, xmlNodePtr node) {
    append(b, "/", 1);
    if (node->type == XML_ATTRIBUTE_NODE) {
        append(b, "@", 1);
    }
    if (node->ns != NULL && node->ns->prefix != NULL) {
        append(b, (const char *)node->ns->prefix, strlen((const char *)node->ns->prefix));
        append(b, ":", 1);
    }
    const char *name = node->name != NULL ? (const char *)node->name : "?";
    append(b, name, strlen(name));
    if (node->type != XML_ELEMENT_NODE) {
        return;
    }
    size_t position = 1;
    int repeated = 0;
    for (xmlNodePtr sibling = node->prev; sibling != NULL; sibling = sibling->prev) {
        if (same_name(sibling, node)) {
            position++;
        }
    }
    for (xmlNodePtr sibling = node->next; sibling != NULL && !repeated; sibling = sibling->next) {
        repeated = same_name(sibling, node);
    }
    if (position > 1 || repeated) {
        char index[32];
        int written = snprintf(index, sizeof index, "[%zu]", position);
        append(b, index, (size_t)written);
    }
}

/// Schema errors about an attribute point at its element; the message names it: "attribute 'sku'".
static xmlAttrPtr attribute_named_in(xmlNodePtr element, const char *message) {
    if (element == NULL || element->type != XML_ELEMENT_NODE || message == NULL) {
        return NULL;
    }
    const char *marker = strstr(message, "', attribute '");
    if (marker == NULL) {
        return NULL;
    }
    const char *name = marker + strlen("', attribute '");
    const char *end = strchr(name, '\'');
    if (end == NULL) {
        return NULL;
    }
    const char *local = name;
    if (*name == '{') {
        const char *close = memchr(name, '}', (size_t)(end - name));
        if (close == NULL) {
            return NULL;
        }
        local = close + 1;
    }
    size_t length = (size_t)(end - local);
    for (xmlAttrPtr attribute = element->properties; attribute != NULL; attribute = attribute->next) {
        if (attribute->name != NULL && strlen((const char *)attribute->name) == length &&
            memcmp(attribute->name, local, length) == 0 && ((*name == '{') == (attribute->ns != NULL))) {
            return attribute;
        }
    }
    return NULL;
}

char *airlock_xml_violation_path(xmlNodePtr node, const char *message) {
    xmlAttrPtr attribute = attribute_named_in(node, message);
    return airlock_xml_node_path(attribute != NULL ? (xmlNodePtr)attribute : node);
}

char *airlock_xml_node_path(xmlNodePtr node) {
    enum { MAX_STEPS = 512 };
    xmlNodePtr steps[MAX_STEPS];
    size_t count = 0;
    for (xmlNodePtr cur = node; cur != NULL && count < MAX_STEPS; cur = cur->parent) {
        if (cur->type == XML_ELEMENT_NODE || cur->type == XML_ATTRIBUTE_NODE) {
            steps[count++] = cur;
        }
    }
    buffer b = { malloc(64), 0, 64, GROWABLE };
    if (b.text == NULL) {
        return NULL;
    }
    b.text[0] = '\0';
    if (count == 0) {
        append(&b, "/", 1);
    }
    while (count > 0) {
        append_step(&b, steps[--count]);
    }
    return b.text;
}

static inline void append_text(buffer *b, const char *text) {
    append(b, text, strlen(text));
}

static const unsigned char special_in_text[256] = { ['&'] = 1, ['<'] = 1, ['>'] = 1, ['\r'] = 1 };
static const unsigned char special_in_attribute[256] = {
    ['&'] = 1, ['<'] = 1, ['>'] = 1, ['\r'] = 1, ['"'] = 1, ['\n'] = 1, ['\t'] = 1,
};

/// Escapes character data (`in_attribute`: also quotes and the whitespace that attribute-value
/// normalisation would otherwise fold), copying unescaped runs in one go.
static void append_escaped(buffer *b, const xmlChar *text, int in_attribute) {
    if (text == NULL) {
        return;
    }
    const unsigned char *special = in_attribute ? special_in_attribute : special_in_text;
    const xmlChar *run = text;
    const xmlChar *p = text;
    for (; *p != '\0'; p++) {
        if (!special[*p]) {
            continue;
        }
        const char *entity;
        switch (*p) {
        case '&': entity = "&amp;"; break;
        case '<': entity = "&lt;"; break;
        case '>': entity = "&gt;"; break;
        case '\r': entity = "&#13;"; break;
        case '"': entity = "&quot;"; break;
        case '\n': entity = "&#10;"; break;
        default: entity = "&#9;"; break;
        }
        append(b, (const char *)run, (size_t)(p - run));
        append_text(b, entity);
        run = p + 1;
    }
    append(b, (const char *)run, (size_t)(p - run));
}

static inline void append_qname(buffer *b, xmlNsPtr ns, const xmlChar *name) {
    if (ns != NULL && ns->prefix != NULL) {
        append_text(b, (const char *)ns->prefix);
        append(b, ":", 1);
    }
    append_text(b, (const char *)name);
}

/// Writes an element and its content, skipping comments and processing instructions.
static void serialize_element(buffer *b, xmlNodePtr element) {
    append(b, "<", 1);
    append_qname(b, element->ns, element->name);
    for (xmlNsPtr ns = element->nsDef; ns != NULL; ns = ns->next) {
        append_text(b, ns->prefix != NULL ? " xmlns:" : " xmlns");
        if (ns->prefix != NULL) {
            append_text(b, (const char *)ns->prefix);
        }
        append(b, "=\"", 2);
        append_escaped(b, ns->href, 1);
        append(b, "\"", 1);
    }
    for (xmlAttrPtr attribute = element->properties; attribute != NULL; attribute = attribute->next) {
        append(b, " ", 1);
        append_qname(b, attribute->ns, attribute->name);
        append(b, "=\"", 2);
        for (xmlNodePtr value = attribute->children; value != NULL; value = value->next) {
            if (value->type == XML_TEXT_NODE) {
                append_escaped(b, value->content, 1);
            }
        }
        append(b, "\"", 1);
    }
    if (element->children == NULL) {
        append(b, "/>", 2);
        return;
    }
    append(b, ">", 1);
    for (xmlNodePtr child = element->children; child != NULL; child = child->next) {
        switch (child->type) {
        case XML_ELEMENT_NODE:
            serialize_element(b, child);
            break;
        case XML_TEXT_NODE:
            append_escaped(b, child->content, 0);
            break;
        case XML_CDATA_SECTION_NODE:
            append(b, "<![CDATA[", 9);
            append_text(b, (const char *)child->content);
            append(b, "]]>", 3);
            break;
        default:
            break;
        }
    }
    append(b, "</", 2);
    append_qname(b, element->ns, element->name);
    append(b, ">", 1);
}

static void serialize_document(buffer *b, xmlDocPtr doc) {
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (root == NULL) {
        return;
    }
    append_text(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    serialize_element(b, root);
    append(b, "\n", 1);
}

size_t airlock_xml_sanitized_length(const airlock_xml_doc *doc) {
    buffer b = { NULL, 0, 0, COUNTING };
    serialize_document(&b, (xmlDocPtr)doc);
    return b.length;
}

size_t airlock_xml_sanitize_into(const airlock_xml_doc *doc, uint8_t *out, size_t capacity) {
    if (out == NULL) {
        return 0;
    }
    buffer b = { (char *)out, 0, capacity, FIXED };
    serialize_document(&b, (xmlDocPtr)doc);
    return b.text == NULL ? 0 : b.length;
}

