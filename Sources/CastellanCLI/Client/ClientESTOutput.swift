import ArgumentParser
import CastellanClient
import Foundation

/// How `client enrol|renew` end on an error: one line on stderr; exit 1 when the server refused, 2 otherwise.
enum ClientESTOutput {
    static func fail(_ error: any Error) -> ExitCode {
        FileHandle.standardError.write(Data("castellan client: \(error)\n".utf8))
        if let error = error as? ESTClientError, error.status != nil { return ExitCode(1) }
        return ExitCode(2)
    }
}
