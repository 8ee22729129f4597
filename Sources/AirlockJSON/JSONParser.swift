/// Strict RFC 8259 / I-JSON parser from bytes to `JSONValue`, with configurable threat limits.
public struct JSONParser: Sendable {
    /// Resource limits; every limit produces its own `JSONParseError.Kind` when exceeded.
    public struct Limits: Sendable, Equatable {
        /// Largest accepted document in bytes.
        public var maxBytes: Int
        /// Deepest accepted nesting of arrays/objects (clamped to `JSONParser.hardMaxDepth`).
        public var maxDepth: Int
        /// Longest accepted string (decoded UTF-8 bytes), keys included.
        public var maxStringLength: Int
        /// Most entries accepted in one object.
        public var maxObjectEntries: Int
        /// Most items accepted in one array.
        public var maxArrayItems: Int
        /// Longest accepted number lexeme (characters); only numbers that are not plain 18-digit integers are measured.
        public var maxNumberLength: Int
        /// Largest accepted decimal exponent magnitude (`1e999999999` costs exact arithmetic dearly).
        public var maxNumberExponent: Int

        /// Builds limits; defaults suit API responses (64 MiB, depth 64).
        public init(maxBytes: Int = 64 << 20, maxDepth: Int = 64, maxStringLength: Int = 16 << 20,
                    maxObjectEntries: Int = 1 << 20, maxArrayItems: Int = 1 << 24,
                    maxNumberLength: Int = Int.max, maxNumberExponent: Int = Int.max) {
            self.maxNumberLength = maxNumberLength
            self.maxNumberExponent = maxNumberExponent
            self.maxBytes = maxBytes
            self.maxDepth = maxDepth
            self.maxStringLength = maxStringLength
            self.maxObjectEntries = maxObjectEntries
            self.maxArrayItems = maxArrayItems
        }

        /// The defaults, named for readability at call sites.
        public static let `default` = Limits()
    }

    /// Absolute nesting cap whatever the configured limit, so recursion can never exhaust a thread stack.
    public static let hardMaxDepth = 1000

    /// The limits this parser enforces.
    public let limits: Limits

    /// Creates a parser with the given limits.
    public init(limits: Limits = .default) {
        self.limits = limits
    }

    /// Parses a document into a tape: what the validator reads, without building a value tree. The tape's
    /// `canonical` says whether the input bytes are already what `JSONSerializer` would write for it.
    public func parseTape(_ bytes: [UInt8]) throws(JSONParseError) -> JSONTape {
        let result: Result<JSONTape, JSONParseError> = bytes.withUnsafeBufferPointer { p in
            var state = JSONParserState(p, limits)
            do throws(JSONParseFailure) {
                try state.parseDocument()
                return .success(state.takeTape(input: bytes))
            } catch {
                state.releaseStacks()
                return .failure(JSONParseError(error.kind, at: error.offset, in: p))
            }
        }
        return try result.get()
    }

    /// Parses one complete JSON document (surrounding whitespace allowed, nothing else).
    public func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        try parseTape(bytes).value
    }

    /// Parses a UTF-8 string (convenience for tests and schemas written inline).
    public func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}
