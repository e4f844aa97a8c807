/// Lower-case hexadecimal encoding of digests and MACs.
public enum Hex {
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        CanonicalBytes.appendHex(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
