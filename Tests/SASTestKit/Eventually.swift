/// Waits (bounded) until `condition` holds, checking every 20 ms; returns whether it did.
public func eventually(
    _ what: String = "condition", timeout: Duration = .seconds(10), _ condition: () async -> Bool
) async -> Bool {
    let clock = ContinuousClock()
    let end = clock.now.advanced(by: timeout)
    while clock.now < end {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}
