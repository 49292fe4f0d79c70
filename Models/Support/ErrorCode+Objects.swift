// The errors of named and System V IPC objects, semaphores and robust mutexes (issue 3, second half).
extension ErrorCode {
    public static let ENOENT = ErrorCode("ENOENT")
    public static let EEXIST = ErrorCode("EEXIST")
    public static let EIDRM = ErrorCode("EIDRM")
    public static let E2BIG = ErrorCode("E2BIG")
    public static let ENOMSG = ErrorCode("ENOMSG")
    public static let EFBIG = ErrorCode("EFBIG")
    public static let ERANGE = ErrorCode("ERANGE")
    public static let EOVERFLOW = ErrorCode("EOVERFLOW")
    public static let EFAULT = ErrorCode("EFAULT")
    public static let EDEADLK = ErrorCode("EDEADLK")
    public static let EBUSY = ErrorCode("EBUSY")
    public static let ENOTRECOVERABLE = ErrorCode("ENOTRECOVERABLE")
    public static let ETIMEDOUT = ErrorCode("ETIMEDOUT")
}
