import Foundation
import Testing

/// The folders of IPCHarness point down only: a folder may use what a lower one declares, never what a higher one
/// does, so each layer can be read (and changed) knowing only those below it. Read off the sources: every type a
/// folder declares, and every folder whose files name it.
@Suite struct LayeringTests {
    /// Lowest first; folders on one line are peers and use none of each other.
    static let layers: [[String]] = [
        ["Support"], ["Trace"], ["Check"], ["Import"], ["Schedule"], ["Faults"], ["Reference"], ["Kinds"], ["Real", "Sim", "Threads"],
        ["Scenarios"], ["Run"], ["Shrink"], ["Fuzz", "Report"], ["Bench"],
    ]

    static var sources: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/IPCHarness")
    }

    @Test func everyFolderUsesOnlyLowerFolders() throws {
        let level = Dictionary(uniqueKeysWithValues: Self.layers.enumerated().flatMap { index, peers in peers.map { ($0, index) } })
        var declaredIn: [String: Set<String>] = [:]
        var texts: [(folder: String, file: String, text: String)] = []
        let declaration = try Regex(#"(?m)^(?:public |package |private |fileprivate )?(?:final )?(?:struct|enum|class|protocol|actor|typealias) (\w+)"#)
        let files = FileManager.default.enumerator(at: Self.sources, includingPropertiesForKeys: nil)!
        for case let url as URL in files where url.pathExtension == "swift" {
            let folder = url.path.dropFirst(Self.sources.path.count + 1).split(separator: "/")[0]
            let text = try String(contentsOf: url, encoding: .utf8)
            texts.append((String(folder), url.lastPathComponent, text))
            for match in text.matches(of: declaration) {
                declaredIn[String(match.output[1].substring!), default: []].insert(String(folder))
            }
        }
        #expect(Set(texts.map(\.folder)).isSubset(of: Set(level.keys)), "a folder missing from the layers: \(Set(texts.map(\.folder)).subtracting(level.keys))")
        var upward: [String] = []
        let identifier = try Regex(#"\b[A-Z]\w+\b"#)
        for (folder, file, text) in texts {
            let code = text.split(separator: "\n").map { line in line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? "" }.joined(separator: "\n")
            for name in Set(code.matches(of: identifier).map { String(code[$0.range]) }) {
                guard let owners = declaredIn[name], !owners.contains(folder) else { continue }
                for owner in owners where (level[owner] ?? 0) >= (level[folder] ?? 0) {
                    upward.append("\(folder)/\(file) uses \(name) from \(owner)")
                }
            }
        }
        #expect(upward.isEmpty, "\(upward.sorted().joined(separator: "\n"))")
    }
}
