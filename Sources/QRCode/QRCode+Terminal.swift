extension QRCode {
    /// The symbol as text for a terminal: Unicode half blocks, two module rows per line, with
    /// the quiet zone around it.
    ///
    /// The block characters are drawn in the terminal's text colour, so they stand for the light
    /// modules and the terminal's background shows through as the dark ones. On the usual dark
    /// background that gives what the standard and every scanner expect, dark modules on a
    /// light field, quiet zone included. (Drawing the dark modules as blocks would look right
    /// only on a light background, and many phone scanners do not read inverted codes.)
    /// Lines have no trailing spaces: each ends in quiet zone, which is drawn.
    public func terminalLines(quietZone: Int = 4) -> [String] {
        let extent = size + 2 * quietZone
        // Whether the terminal draws ink at (row, column) of the bordered square. Below the last
        // row (when the height is odd, the last line's lower half) there is nothing: background.
        func ink(_ row: Int, _ column: Int) -> Bool {
            guard row < extent else { return false }
            let r = row - quietZone, c = column - quietZone
            guard (0..<size).contains(r), (0..<size).contains(c) else { return true }  // quiet zone: light
            return !modules[r][c]
        }
        return stride(from: 0, to: extent, by: 2).map { top in
            String((0..<extent).map { column -> Character in
                switch (ink(top, column), ink(top + 1, column)) {
                case (true, true): "█"
                case (true, false): "▀"
                case (false, true): "▄"
                case (false, false): " "
                }
            })
        }
    }
}
