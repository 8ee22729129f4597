// One-time libxml2 set-up, silent error sinks and the external entity loader that refuses everything.
#include "internal.h"

#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static _Thread_local const char *allowed_root = NULL;

void airlock_xml_silent_structured(void *data, xmlErrorPtr error) {
    (void)data;
    (void)error;
}

void airlock_xml_silent_generic(void *ctx, const char *msg, ...) {
    (void)ctx;
    (void)msg;
}

static xmlParserInputPtr refusing_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt);

void airlock_xml_set_allowed_root(const char *root) {
    allowed_root = root;
    if (root != NULL) {
        // Schema compilation is the one path that loads files: make sure no other libxml2 user in
        // the process has replaced the loader that confines it to the schema directory.
        if (xmlGetExternalEntityLoader() != refusing_loader) {
            xmlSetExternalEntityLoader(refusing_loader);
        }
    }
}

/// Admits only local files inside the schema directory while a schema is being compiled; refuses
/// every other URL (http, ftp, file outside, and anything during document parsing).
static xmlParserInputPtr refusing_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt) {
    (void)id;
    const char *root = allowed_root;
    if (root == NULL || url == NULL) {
        return NULL;
    }
    char *unescaped = NULL;
    const char *path = url;
    if (strncmp(url, "file://", 7) == 0) {
        path = url + 7;
        if (strncmp(path, "localhost/", 10) == 0) {
            path += 9;
        }
        unescaped = xmlURIUnescapeString(path, 0, NULL);
        if (unescaped == NULL) {
            return NULL;
        }
        path = unescaped;
    } else if (strstr(url, ":/") != NULL || strncmp(url, "file:", 5) == 0) {
        return NULL;
    }
    char resolved[PATH_MAX];
    char *ok = realpath(path, resolved);
    if (unescaped != NULL) {
        xmlFree(unescaped);
    }
    if (ok == NULL || strncmp(resolved, root, strlen(root)) != 0) {
        return NULL;
    }
    return xmlNewInputFromFile(ctxt, resolved);
}

static void initialize(void) {
    xmlInitParser();
    xmlSetExternalEntityLoader(refusing_loader);
    xmlThrDefSetStructuredErrorFunc(NULL, airlock_xml_silent_structured);
    xmlThrDefSetGenericErrorFunc(NULL, airlock_xml_silent_generic);
    xmlThrDefLoadExtDtdDefaultValue(0);
    xmlThrDefSubstituteEntitiesDefaultValue(0);
    xmlThrDefDoValidityCheckingDefaultValue(0);
    xmlThrDefLineNumbersDefaultValue(1);
}

void airlock_xml_initialize(void) {
    pthread_once(&init_once, initialize);
    airlock_xml_thread_prepare();
}

void airlock_xml_thread_prepare(void) {
    xmlSetStructuredErrorFunc(NULL, airlock_xml_silent_structured);
    xmlSetGenericErrorFunc(NULL, airlock_xml_silent_generic);
}

const char *airlock_xml_libxml2_version(void) {
    return LIBXML_DOTTED_VERSION;
}

void airlock_xml_string_free(char *string) {
    free(string);
}

char *airlock_xml_trimmed_copy(const char *message) {
    if (message == NULL) {
        return strdup("unknown error");
    }
    size_t length = strlen(message);
    while (length > 0 && (message[length - 1] == '\n' || message[length - 1] == ' ')) {
        length--;
    }
    if (length > 1024) {
        length = 1024;
    }
    char *copy = malloc(length + 1);
    if (copy == NULL) {
        return NULL;
    }
    memcpy(copy, message, length);
    copy[length] = '\0';
    for (size_t i = 0; i < length; i++) {
        if (copy[i] == '\n' || copy[i] == '\r' || copy[i] == '\t') {
            copy[i] = ' ';
        }
    }
    return copy;
}
