import CastellanCLI

// The executable is only this: every command lives in CastellanCLI, a library the tests import.
await Castellan.start()
