// Umbrella header for libxml2 as seen from Swift and from the CAirlockXMLShim C target.
#ifndef AIRLOCK_CLIBXML2_SHIM_H
#define AIRLOCK_CLIBXML2_SHIM_H

#include <libxml/xmlversion.h>
// Debian's libxml2 headers pull in ICU, whose types clash with Foundation's own ICU module
// ("'UErrorCode' has different definitions in different modules"); see INTEROP.md.
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>
#include <libxml/xmlsave.h>
#include <libxml/xmlschemas.h>
#include <libxml/globals.h>

// `xmlFree` is a global function pointer, which Swift 6 rejects as not concurrency-safe.
static inline void airlock_libxml2_free(void *pointer) {
    xmlFree(pointer);
}

// `xmlParserVersion` is a macro; the dotted version is a plain string literal.
static inline const char *airlock_libxml2_dotted_version(void) {
    return LIBXML_DOTTED_VERSION;
}

#endif
