extension StringProtocol {
    /// The text without any of `characters` at either end.
    public func trimming(_ characters: Set<Character>) -> SubSequence {
        guard let start = firstIndex(where: { !characters.contains($0) }),
            let end = lastIndex(where: { !characters.contains($0) })
        else { return self[endIndex...] }
        return self[start...end]
    }

    /// The text without spaces and tabs at either end. (Header values are signed once per
    /// request: the common case, nothing to trim, is told by the two ends.)
    public var trimmingBlanks: SubSequence {
        guard let first, let last, blanks.contains(first) || blanks.contains(last) else { return self[...] }
        return trimming(blanks)
    }
}

private let blanks: Set<Character> = [" ", "\t"]
