// Node paths for violations ("/order/items/item[3]/@sku"), built only when a violation is kept.
// The sanitizer's serialiser lives in sanitize.c.
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *text;
    size_t length;
    size_t capacity;
} buffer;

/// Appends to a growable, always NUL-terminated buffer; on allocation failure `text` becomes NULL.
static void append(buffer *b, const char *text, size_t length) {
    if (b->text == NULL) {
        return;
    }
    if (b->length + length + 1 > b->capacity) {
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
    memcpy(b->text + b->length, text, length);
    b->length += length;
    b->text[b->length] = '\0';
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
    buffer b = { malloc(64), 0, 64 };
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
