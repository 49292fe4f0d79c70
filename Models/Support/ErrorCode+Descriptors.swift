extension ErrorCode {
    /// A call that needs a file position on an object that has none (`lseek`, `pread`, `pwrite` on a pipe).
    public static let ESPIPE = ErrorCode("ESPIPE")
}

extension ErrorCode {
    /// An `ioctl` request the object does not have (`FIONREAD`, `FIOASYNC` on an eventfd).
    public static let ENOTTY = ErrorCode("ENOTTY")
}
