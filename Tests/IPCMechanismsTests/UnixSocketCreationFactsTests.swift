import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import SystemPackage
import Testing

/// `socket` for `AF_UNIX`, `AF_UNSPEC`, `AF_INET`'s stream, datagram and raw types (LTP's `socket01`) and families
/// out of range, measured on this kernel, and the `unix-socket` model's `createdSocket` against it for random
/// arguments and a sweep of `AF_INET`'s.
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
        // LTP socket01's cases: AF_UNSPEC in range but registered by no family; AF_INET's TCP and UDP sockets made,
        // a protocol its type lacks EPROTONOSUPPORT, a raw socket of protocol 0 EPROTONOSUPPORT for anyone (also as
        // uid 65534, a C probe under setpriv); a protocol outside 0..<IPPROTO_MAX EINVAL first.
        #expect(create(AF_UNSPEC, 1, 0) == "EAFNOSUPPORT")
        #expect(create(AF_UNSPEC, 11, 0) == "EINVAL")
        #expect(create(AF_INET, 75, 0) == "EINVAL")
        #expect(create(AF_INET, 1, 0) == "type 1")
        #expect(create(AF_INET, 1, 6) == "type 1")
        #expect(create(AF_INET, 2, 17) == "type 2")
        #expect(create(AF_INET, 1, 17) == "EPROTONOSUPPORT")
        #expect(create(AF_INET, 2, 6) == "EPROTONOSUPPORT")
        #expect(create(AF_INET, 1, 1) == "EPROTONOSUPPORT")
        #expect(create(AF_INET, 3, 0) == "EPROTONOSUPPORT")
        #expect(create(AF_INET, 1, 263) == "EINVAL")
        #expect(create(AF_INET, 3, -1) == "EINVAL")
    }

    /// Every `AF_INET` type and protocol of a sweep that the model judges.
    @Test func theModelAgreesOnAnInternetSweep() {
        let judged = SocketCreationAgreement.sweep(
            types: [0, 1, 2, 3, 4, 5, 10, 11, 12, 1 | 0x800, 2 | 0x80000], judges: UnixSocketModel.judgesSocket, check: expectAgreement)
        #expect(judged > 40)
    }

    func expectAgreement(domain: Int, type: Int, number: Int) {
        let kernel = create(CInt(domain), CInt(type), CInt(number))
        let model = SocketCreationAgreement.text(UnixSocketModel.createdSocket(domain: domain, type: type, protocol: number))
        #expect(kernel == model, "socket(\(domain), \(type), \(number))")
    }

    @Test func theModelAgreesForRandomArguments() async {
        let domain = Gen.oneOf(
            Gen.always(1).eraseToAny(), Gen.int(in: 46...200).eraseToAny(), Gen.int(in: -3...(-1)).eraseToAny(),
            Gen.always(0).eraseToAny(), Gen.always(2).eraseToAny())
        let type = Gen.oneOf(
            Gen.int(in: 0...16).eraseToAny(), Gen.int(in: 0...16).map { $0 | 0x800 }.eraseToAny(),
            Gen.int(in: 0...16).map { $0 | 0x80000 }.eraseToAny(), Gen.int(in: 0...0x1000).eraseToAny())
        await checkProperty(count: 300, input: zip(domain, type, Gen.int(in: -1...3))) { domain, type, number in
            guard UnixSocketModel.judgesSocket(domain: domain, type: type, protocol: number) else { return }
            expectAgreement(domain: domain, type: type, number: number)
        }
    }
}
