extension ErrorCode {
    /// A call that needs a file position on an object that has none (`lseek`, `pread`, `pwrite` on a pipe).
    public static let ESPIPE = ErrorCode("ESPIPE")
}
