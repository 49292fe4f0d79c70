import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `reverse_path_check` (`fs/eventpoll.c` of Linux 6.18), measured on a pipe's read end with a C probe first: a file
/// may have any number of wakeup paths that stop at the instance holding it, and at most 500, 100, 50 and 10 with 1,
/// 2, 3 and 4 links above that instance; the ADD that would make one more fails `EINVAL` and registers nothing —
/// whether it adds the chain's top to another instance or the file to an instance already nested. The pipe model
/// (``NestedEpoll/wakeupPathLimits``) says the same, ADD for ADD.
@Suite struct EpollWakeupPathFactsTests {
    typealias Events = KernelEpoll.Events

    /// A pipe, its read end at the foot of a chain of instances, and the pipe model stepped beside the kernel.
    final class Chain {
        let readEnd: CInt, writeEnd: CInt
        private var descriptors: [CInt] = []
        /// The chain's instances, foot first: the trace's names `c0`, `c1`, … and the kernel's descriptors.
        private(set) var instances: [(name: String, descriptor: CInt)] = []
        let model = PipeModel(pipes: [("p0", PipeModel.Setup(readers: [1], writers: [1], nonblocking: true))])
        var state: PipeModel.State

        init() throws {
            let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
            self.readEnd = readEnd.rawValue
            self.writeEnd = writeEnd.rawValue
            descriptors = [self.readEnd, self.writeEnd]
            state = model.initialState(of: "p0")
        }

        deinit { for descriptor in descriptors { Glibc.close(descriptor) } }

        /// A new kept instance named `name`, in the kernel and in the model.
        func instance(_ name: String) throws -> CInt {
            let made = try KernelEpoll.create().rawValue
            descriptors.append(made)
            step(.nestedEpoll(process: 1, call: .create(.flags(Epoll.Creation.closeOnExec), keep: name)), .epollCreated(closeOnExec: true))
            return made
        }

        /// `epoll_ctl(ADD)` of `target` (an instance's name, or the read end for nil) into `instance`, in the kernel;
        /// the model must allow the kernel's outcome, and only it. Returns the kernel's error.
        @discardableResult
        func add(_ instance: (name: String, descriptor: CInt), _ target: (name: String, descriptor: CInt)?) -> Errno? {
            let error: Errno?
            do throws(Errno) {
                try KernelEpoll.control(instance.descriptor, KernelEpoll.add, target?.descriptor ?? readEnd, events: .input)
                error = nil
            } catch let failure { error = failure }
            let call = PipeModel.NestedEpollCall.control(
                instance: instance.name, operation: .add, target: target.map { .instance($0.name) } ?? .end(.read), events: .input)
            step(.nestedEpoll(process: 1, call: call), error.map { .failed(ErrorCode($0.name)) } ?? .epollControlled)
            return error
        }

        /// The implicit instance's plain `epoll_ctl(ADD)` of the read end (`descriptor`: the kernel's instance for it).
        @discardableResult
        func addToImplicit(_ descriptor: CInt) -> Errno? {
            let error: Errno?
            do throws(Errno) {
                try KernelEpoll.control(descriptor, KernelEpoll.add, readEnd, events: .input)
                error = nil
            } catch let failure { error = failure }
            step(.epoll(process: 1, call: .control(operation: .add, end: .read, events: .input)), error.map { .failed(ErrorCode($0.name)) } ?? .epollControlled)
            return error
        }

        /// A kernel instance standing for the implicit one (`"epoll"`), which the model has without a creation.
        func implicitInstance() throws -> (name: String, descriptor: CInt) {
            let made = try KernelEpoll.create().rawValue
            descriptors.append(made)
            return (name: "epoll", descriptor: made)
        }

        private func step(_ input: PipeModel.Input, _ output: PipeModel.Output) {
            let next = model.step(state, input, output)
            #expect(next.count == 1, "the model allows \(input) → \(output) \(next.count) ways")
            if let first = next.first { state = first.state }
        }

        /// A chain of `length` instances, the read end in its foot: the chain's top.
        func build(length: Int) throws -> (name: String, descriptor: CInt) {
            for index in 0..<length {
                instances.append((name: "c\(index)", descriptor: try instance("c\(index)")))
                if index == 0 { #expect(add(instances[0], nil) == nil) } else { #expect(add(instances[index], instances[index - 1]) == nil) }
            }
            return instances.last!
        }
    }

    /// The chain's top added to one instance after another: `limit` succeed, the next fails `EINVAL` (the paths have
    /// as many links as the chain has instances), and the model agrees at every ADD — a model without the limit
    /// allows success at the last.
    @Test(arguments: [(4, 10), (3, 50), (2, 100)])
    func theChainsTopJoinsAtMostTheLimitsInstances(length: Int, limit: Int) throws {
        let chain = try Chain()
        let top = try chain.build(length: length)
        for index in 0...limit {
            let outer = (name: "t\(index)", descriptor: try chain.instance("t\(index)"))
            let error = chain.add(outer, top)
            #expect(error == (index < limit ? nil : Errno.invalidArgument), "ADD of the top into instance \(index)")
        }
    }

    /// The limit counts a file's paths, whichever ADD makes them: with the chain's top in 10 instances, the read end
    /// added to the foot again is `EEXIST` (checked first); an empty instance joins the chain's second one (nothing
    /// below it to count), but the read end added to it then would have 20 paths of four links: `EINVAL`. Beside the
    /// third one its paths have three links, 10 of them: allowed.
    @Test func anyADDThatWouldPassALimitFailsAndEEXISTComesFirst() throws {
        let chain = try Chain()
        let top = try chain.build(length: 4)
        for index in 0..<10 {
            #expect(chain.add((name: "t\(index)", descriptor: try chain.instance("t\(index)")), top) == nil)
        }
        #expect(chain.add(chain.instances[0], nil) == Errno.fileExists)
        let beside = (name: "x", descriptor: try chain.instance("x"))
        #expect(chain.add(chain.instances[1], beside) == nil)
        #expect(chain.add(beside, nil) == Errno.invalidArgument)
        let higher = (name: "y", descriptor: try chain.instance("y"))
        #expect(chain.add(chain.instances[2], higher) == nil)
        #expect(chain.add(higher, nil) == nil)
    }

    /// The implicit instance's plain ADD is checked as a kept one's: nested beside the chain's foot, in its second
    /// instance, it takes nothing below it, but the read end added to it would have 20 paths of four links: `EINVAL`.
    @Test func thePlainADDOfTheImplicitInstanceIsCheckedToo() throws {
        let chain = try Chain()
        let top = try chain.build(length: 4)
        for index in 0..<10 {
            #expect(chain.add((name: "t\(index)", descriptor: try chain.instance("t\(index)")), top) == nil)
        }
        let implicit = try chain.implicitInstance()
        #expect(chain.add(chain.instances[1], implicit) == nil)
        #expect(chain.addToImplicit(implicit.descriptor) == Errno.invalidArgument)
    }

    /// Paths are counted per file: a FIFO's read end opened twice is two files, each registered in the implicit
    /// instance, which sits at the foot of a chain of four instances; the chain's top joins 10 instances, each open's
    /// file having 10 four-link paths — the kernel allows all 10 ADDs. Counted per end, 20 paths would fail the 6th.
    /// The FIFO model allows every ADD because it leaves a process with two opens of an end unjudged once it nests
    /// instances (checked last); were it to judge one, ``NestedEpollState/wakeupPathRefusal(afterAdding:process:before:)``
    /// allows the success wherever an instance holds two registrations of one end.
    @Test func aFIFOEndOpenedTwiceIsTwoFilesEachWithItsOwnPaths() throws {
        try Syscall.withoutConcurrentSpawns {
            let path = "/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-paths"
            try KernelFIFO.create(at: path)
            var descriptors: [CInt] = []
            defer {
                for descriptor in descriptors { Glibc.close(descriptor) }
                unlink(path)
            }
            let model = FIFOModel(fifos: [("f0", FIFOModel.Setup(closeOnExec: true))])
            var states = [model.initialState(of: "f0")]
            func step(_ input: FIFOModel.Input, _ output: FIFOModel.Output) {
                states = states.flatMap { model.step($0, input, output).map(\.state) }
                #expect(!states.isEmpty, "the model refuses \(input) → \(output)")
            }
            func control(_ instance: String, _ target: PipeModel.EpollTarget) -> FIFOModel.Input {
                .nestedEpoll(process: 1, call: .control(instance: instance, operation: .add, target: target, events: .input))
            }
            let implicit = try KernelEpoll.create().rawValue
            descriptors.append(implicit)
            for _ in 0..<2 {
                let reader = try KernelFIFO.open(path, for: .read, nonblocking: true).rawValue
                descriptors.append(reader)
                step(.open(process: 1, end: .read, nonblocking: true), .opened)
                try KernelEpoll.control(implicit, KernelEpoll.add, reader, events: .input)
                step(.epoll(process: 1, call: .control(operation: .add, end: .read, events: .input)), .epollControlled)
            }
            var below = (name: "epoll", descriptor: implicit)
            for index in 1...3 {
                let made = try KernelEpoll.create().rawValue
                descriptors.append(made)
                step(.nestedEpoll(process: 1, call: .create(.flags(Epoll.Creation.closeOnExec), keep: "c\(index)")), .epollCreated(closeOnExec: true))
                try KernelEpoll.control(made, KernelEpoll.add, below.descriptor, events: .input)
                step(control("c\(index)", .instance(below.name)), .epollControlled)
                below = (name: "c\(index)", descriptor: made)
            }
            for index in 0..<10 {
                let top = try KernelEpoll.create().rawValue
                descriptors.append(top)
                step(.nestedEpoll(process: 1, call: .create(.flags(Epoll.Creation.closeOnExec), keep: "t\(index)")), .epollCreated(closeOnExec: true))
                #expect(throws: Never.self, "ADD of the chain's top into instance \(index)") {
                    try KernelEpoll.control(top, KernelEpoll.add, below.descriptor, events: .input)
                }
                step(control("t\(index)", .instance(below.name)), .epollControlled)
            }
            #expect(states.allSatisfy { $0.pipe.epollUnjudged == [1] })
        }
    }
}
