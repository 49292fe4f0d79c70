/// The trace form of `fork` in the models that follow it (posix-shm, sysv-shm): `{"child": N}`, the new process's
/// number, which must differ from the forking one's.
extension Call {
    /// The child a `fork` call names.
    func forkedChild() throws(ModelError) -> Int {
        let child = try value.required("child").integer("child", in: 0...Int(Int32.max))
        guard child != process else { throw ModelError("a fork's 'child' must be another process than the one forking (\(child))") }
        return child
    }
}
