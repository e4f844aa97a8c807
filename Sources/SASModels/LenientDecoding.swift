extension KeyedDecodingContainer {
    /// Decodes an integer sent as a JSON number or a string of digits; `null` and a missing
    /// key give nil. Anything else is a `DecodingError` naming the field.
    func lenientInt64(_ key: Key) throws -> Int64? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        if let value = try? decode(Int64.self, forKey: key) { return value }
        if let text = try? decode(String.self, forKey: key) {
            let trimmed = text.trimming([" "])
            if trimmed.isEmpty { return nil }
            if let value = Int64(trimmed) { return value }
        }
        if let value = try? decode(Double.self, forKey: key), value.isFinite,
            value == value.rounded(), abs(value) < 9.2e18
        {
            return Int64(value)
        }
        throw DecodingError.typeMismatch(
            Int64.self,
            .init(codingPath: codingPath + [key], debugDescription: "expected an integer")
        )
    }

    /// Decodes a string; numbers are accepted and turned into text. `null` and a missing
    /// key give nil.
    func lenientString(_ key: Key) throws -> String? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        if let value = try? decode(String.self, forKey: key) { return value }
        if let value = try? decode(Int64.self, forKey: key) { return String(value) }
        throw DecodingError.typeMismatch(
            String.self,
            .init(codingPath: codingPath + [key], debugDescription: "expected a string")
        )
    }
}
