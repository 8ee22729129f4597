// Character-level checks shared by the pre-scan.
#include "internal.h"

#include <ctype.h>
#include <string.h>

/// True when libxml2 is certain to read the body [start, end) of a comment, CDATA section or PI up to
/// its terminator: UTF-8 made only of characters XML allows (libxml2 abandons the construct mid-way
/// at the first character it rejects, and then parses what follows as content).
int airlock_xml_is_clean_utf8(const uint8_t *bytes, size_t length) {
    const uint8_t *p = bytes;
    const uint8_t *e = bytes + length;
    while (p < e) {
        uint8_t c = *p;
        if (c < 0x80) {
            if (c < 0x20 && c != 0x09 && c != 0x0A && c != 0x0D) {
                return 0;
            }
            p++;
        } else if (c >= 0xC2 && c <= 0xDF) {
            if (e - p < 2 || (p[1] & 0xC0) != 0x80) {
                return 0;
            }
            p += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            if (e - p < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) {
                return 0;
            }
            uint32_t cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
            if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF) {
                return 0;
            }
            p += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (e - p < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) {
                return 0;
            }
            uint32_t cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
                          ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
            if (cp < 0x10000 || cp > 0x10FFFF) {
                return 0;
            }
            p += 4;
        } else {
            return 0;
        }
    }
    return 1;
}

/// A character that may start an XML name (ASCII letters, '_', ':', or any non-ASCII).
int airlock_xml_is_name_start(uint32_t c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80;
}

int airlock_xml_ascii_case_equal(const char *a, const char *b) {
    for (; *a != '\0' && *b != '\0'; a++, b++) {
        if (toupper((unsigned char)*a) != toupper((unsigned char)*b)) {
            return 0;
        }
    }
    return *a == *b;
}

/// The pre-scan's fast path for UTF-8 input, equivalent to its exact markup walk (prescan.c)
/// whenever it answers true: every bound the walk can find exceeded counts attributes or '=' between
/// one '<' and the next, so if no such stretch holds more than `max` '=' and "<!DOCTYPE" occurs
/// nowhere, the walk would accept the document too. Jumps from '=' to '=' and '!' to '!' with memchr:
/// typical documents (few '=', no '!') cost a few instructions per '=', not a pass over every byte.
int airlock_xml_surely_within_bounds(const uint8_t *b, size_t n, uint64_t max) {
    if (n == 0) {
        return 1;
    }
    const uint8_t *end = b + n;
    for (const uint8_t *p = memchr(b, '!', n); p != NULL; p = memchr(p + 1, '!', (size_t)(end - p - 1))) {
        if (p > b && p[-1] == '<' && (size_t)(end - p) >= 8 && memcmp(p + 1, "DOCTYPE", 7) == 0) {
            return 0;
        }
    }
    uint64_t equals = 0;
    const uint8_t *previous = NULL;
    for (const uint8_t *p = memchr(b, '=', n); p != NULL; p = memchr(p + 1, '=', (size_t)(end - p - 1))) {
        if (previous != NULL && memchr(previous, '<', (size_t)(p - previous)) != NULL) {
            equals = 0;
        }
        if (++equals > max) {
            return 0;
        }
        previous = p;
    }
    return 1;
}
