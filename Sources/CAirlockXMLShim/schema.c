// XSD compilation (local includes/imports only) and validation with collected, never printed, errors.
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct airlock_xml_schema {
    xmlSchemaPtr schema;
};

typedef struct {
    char *text;
    size_t length;
    int errors;
    int entries;
} error_log;

static void log_append(error_log *log, const char *format, ...) {
    char line[1400];
    va_list args;
    va_start(args, format);
    int written = vsnprintf(line, sizeof line, format, args);
    va_end(args);
    if (written <= 0) {
        return;
    }
    size_t add = strlen(line);
    char *grown = realloc(log->text, log->length + add + 2);
    if (grown == NULL) {
        return;
    }
    log->text = grown;
    if (log->length > 0) {
        log->text[log->length++] = '\n';
    }
    memcpy(log->text + log->length, line, add + 1);
    log->length += add;
}

static void on_schema_error(void *data, xmlErrorPtr error) {
    error_log *log = data;
    if (error == NULL || log->entries >= 8) {
        return;
    }
    char *message = airlock_xml_trimmed_copy(error->message);
    const char *kind = error->level >= XML_ERR_ERROR ? "" : "warning: ";
    if (error->level >= XML_ERR_ERROR) {
        log->errors++;
    }
    log_append(log, "%s%s:%d: %s", kind, error->file != NULL ? error->file : "schema", error->line,
               message != NULL ? message : "unknown error");
    log->entries++;
    free(message);
}

airlock_xml_schema *airlock_xml_schema_load(const char *path, char **error) {
    airlock_xml_initialize();
    *error = NULL;
    char resolved[PATH_MAX];
    if (realpath(path, resolved) == NULL) {
        error_log log = { 0 };
        log_append(&log, "%s: cannot open schema: %s", path, strerror(errno));
        *error = log.text;
        return NULL;
    }
    char root[PATH_MAX + 1];
    strcpy(root, resolved);
    char *slash = strrchr(root, '/');
    if (slash == NULL) {
        *error = strdup("schema path has no directory");
        return NULL;
    }
    slash[1] = '\0';

    error_log log = { 0 };
    airlock_xml_set_allowed_root(root);
    // Files read by the schema parser report through the thread's global channel: collect them too.
    xmlSetStructuredErrorFunc(&log, on_schema_error);
    xmlSchemaParserCtxtPtr parser = xmlSchemaNewParserCtxt(resolved);
    xmlSchemaPtr compiled = NULL;
    if (parser != NULL) {
        xmlSchemaSetParserStructuredErrors(parser, on_schema_error, &log);
        compiled = xmlSchemaParse(parser);
        xmlSchemaFreeParserCtxt(parser);
    }
    airlock_xml_thread_prepare();
    airlock_xml_set_allowed_root(NULL);

    if (compiled == NULL || log.errors > 0) {
        if (compiled != NULL) {
            xmlSchemaFree(compiled);
        }
        if (log.text == NULL) {
            log_append(&log, "%s: schema could not be compiled", path);
        }
        *error = log.text;
        return NULL;
    }
    free(log.text);
    airlock_xml_schema *result = malloc(sizeof *result);
    if (result == NULL) {
        xmlSchemaFree(compiled);
        *error = strdup("out of memory");
        return NULL;
    }
    result->schema = compiled;
    return result;
}

void airlock_xml_schema_free(airlock_xml_schema *schema) {
    if (schema != NULL) {
        xmlSchemaFree(schema->schema);
        free(schema);
    }
}

typedef struct {
    airlock_xml_violations *out;
    size_t max;
} validation;

static void add_violation(airlock_xml_violations *out, long line, char *path, char *message) {
    if (out->count == out->capacity) {
        size_t capacity = out->capacity == 0 ? 8 : out->capacity * 2;
        airlock_xml_violation *grown = realloc(out->items, capacity * sizeof *grown);
        if (grown == NULL) {
            free(path);
            free(message);
            return;
        }
        out->items = grown;
        out->capacity = capacity;
    }
    out->items[out->count++] = (airlock_xml_violation){ line, path, message };
}

static void on_violation(void *data, xmlErrorPtr error) {
    validation *v = data;
    if (error == NULL || error->level < XML_ERR_ERROR) {
        return;
    }
    v->out->total++;
    if (v->out->count >= v->max) {
        return;
    }
    xmlNodePtr node = error->node;
    long line = error->line;
    if (node != NULL) {
        xmlNodePtr element = node->type == XML_ATTRIBUTE_NODE ? node->parent : node;
        if (element != NULL && element->type == XML_ELEMENT_NODE) {
            line = xmlGetLineNo(element);
        }
    }
    add_violation(v->out, line, airlock_xml_violation_path(node, error->message), airlock_xml_trimmed_copy(error->message));
}

int airlock_xml_validate(const airlock_xml_schema *schema, airlock_xml_doc *doc,
                         size_t max_violations, airlock_xml_violations *out) {
    airlock_xml_initialize();
    memset(out, 0, sizeof *out);
    validation v = { out, max_violations };
    xmlSchemaValidCtxtPtr context = xmlSchemaNewValidCtxt(schema->schema);
    if (context == NULL) {
        out->result = -1;
    } else {
        xmlSchemaSetValidStructuredErrors(context, on_violation, &v);
        out->result = xmlSchemaValidateDoc(context, (xmlDocPtr)doc);
        xmlSchemaFreeValidCtxt(context);
    }
    if (out->result != 0 && out->total == 0) {
        out->total = 1;
        add_violation(out, 0, strdup("/"), strdup("validation could not be completed (libxml2 internal error)"));
    }
    return out->result;
}

void airlock_xml_violations_clear(airlock_xml_violations *violations) {
    for (size_t i = 0; i < violations->count; i++) {
        free(violations->items[i].path);
        free(violations->items[i].message);
    }
    free(violations->items);
    memset(violations, 0, sizeof *violations);
}
