extension StringProtocol {
    /// The text without any of `characters` at either end.
    public func trimming(_ characters: Set<Character>) -> SubSequence {
        guard let start = firstIndex(where: { !characters.contains($0) }),
              let end = lastIndex(where: { !characters.contains($0) })
        else { return self[endIndex...] }
        return self[start...end]
    }

    /// The text without spaces and tabs at either end.
    public var trimmingBlanks: SubSequence { trimming([" ", "\t"]) }
}
