/// CRIBench's own version: `bench version` and `bench --version` print it beside the runtime's.
public enum BenchVersion {
    public static let current = "0.7.0"
}
