/// The lines of a text file with their 1-based numbers, as `\n`-separated (a trailing `\r` dropped).
enum TextLines {
    static func numbered(_ text: String) -> [(number: Int, text: String)] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { index, line in
            (index + 1, String(line.hasSuffix("\r") ? line.dropLast() : line))
        }
    }
}
