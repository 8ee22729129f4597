// Airlock's C edge over libxml2. This header names no libxml2 type, so Swift files that import it
// never see libxml2's ICU-dependent headers (INTEROP.md), and every pointer crossing into Swift is opaque.
#ifndef AIRLOCK_XML_H
#define AIRLOCK_XML_H

#include <stddef.h>
#include <stdint.h>

typedef struct airlock_xml_doc airlock_xml_doc;
typedef struct airlock_xml_schema airlock_xml_schema;

enum {
    AIRLOCK_XML_OK = 0,
    AIRLOCK_XML_MALFORMED = 1,
    AIRLOCK_XML_FORBIDDEN = 2,
    AIRLOCK_XML_LIMIT = 3,
};

enum {
    AIRLOCK_XML_FORBID_DOCTYPE = 1,
    AIRLOCK_XML_FORBID_ENTITY_DECLARATION = 2,
    AIRLOCK_XML_FORBID_ENTITY_REFERENCE = 3,
    AIRLOCK_XML_FORBID_XINCLUDE = 4,
    AIRLOCK_XML_FORBID_ENCODING = 5,
};

enum {
    AIRLOCK_XML_LIMIT_BYTES = 1,
    AIRLOCK_XML_LIMIT_DEPTH = 2,
    AIRLOCK_XML_LIMIT_ELEMENTS = 3,
    AIRLOCK_XML_LIMIT_ATTRIBUTES = 4,
    AIRLOCK_XML_LIMIT_TEXT = 5,
    AIRLOCK_XML_LIMIT_NAMESPACES = 6,
};

/// Hard ceilings libxml2 2.9.14 applies without XML_PARSE_HUGE; configured limits are clamped to them.
#define AIRLOCK_XML_MAX_DEPTH 256u
#define AIRLOCK_XML_MAX_TEXT 10000000u

typedef struct {
    uint64_t max_bytes;
    uint64_t max_depth;
    uint64_t max_elements;
    uint64_t max_attributes;
    uint64_t max_text_length;
    uint64_t max_namespaces;
    int allow_doctype;
} airlock_xml_limits;

/// Why a parse stopped. `message` and `encoding` are malloc'd (or NULL); release with airlock_xml_outcome_clear.
typedef struct {
    int status;
    int detail;
    long line;
    long column;
    char *message;
    char *encoding;
} airlock_xml_outcome;

typedef struct {
    long line;
    char *path;
    char *message;
} airlock_xml_violation;

/// Violations of one validation; `total` counts all, `count` those kept (at most the caller's maximum).
typedef struct {
    airlock_xml_violation *items;
    size_t count;
    size_t capacity;
    size_t total;
    int result;
} airlock_xml_violations;

/// Initialises libxml2 once (thread safe), silences its global error output, installs the refusing loader.
void airlock_xml_initialize(void);
const char *airlock_xml_libxml2_version(void);

airlock_xml_doc *airlock_xml_parse(const uint8_t *bytes, size_t length,
                                   const airlock_xml_limits *limits, airlock_xml_outcome *outcome);
void airlock_xml_outcome_clear(airlock_xml_outcome *outcome);
void airlock_xml_doc_free(airlock_xml_doc *doc);

/// The sanitizer in two passes, so Swift allocates the output exactly once: the length of the UTF-8
/// serialisation without comments, processing instructions or DOCTYPE, then the bytes themselves
/// (returns the count written; 0 if `capacity` was too small). The tree is not modified.
size_t airlock_xml_sanitized_length(const airlock_xml_doc *doc);
size_t airlock_xml_sanitize_into(const airlock_xml_doc *doc, uint8_t *out, size_t capacity);

airlock_xml_schema *airlock_xml_schema_load(const char *path, char **error);
void airlock_xml_schema_free(airlock_xml_schema *schema);
int airlock_xml_validate(const airlock_xml_schema *schema, airlock_xml_doc *doc,
                         size_t max_violations, airlock_xml_violations *out);
void airlock_xml_violations_clear(airlock_xml_violations *violations);
void airlock_xml_string_free(char *string);

#endif
