import IPCModels

extension FilePosition {
    /// A position for a scenario's `lseek`, `pread` or `pwrite` on a file with none (a pipe, a FIFO, an eventfd), so
    /// fuzzing reaches the kernel's argument checks: for `lseek` any offset with a known `whence` or an unknown one
    /// (5, −1: `EINVAL`); for `pread`/`pwrite` a negative offset (`EINVAL` before the descriptor) or a positive one.
    static func random(forSeek seek: Bool, generator: inout SeededGenerator) -> FilePosition {
        let offset = generator.pick([-1, 4096, Int.min, Int.max])
        guard seek else { return FilePosition(offset: offset) }
        return FilePosition(offset: offset, whence: generator.pick([0, 1, 2, 3, 4, 5, -1]))
    }
}
