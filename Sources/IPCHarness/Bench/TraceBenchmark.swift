import Glibc
import IPCModels
import IPCSyscalls

/// `ipc-harness bench trace`: writes a trace of `events` events with ``TraceWriter`` and streams it back with
/// ``TraceReader``, reporting throughput, the file's size, the reader's largest buffer and the process's peak
/// memory: the reader must not grow with the file.
public enum TraceBenchmark {
    public struct Result: Sendable {
        public var events: Int
        public var fileMegabytes: Double
        public var writeSeconds: Double
        public var readSeconds: Double
        public var readerBufferKilobytes: Int
        public var peakMegabytes: Double
    }

    public static func run(events: Int, directory: String = "/tmp") throws(TraceError) -> Result {
        let path = "\(directory)/ipc-harness-bench-\(Syscall.processID).jsonl"
        defer { try? Syscall.unlink(path) }
        let header = Trace.Header(model: "pipe", parameters: ["objects": ["p0": ["readers": [2], "writers": [1]]]], mechanism: "kernel.pipe", seed: "1", strategy: "random")
        let writeStart = MonotonicClock.nanoseconds()
        let writer = try TraceWriter(path: path, header: header)
        for index in 0..<events {
            let process = 1 + index % 2
            let operation = index / 2
            let isInvoke = operation % 2 == 0
            var event = Trace.Event(
                index: index, time: UInt64(index) * 1000, process: process, type: isInvoke ? .invoke : .ok,
                f: process == 1 ? "write" : "read", object: "p0")
            if isInvoke {
                event.value = process == 1 ? ["data": .string("message \(operation)")] : ["max": 64]
            } else {
                event.value = process == 1 ? ["written": 1] : ["data": "m"]
            }
            try writer.append(event)
        }
        try writer.finish()
        let writeSeconds = Double(MonotonicClock.nanoseconds() - writeStart) / 1e9
        var info = stat()
        stat(path, &info)
        let readStart = MonotonicClock.nanoseconds()
        let reader = try TraceReader(path: path)
        var count = 0
        while try reader.next() != nil { count += 1 }
        let readSeconds = Double(MonotonicClock.nanoseconds() - readStart) / 1e9
        return Result(
            events: count, fileMegabytes: Double(info.st_size) / 1_048_576, writeSeconds: writeSeconds,
            readSeconds: readSeconds, readerBufferKilobytes: reader.peakBufferedBytes / 1024,
            peakMegabytes: Double(ProcessMemory.resident()?.peak ?? 0) / Double(1 << 20))
    }

    public static func text(_ result: Result) -> String {
        """
        events: \(result.events)   file: \(CheckerBenchmark.format(result.fileMegabytes, 1)) MB
        write: \(CheckerBenchmark.format(result.writeSeconds, 2)) s (\(Int(Double(result.events) / result.writeSeconds)) events/s)
        read:  \(CheckerBenchmark.format(result.readSeconds, 2)) s (\(Int(Double(result.events) / result.readSeconds)) events/s)
        reader's largest buffer: \(result.readerBufferKilobytes) KB   process peak RSS: \(CheckerBenchmark.format(result.peakMegabytes, 1)) MB
        """
    }

    public static func json(_ result: Result) -> String {
        JSONValue.object([
            "events": .int(result.events), "fileMegabytes": .number(result.fileMegabytes),
            "writeSeconds": .number(result.writeSeconds), "readSeconds": .number(result.readSeconds),
            "readerBufferKilobytes": .int(result.readerBufferKilobytes), "peakMegabytes": .number(result.peakMegabytes),
        ]).description
    }
}
