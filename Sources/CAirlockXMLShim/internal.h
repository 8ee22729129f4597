// Private declarations shared by the shim's C files; never exported to Swift.
#ifndef AIRLOCK_XML_INTERNAL_H
#define AIRLOCK_XML_INTERNAL_H

#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>
#include <libxml/xmlschemas.h>
#include <libxml/globals.h>
#include <libxml/uri.h>

#include "include/airlock_xml.h"

/// Points this thread's libxml2 global error channels at silent sinks (libxml2 keeps them per thread).
void airlock_xml_thread_prepare(void);
void airlock_xml_silent_structured(void *data, xmlErrorPtr error);
void airlock_xml_silent_generic(void *ctx, const char *msg, ...);

/// While non-NULL on this thread, the entity loader admits local files below this directory (schema loading only).
void airlock_xml_set_allowed_root(const char *root);

/// Pre-scan of the raw bytes: encoding check and the attribute-count bound libxml2 cannot enforce itself.
int airlock_xml_prescan(const uint8_t *bytes, size_t length, const airlock_xml_limits *limits,
                        airlock_xml_outcome *outcome);

/// UTF-8 fast path of the pre-scan: true only when its markup walk is certain to find no DOCTYPE
/// and no start tag with more than `max` attributes (false means: run the exact walk).
int airlock_xml_surely_within_bounds(const uint8_t *bytes, size_t length, uint64_t max);

/// True when libxml2 is certain to read a comment, CDATA section or PI body up to its terminator:
/// valid UTF-8 made only of characters XML allows.
int airlock_xml_is_clean_utf8(const uint8_t *bytes, size_t length);

int airlock_xml_is_name_start(uint32_t c);
int airlock_xml_ascii_case_equal(const char *a, const char *b);

char *airlock_xml_trimmed_copy(const char *message);
char *airlock_xml_node_path(xmlNodePtr node);
char *airlock_xml_violation_path(xmlNodePtr node, const char *message);

#endif
