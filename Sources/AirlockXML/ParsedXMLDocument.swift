private import CAirlockXMLShim

/// Owns one libxml2 document produced by `XMLDocumentParser` and frees it on deinit. Not Sendable:
/// libxml2 trees are not safe to share (XSD validation records IDs in the tree), so use one per task.
public final class ParsedXMLDocument {
    let handle: OpaquePointer
    private let inputLength: Int

    init(handle: OpaquePointer, inputLength: Int) {
        self.handle = handle
        self.inputLength = inputLength
    }

    deinit {
        airlock_xml_doc_free(handle)
    }

    /// The document re-serialized as UTF-8 without comments, processing instructions or DOCTYPE, so an
    /// internal service receives exactly what was validated and no smuggled `<?xml-stylesheet?>` or
    /// comment payload. The tree itself is not modified.
    public func sanitized() -> [UInt8] {
        // One pass into a buffer sized from the input (the output is rarely larger); only if it does
        // not fit, measure first and fill an exact buffer.
        let guess = inputLength + inputLength / 8 + 64
        let output = [UInt8](unsafeUninitializedCapacity: guess) { buffer, count in
            count = airlock_xml_sanitize_into(handle, buffer.baseAddress, guess)
        }
        if !output.isEmpty {
            return output
        }
        let length = airlock_xml_sanitized_length(handle)
        return [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            count = airlock_xml_sanitize_into(handle, buffer.baseAddress, length)
        }
    }
}

@available(*, unavailable, message: "libxml2 trees must not be shared across threads")
extension ParsedXMLDocument: Sendable {}
