import Hummingbird

/// Why an EST request was refused: its HTTP status and one line for the device.
struct ESTRefusal: Error {
    let status: HTTPResponse.Status
    let message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }
}
