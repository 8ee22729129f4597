// Hardened document parsing: libxml2's SAX2 tree builder wrapped by callbacks that count limits,
// refuse DTD constructs and XInclude, and collect the first error instead of printing it.
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static const xmlChar XINCLUDE_2001[] = "http://www.w3.org/2001/XInclude";
static const xmlChar XINCLUDE_2003[] = "http://www.w3.org/2003/XInclude";

typedef struct {
    airlock_xml_limits limits;
    airlock_xml_outcome *outcome;
    uint64_t depth;
    uint64_t elements;
    uint64_t text_run;
    uint64_t namespaces_in_scope;
    uint64_t namespaces_at[AIRLOCK_XML_MAX_DEPTH + 2];
    int stopped;
} parse_state;

static parse_state *state_of(void *ctx) {
    return (parse_state *)((xmlParserCtxtPtr)ctx)->_private;
}

/// Records the reason (the first one wins) and halts libxml2 from inside a SAX callback.
static void stop(void *ctx, int status, int detail) {
    parse_state *state = state_of(ctx);
    if (state->outcome->status == AIRLOCK_XML_OK) {
        state->outcome->status = status;
        state->outcome->detail = detail;
    }
    if (!state->stopped) {
        state->stopped = 1;
        xmlStopParser((xmlParserCtxtPtr)ctx);
    }
}

static void on_error(void *ctx, xmlErrorPtr error) {
    parse_state *state = state_of(ctx);
    if (error == NULL || error->level < XML_ERR_ERROR || state->outcome->status != AIRLOCK_XML_OK) {
        return;
    }
    if (error->code == XML_WAR_UNDECLARED_ENTITY) {
        // Reported as an error when a DOCTYPE names an external subset; on_reference refuses it.
        return;
    }
    airlock_xml_outcome *outcome = state->outcome;
    const char *message = error->message != NULL ? error->message : "";
    if (strstr(message, "Excessive depth") != NULL) {
        outcome->status = AIRLOCK_XML_LIMIT;
        outcome->detail = AIRLOCK_XML_LIMIT_DEPTH;
        return;
    }
    if (strstr(message, "huge text node") != NULL) {
        outcome->status = AIRLOCK_XML_LIMIT;
        outcome->detail = AIRLOCK_XML_LIMIT_TEXT;
        return;
    }
    outcome->status = AIRLOCK_XML_MALFORMED;
    outcome->detail = error->code;
    outcome->line = error->line;
    outcome->column = error->int2;
    outcome->message = airlock_xml_trimmed_copy(message);
}

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                     int nb_namespaces, const xmlChar **namespaces, int nb_attributes,
                     int nb_defaulted, const xmlChar **attributes) {
    parse_state *state = state_of(ctx);
    if (state->stopped) {
        return;
    }
    const airlock_xml_limits *limits = &state->limits;
    if (state->depth + 1 > limits->max_depth) {
        stop(ctx, AIRLOCK_XML_LIMIT, AIRLOCK_XML_LIMIT_DEPTH);
        return;
    }
    if (++state->elements > limits->max_elements) {
        stop(ctx, AIRLOCK_XML_LIMIT, AIRLOCK_XML_LIMIT_ELEMENTS);
        return;
    }
    if ((uint64_t)nb_attributes + (uint64_t)nb_namespaces > limits->max_attributes) {
        stop(ctx, AIRLOCK_XML_LIMIT, AIRLOCK_XML_LIMIT_ATTRIBUTES);
        return;
    }
    if (state->namespaces_in_scope + (uint64_t)nb_namespaces > limits->max_namespaces) {
        stop(ctx, AIRLOCK_XML_LIMIT, AIRLOCK_XML_LIMIT_NAMESPACES);
        return;
    }
    if (uri != NULL && uri[0] == 'h' && (xmlStrEqual(uri, XINCLUDE_2001) || xmlStrEqual(uri, XINCLUDE_2003))) {
        stop(ctx, AIRLOCK_XML_FORBIDDEN, AIRLOCK_XML_FORBID_XINCLUDE);
        return;
    }
    state->depth++;
    state->namespaces_at[state->depth] = (uint64_t)nb_namespaces;
    state->namespaces_in_scope += (uint64_t)nb_namespaces;
    state->text_run = 0;
    xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
                          nb_defaulted, attributes);
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri) {
    parse_state *state = state_of(ctx);
    if (state->stopped) {
        return;
    }
    if (state->depth > 0) {
        state->namespaces_in_scope -= state->namespaces_at[state->depth];
        state->depth--;
    }
    state->text_run = 0;
    xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

static int count_text(void *ctx, int length) {
    parse_state *state = state_of(ctx);
    if (state->stopped) {
        return 0;
    }
    state->text_run += (uint64_t)(length > 0 ? length : 0);
    if (state->text_run > state->limits.max_text_length) {
        stop(ctx, AIRLOCK_XML_LIMIT, AIRLOCK_XML_LIMIT_TEXT);
        return 0;
    }
    return 1;
}

static void on_characters(void *ctx, const xmlChar *text, int length) {
    if (count_text(ctx, length)) {
        xmlSAX2Characters(ctx, text, length);
    }
}

/// Comments, processing instructions and CDATA sections are tree nodes too (about 120 bytes each,
/// `<!---->` is 7 bytes of input): they count against max_elements with the elements, so a flood of
/// them cannot build a tree of 20 times the input's size. Returns 0 once the limit is passed.
static int count_node(void *ctx) {
    parse_state *state = state_of(ctx);
    if (state->stopped) {
        return 0;
    }
    if (++state->elements > state->limits.max_elements) {
        stop(ctx, AIRLOCK_XML_LIMIT, AIRLOCK_XML_LIMIT_ELEMENTS);
        return 0;
    }
    return 1;
}

static void on_cdata(void *ctx, const xmlChar *text, int length) {
    if (count_node(ctx) && count_text(ctx, length)) {
        xmlSAX2CDataBlock(ctx, text, length);
    }
}

static void on_comment(void *ctx, const xmlChar *text) {
    if (!count_node(ctx)) {
        return;
    }
    state_of(ctx)->text_run = 0;
    xmlSAX2Comment(ctx, text);
}

static void on_pi(void *ctx, const xmlChar *target, const xmlChar *data) {
    if (!count_node(ctx)) {
        return;
    }
    state_of(ctx)->text_run = 0;
    xmlSAX2ProcessingInstruction(ctx, target, data);
}

static void on_internal_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
                               const xmlChar *system_id) {
    parse_state *state = state_of(ctx);
    if (state->stopped) {
        return;
    }
    if (!state->limits.allow_doctype) {
        stop(ctx, AIRLOCK_XML_FORBIDDEN, AIRLOCK_XML_FORBID_DOCTYPE);
        return;
    }
    xmlSAX2InternalSubset(ctx, name, external_id, system_id);
}

/// An external DTD is never fetched, even when a DOCTYPE is tolerated.
static void on_external_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
                               const xmlChar *system_id) {
}

static void on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                           const xmlChar *system_id, xmlChar *content) {
    stop(ctx, AIRLOCK_XML_FORBIDDEN, AIRLOCK_XML_FORBID_ENTITY_DECLARATION);
}

static void on_unparsed_entity_decl(void *ctx, const xmlChar *name, const xmlChar *public_id,
                                    const xmlChar *system_id, const xmlChar *notation) {
    stop(ctx, AIRLOCK_XML_FORBIDDEN, AIRLOCK_XML_FORBID_ENTITY_DECLARATION);
}

static void on_reference(void *ctx, const xmlChar *name) {
    stop(ctx, AIRLOCK_XML_FORBIDDEN, AIRLOCK_XML_FORBID_ENTITY_REFERENCE);
}

static xmlParserInputPtr on_resolve_entity(void *ctx, const xmlChar *public_id, const xmlChar *system_id) {
    return NULL;
}

static xmlEntityPtr on_get_parameter_entity(void *ctx, const xmlChar *name) {
    return NULL;
}

static void install_callbacks(xmlSAXHandlerPtr sax) {
    sax->startElementNs = on_start;
    sax->endElementNs = on_end;
    sax->characters = on_characters;
    sax->ignorableWhitespace = on_characters;
    sax->cdataBlock = on_cdata;
    sax->comment = on_comment;
    sax->processingInstruction = on_pi;
    sax->internalSubset = on_internal_subset;
    sax->externalSubset = on_external_subset;
    sax->entityDecl = on_entity_decl;
    sax->unparsedEntityDecl = on_unparsed_entity_decl;
    sax->reference = on_reference;
    sax->resolveEntity = on_resolve_entity;
    sax->getParameterEntity = on_get_parameter_entity;
    sax->warning = airlock_xml_silent_generic;
    sax->error = airlock_xml_silent_generic;
    sax->fatalError = airlock_xml_silent_generic;
    sax->serror = on_error;
}

/// The input as libxml2 pulls it: `bytes` stays owned by the caller and outlives the parse.
typedef struct {
    const uint8_t *bytes;
    size_t length;
    size_t offset;
} memory_reader;

static int read_memory(void *context, char *buffer, int capacity) {
    memory_reader *reader = context;
    size_t count = reader->length - reader->offset;
    if (capacity <= 0) {
        return 0;
    }
    if (count > (size_t)capacity) {
        count = (size_t)capacity;
    }
    memcpy(buffer, reader->bytes + reader->offset, count);
    reader->offset += count;
    return (int)count;
}

static uint64_t clamp(uint64_t value, uint64_t ceiling) {
    return value < ceiling ? value : ceiling;
}

airlock_xml_doc *airlock_xml_parse(const uint8_t *bytes, size_t length,
                                   const airlock_xml_limits *limits, airlock_xml_outcome *outcome) {
    airlock_xml_initialize();
    memset(outcome, 0, sizeof(*outcome));
    if ((uint64_t)length > limits->max_bytes || length > (size_t)INT32_MAX) {
        outcome->status = AIRLOCK_XML_LIMIT;
        outcome->detail = AIRLOCK_XML_LIMIT_BYTES;
        return NULL;
    }
    if (airlock_xml_prescan(bytes, length, limits, outcome) != 0) {
        return NULL;
    }

    parse_state storage;
    memset(&storage, 0, sizeof storage);
    parse_state *state = &storage;
    state->limits = *limits;
    state->limits.max_depth = clamp(limits->max_depth, AIRLOCK_XML_MAX_DEPTH);
    state->limits.max_text_length = clamp(limits->max_text_length, AIRLOCK_XML_MAX_TEXT);
    state->outcome = outcome;

    // Read through an I/O callback, as xmllint reads a file, rather than xmlCreateMemoryParserCtxt:
    // that one first copies the whole input into libxml2's buffer; this way libxml2 pulls 4 KB
    // chunks and discards what it has consumed, so a 10 MB document is never held twice.
    memory_reader reader = { bytes, length, 0 };
    xmlParserCtxtPtr ctxt = length == 0 ? NULL
        : xmlCreateIOParserCtxt(NULL, NULL, read_memory, NULL, &reader, XML_CHAR_ENCODING_NONE);
    if (ctxt == NULL || ctxt->sax == NULL) {
        if (ctxt != NULL) {
            xmlFreeParserCtxt(ctxt);
        }
        outcome->status = AIRLOCK_XML_MALFORMED;
        outcome->line = 1;
        outcome->column = 1;
        outcome->message = airlock_xml_trimmed_copy(length == 0 ? "Document is empty" : "document could not be read");
        return NULL;
    }
    // Never XML_PARSE_NOENT, DTDLOAD, DTDATTR, XINCLUDE or HUGE. IGNORE_ENC: the encoding comes from
    // the byte-order mark / first bytes only, so a declaration cannot switch to an unvetted decoder.
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_IGNORE_ENC |
                                XML_PARSE_COMPACT);
    // Pin the DTD-related switches whatever process-wide defaults another libxml2 user may have set.
    ctxt->replaceEntities = 0;
    ctxt->loadsubset = 0;
    ctxt->validate = 0;
    ctxt->_private = state;
    install_callbacks(ctxt->sax);

    xmlParseDocument(ctxt);

    xmlDocPtr doc = ctxt->myDoc;
    ctxt->myDoc = NULL;
    if (outcome->status == AIRLOCK_XML_OK && (!ctxt->wellFormed || !ctxt->nsWellFormed || doc == NULL)) {
        outcome->status = AIRLOCK_XML_MALFORMED;
        outcome->line = ctxt->lastError.line;
        outcome->column = ctxt->lastError.int2;
        outcome->message = airlock_xml_trimmed_copy(
            ctxt->lastError.message != NULL ? ctxt->lastError.message : "document is not well formed");
    }
    if (outcome->status == AIRLOCK_XML_OK && !limits->allow_doctype && doc->intSubset != NULL) {
        outcome->status = AIRLOCK_XML_FORBIDDEN;
        outcome->detail = AIRLOCK_XML_FORBID_DOCTYPE;
    }
    xmlFreeParserCtxt(ctxt);
    if (outcome->status != AIRLOCK_XML_OK) {
        if (doc != NULL) {
            xmlFreeDoc(doc);
        }
        return NULL;
    }
    return (airlock_xml_doc *)doc;
}

void airlock_xml_outcome_clear(airlock_xml_outcome *outcome) {
    free(outcome->message);
    free(outcome->encoding);
    outcome->message = NULL;
    outcome->encoding = NULL;
}

void airlock_xml_doc_free(airlock_xml_doc *doc) {
    if (doc != NULL) {
        xmlFreeDoc((xmlDocPtr)doc);
    }
}
