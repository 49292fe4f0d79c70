import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import SystemPackage
import Testing

/// `socket` for `AF_UNIX` and for families out of range, measured on this kernel, and the `unix-socket` model's
/// `createdSocket` against it for random arguments.
@Suite struct UnixSocketCreationFactsTests {
    func create(_ domain: CInt, _ type: CInt, _ number: CInt) -> String {
        do throws(Errno) {
            let socket = try Syscall.socket(domain: domain, type: type, protocol: number)
            defer { try? Syscall.close(socket) }
            return "type \(try Syscall.socketOption(socket, SO_TYPE))"
        } catch { return error.name }
    }

    @Test func theErrorsAndTheirOrder() {
        #expect(create(AF_UNIX, 1, 0) == "type 1")
        #expect(create(AF_UNIX, 3, 0) == "type 2")  // SOCK_RAW makes a datagram socket
        #expect(create(AF_UNIX, 5, 1) == "type 5")  // protocol PF_UNIX
        #expect(create(AF_UNIX, 1 | 0x800 | 0x80000, 0) == "type 1")
        #expect(create(AF_UNIX, 4, 0) == "ESOCKTNOSUPPORT")  // SOCK_RDM
        #expect(create(AF_UNIX, 0, 0) == "ESOCKTNOSUPPORT")
        #expect(create(AF_UNIX, 4, 5) == "EPROTONOSUPPORT")  // the protocol first
        #expect(create(AF_UNIX, 11, 5) == "EINVAL")  // a type out of range before the protocol
        #expect(create(AF_UNIX, 1 | 0x100, 0) == "EINVAL")  // an unknown flag
        #expect(create(100, 11, 5) == "EAFNOSUPPORT")  // a family out of range before the type's range
        #expect(create(100, 1 | 0x100, 0) == "EINVAL")  // flags before the family
        #expect(create(-1, 1, 0) == "EAFNOSUPPORT")
    }

    @Test func theModelAgreesForRandomArguments() async {
        let domain = Gen.oneOf(
            Gen.always(1).eraseToAny(), Gen.int(in: 46...200).eraseToAny(), Gen.int(in: -3...(-1)).eraseToAny())
        let type = Gen.oneOf(
            Gen.int(in: 0...16).eraseToAny(), Gen.int(in: 0...16).map { $0 | 0x800 }.eraseToAny(),
            Gen.int(in: 0...16).map { $0 | 0x80000 }.eraseToAny(), Gen.int(in: 0...0x1000).eraseToAny())
        await propertyCheck(count: 300, input: zip(domain, type, Gen.int(in: -1...3))) { domain, type, number in
            let kernel = create(CInt(domain), CInt(type), CInt(number))
            let model: String
            switch UnixSocketModel.createdSocket(domain: domain, type: type, protocol: number) {
            case .created(.stream): model = "type 1"
            case .created(.dgram): model = "type 2"
            case .created(.seqpacket): model = "type 5"
            case .failed(let code): model = code.rawValue
            default: model = "?"
            }
            #expect(kernel == model, "socket(\(domain), \(type), \(number))")
        }
    }
}
