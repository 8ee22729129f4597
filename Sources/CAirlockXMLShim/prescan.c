// Pre-scan of the raw input, before libxml2 sees a byte.
//
// 1. Encoding: only UTF-8 and UTF-16 are accepted (EBCDIC, UCS-4, UTF-7, Latin-1... are refused).
// 2. Attributes per element: libxml2 2.9.14 checks duplicate attributes quadratically inside
//    xmlParseStartTag2, before any SAX callback can count them (INTEROP.md: > 20 s for 200,000).
//    Every '<' of the input is covered by one of two bounds:
//    - a start tag that is well formed is counted exactly (libxml2 parses the same attributes);
//    - any other '<' (inside a comment, CDATA section, processing instruction, after a syntax
//      irregularity) is bounded by the number of '=' before the next '<': libxml2 cannot parse
//      more attributes than that from a tag starting there, whatever state it is in.
// 3. A DOCTYPE is refused here already, unless allowed, and then only without an internal subset.
#include "internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const uint8_t *bytes;
    size_t units;
    int width;
    int big_endian;
    uint64_t max_attributes;
    int allow_doctype;
    size_t start;
} scan;

enum { SCAN_OK = 0, SCAN_ATTRIBUTES = 1, SCAN_DOCTYPE = 2 };

static inline uint32_t unit(const scan *s, size_t i) {
    if (s->width == 1) {
        return s->bytes[i];
    }
    const uint8_t *p = s->bytes + 2 * i;
    return s->big_endian ? ((uint32_t)p[0] << 8 | p[1]) : ((uint32_t)p[1] << 8 | p[0]);
}

enum { CLASS_SPACE = 1, CLASS_ENDS_NAME = 2, CLASS_ANGLE = 4 };

/// Byte classes for the hot loops: XML blanks, characters that end a name inside a tag, '<' and '>'.
static const uint8_t ascii_class[256] = {
    [' '] = CLASS_SPACE | CLASS_ENDS_NAME, ['\t'] = CLASS_SPACE | CLASS_ENDS_NAME,
    ['\n'] = CLASS_SPACE | CLASS_ENDS_NAME, ['\r'] = CLASS_SPACE | CLASS_ENDS_NAME,
    ['>'] = CLASS_ENDS_NAME | CLASS_ANGLE, ['<'] = CLASS_ENDS_NAME | CLASS_ANGLE,
    ['/'] = CLASS_ENDS_NAME, ['='] = CLASS_ENDS_NAME, ['"'] = CLASS_ENDS_NAME, ['\''] = CLASS_ENDS_NAME,
};

static inline int has_class(uint32_t c, int class) {
    return c < 256 && (ascii_class[c] & class) != 0;
}

static inline int is_space(uint32_t c) {
    return has_class(c, CLASS_SPACE);
}

/// Index of the first `u` in [from, limit), or `limit`.
static size_t find(const scan *s, size_t from, size_t limit, uint32_t u) {
    if (from >= limit) {
        return limit;
    }
    if (s->width == 1) {
        const uint8_t *hit = memchr(s->bytes + from, (int)u, limit - from);
        return hit == NULL ? limit : (size_t)(hit - s->bytes);
    }
    for (size_t i = from; i < limit; i++) {
        if (unit(s, i) == u) {
            return i;
        }
    }
    return limit;
}

static int matches(const scan *s, size_t i, const char *literal) {
    for (size_t k = 0; literal[k] != '\0'; k++) {
        if (i + k >= s->units || unit(s, i + k) != (uint32_t)(unsigned char)literal[k]) {
            return 0;
        }
    }
    return 1;
}

/// Index of `terminator` at or after `from`, or `s->units`.
static size_t find_sequence(const scan *s, size_t from, const char *terminator) {
    size_t i = from;
    for (;;) {
        i = find(s, i, s->units, (uint32_t)(unsigned char)terminator[0]);
        if (i >= s->units) {
            return s->units;
        }
        if (matches(s, i, terminator)) {
            return i;
        }
        i++;
    }
}

/// The conservative bound from `from` (a '<') to `limit`: '=' count between consecutive '<'.
static int bound_equals(const scan *s, size_t from, size_t limit) {
    uint64_t equals = 0;
    for (size_t i = from; i < limit; i++) {
        uint32_t c = unit(s, i);
        if (c == '<') {
            equals = 0;
        } else if (c == '=') {
            if (++equals > s->max_attributes) {
                return SCAN_ATTRIBUTES;
            }
        }
    }
    return SCAN_OK;
}

/// A comment, CDATA section or PI body [start, end): bound every '<' inside it up to the next '<' after it.
static int bound_body(const scan *s, size_t start, size_t end, size_t resume) {
    size_t first = find(s, start, end, '<');
    if (first >= end) {
        return SCAN_OK;
    }
    size_t next = find(s, resume, s->units, '<');
    return bound_equals(s, first, next);
}


/// Tag-level delimiters: a name or attribute name ends at any of these (or at '<', which is never
/// legal inside a tag and makes the tag irregular).
static inline int ends_name(uint32_t c) {
    return has_class(c, CLASS_ENDS_NAME);
}

/// A start tag at `lt`: returns the index after it, or `s->units + 1` when it is irregular
/// (a '<' before its end, a missing '=', an unquoted value, no blank between attributes...).
static size_t start_tag(const scan *s, size_t lt, int *status) {
    const size_t n = s->units;
    const size_t irregular = n + 1;
    size_t i = lt + 1;
    while (i < n && !ends_name(unit(s, i))) {
        i++;
    }
    if (i == lt + 1) {
        return irregular;
    }
    uint64_t count = 0;
    for (;;) {
        size_t before_space = i;
        while (i < n && is_space(unit(s, i))) {
            i++;
        }
        if (i >= n) {
            return irregular;
        }
        uint32_t c = unit(s, i);
        if (c == '>') {
            return i + 1;
        }
        if (c == '/') {
            return (i + 1 < n && unit(s, i + 1) == '>') ? i + 2 : irregular;
        }
        if (i == before_space) {
            return irregular;
        }
        size_t attribute_start = i;
        while (i < n && !ends_name(unit(s, i))) {
            i++;
        }
        if (i == attribute_start) {
            return irregular;
        }
        while (i < n && is_space(unit(s, i))) {
            i++;
        }
        if (i >= n || unit(s, i) != '=') {
            return irregular;
        }
        i++;
        while (i < n && is_space(unit(s, i))) {
            i++;
        }
        if (i >= n) {
            return irregular;
        }
        uint32_t quote = unit(s, i);
        if (quote != '"' && quote != '\'') {
            return irregular;
        }
        for (i++; i < n; i++) {
            c = unit(s, i);
            if (c == quote || c == '<') {
                break;
            }
        }
        if (i >= n || c == '<') {
            return irregular;
        }
        i++;
        if (++count > s->max_attributes) {
            *status = SCAN_ATTRIBUTES;
            return i;
        }
    }
}

/// An end tag at `lt`: the index after its '>', or `s->units + 1` when a '<' or the end comes first.
static size_t end_tag(const scan *s, size_t lt) {
    size_t i = lt + 2;
    while (i < s->units && !has_class(unit(s, i), CLASS_ANGLE)) {
        i++;
    }
    return (i < s->units && unit(s, i) == '>') ? i + 1 : s->units + 1;
}

/// A DOCTYPE at `lt` (allowed): returns the index after it, or `s->units + 1` when irregular.
static size_t doctype(const scan *s, size_t lt, int *status) {
    size_t next_lt = find(s, lt + 1, s->units, '<');
    size_t i = lt + 9;
    while (i < next_lt) {
        uint32_t c = unit(s, i);
        if (c == '"' || c == '\'') {
            size_t close = find(s, i + 1, next_lt, c);
            if (close >= next_lt) {
                return s->units + 1;
            }
            i = close + 1;
            continue;
        }
        if (c == '[') {
            *status = SCAN_DOCTYPE;
            return i;
        }
        if (c == '>') {
            return i + 1;
        }
        i++;
    }
    return s->units + 1;
}

static int scan_markup(const scan *s, size_t i) {
    while (i < s->units) {
        size_t lt = find(s, i, s->units, '<');
        if (lt + 1 >= s->units) {
            return SCAN_OK;
        }
        uint32_t c = unit(s, lt + 1);
        int status = SCAN_OK;
        size_t after;
        if (c == '/') {
            size_t after_end = end_tag(s, lt);
            if (after_end > s->units) {
                return bound_equals(s, lt, s->units);
            }
            i = after_end;
            continue;
        }
        if (c == '?' || (c == '!' && (matches(s, lt, "<!--") || matches(s, lt, "<![CDATA[")))) {
            const char *terminator = c == '?' ? "?>" : (unit(s, lt + 2) == '-' ? "-->" : "]]>");
            size_t body = lt + (c == '?' ? 2 : (unit(s, lt + 2) == '-' ? 4 : 9));
            size_t end = find_sequence(s, body, terminator);
            size_t resume = end >= s->units ? s->units : end + strlen(terminator);
            // The XML declaration is special: on a syntax error libxml2 skips only to the next '>'.
            int declaration = c == '?' && lt == s->start && matches(s, lt, "<?xml") &&
                              lt + 5 < s->units && is_space(unit(s, lt + 5));
            int target_ok = c != '?' || (lt + 2 < s->units && airlock_xml_is_name_start(unit(s, lt + 2)));
            int certain = !declaration && target_ok && end < s->units;
            if (find(s, body, end, '<') < end && !(certain && s->width == 1 &&
                  airlock_xml_is_clean_utf8(s->bytes + body, end - body)) &&
                bound_body(s, body, end, resume) != SCAN_OK) {
                return SCAN_ATTRIBUTES;
            }
            i = resume;
            continue;
        }
        if (c == '!' && matches(s, lt, "<!DOCTYPE")) {
            if (!s->allow_doctype) {
                return SCAN_DOCTYPE;
            }
            after = doctype(s, lt, &status);
        } else if (c == '!') {
            after = s->units + 1;
        } else {
            after = start_tag(s, lt, &status);
        }
        if (status != SCAN_OK) {
            return status;
        }
        if (after > s->units) {
            return bound_equals(s, lt, s->units);
        }
        i = after;
    }
    return SCAN_OK;
}

/// The value of `encoding="..."` in an XML declaration starting at `start`, into `out` (empty if none).
static void declared_encoding(const scan *s, size_t start, char out[64]) {
    out[0] = '\0';
    if (!matches(s, start, "<?xml") || start + 5 >= s->units || !is_space(unit(s, start + 5))) {
        return;
    }
    size_t limit = start + 1024 < s->units ? start + 1024 : s->units;
    size_t end = find(s, start + 5, limit, '>');
    for (size_t i = start + 5; i + 8 < end; i++) {
        if (!matches(s, i, "encoding") || !is_space(unit(s, i - 1))) {
            continue;
        }
        size_t j = i + 8;
        while (j < end && is_space(unit(s, j))) {
            j++;
        }
        if (j >= end || unit(s, j) != '=') {
            continue;
        }
        j++;
        while (j < end && is_space(unit(s, j))) {
            j++;
        }
        if (j >= end || (unit(s, j) != '"' && unit(s, j) != '\'')) {
            continue;
        }
        uint32_t quote = unit(s, j);
        size_t k = 0;
        for (j++; j < end && unit(s, j) != quote && k < 63; j++) {
            uint32_t c = unit(s, j);
            out[k++] = (c >= 0x20 && c < 0x7F) ? (char)c : '?';
        }
        out[k] = '\0';
        return;
    }
}

static int refuse_encoding(airlock_xml_outcome *outcome, const char *name) {
    outcome->status = AIRLOCK_XML_FORBIDDEN;
    outcome->detail = AIRLOCK_XML_FORBID_ENCODING;
    outcome->encoding = strdup(name);
    return -1;
}

int airlock_xml_prescan(const uint8_t *b, size_t n, const airlock_xml_limits *limits,
                        airlock_xml_outcome *outcome) {
    scan s = { b, n, 1, 0, limits->max_attributes, limits->allow_doctype, 0 };
    size_t start = 0;
    if (n >= 4) {
        int zeros = (b[0] == 0) + (b[1] == 0) + (b[2] == 0) + (b[3] == 0);
        if (zeros >= 3 || (b[0] == 0 && b[1] == 0) ||
            (b[0] == 0xFF && b[1] == 0xFE && b[2] == 0 && b[3] == 0)) {
            return refuse_encoding(outcome, "UCS-4");
        }
        if (b[0] == 0x4C && b[1] == 0x6F && b[2] == 0xA7 && b[3] == 0x94) {
            return refuse_encoding(outcome, "EBCDIC");
        }
        if (b[0] == 0x2B && b[1] == 0x2F && b[2] == 0x76) {
            return refuse_encoding(outcome, "UTF-7");
        }
    }
    if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        start = 3;
    } else if (n >= 2 && ((b[0] == 0xFE && b[1] == 0xFF) || (b[0] == 0xFF && b[1] == 0xFE))) {
        s.width = 2;
        s.big_endian = b[0] == 0xFE;
        start = 1;
    } else if (n >= 4 && b[0] == 0 && b[1] == 0x3C && b[2] == 0 && b[3] == 0x3F) {
        s.width = 2;
        s.big_endian = 1;
    } else if (n >= 4 && b[0] == 0x3C && b[1] == 0 && b[2] == 0x3F && b[3] == 0) {
        s.width = 2;
    }
    s.units = n / (size_t)s.width;
    s.start = start;

    char name[64];
    declared_encoding(&s, start, name);
    if (name[0] != '\0') {
        int accepted = s.width == 1
            ? (airlock_xml_ascii_case_equal(name, "UTF-8") || airlock_xml_ascii_case_equal(name, "UTF8"))
            : (airlock_xml_ascii_case_equal(name, "UTF-16") || airlock_xml_ascii_case_equal(name, "UTF16") ||
               (airlock_xml_ascii_case_equal(name, "UTF-16LE") && !s.big_endian) ||
               (airlock_xml_ascii_case_equal(name, "UTF-16BE") && s.big_endian));
        if (!accepted) {
            return refuse_encoding(outcome, name);
        }
    }

    int status = s.width == 1 && airlock_xml_surely_within_bounds(b, n, limits->max_attributes) ? SCAN_OK
                                                                                    : scan_markup(&s, start);
    if (status == SCAN_ATTRIBUTES) {
        outcome->status = AIRLOCK_XML_LIMIT;
        outcome->detail = AIRLOCK_XML_LIMIT_ATTRIBUTES;
        return -1;
    }
    if (status == SCAN_DOCTYPE) {
        outcome->status = AIRLOCK_XML_FORBIDDEN;
        outcome->detail = AIRLOCK_XML_FORBID_DOCTYPE;
        return -1;
    }
    return 0;
}
