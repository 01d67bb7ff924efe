import CastellanAdmin
import CastellanStore
import Foundation
import ServerTesting
import Supervision
import Testing

/// The web observer in a real browser: headless Chromium loads the page from a running
/// service, a worker is killed through the API, and the page's DOM must show its restart
/// count going up. The screenshot is kept as `.build/test-artifacts/observer.png`.
/// Serialized: one browser at a time is enough load on a small CI machine.
@Suite(.serialized) struct ObserverBrowserTests {
    @Test(.timeLimit(.minutes(2)))
    func killingAWorker_raisesItsRestartCount_onTheObserverPage() async throws {
        let harness = try await AdminHarness.onFreePort()
        let browser = try HeadlessChromium()
        defer { browser.kill() }
        let url = try #require(ObserverPage.url(listen: harness.configuration.adminListen, token: harness.token))
        let session = try await browser.attachToPage()
        try await browser.navigate(url, session: session)

        let worker = try #require(try await harness.client.tree().firstWorker(under: "/castellan/auth/scram"))
        let path = String(decoding: try JSONEncoder().encode(worker.path), as: UTF8.self)  // a JavaScript string literal
        // The page builds its rows only once its event stream is open, so the kill below cannot be missed.
        let before = try await browser.evaluate(Self.restartCountOnceTheRowExists(path), session: session)
        #expect(Int(before) == worker.restarts)
        #expect(try await browser.evaluate("location.href", session: session).contains("token") == false)

        _ = try await browser.evaluate(Self.armRestartListener(path), session: session)
        let killed = try await harness.client.kill("{\"path\": \(path)}")
        #expect(killed.status == 200)
        struct Seen: Decodable {
            let announced: Int
            let shown: String
            let flashing: Bool
        }
        let seen = try JSONDecoder().decode(
            Seen.self, from: Data(try await browser.evaluate("window.castellanTestRestart", session: session).utf8))
        #expect(Int(seen.shown) == worker.restarts + 1)
        #expect(seen.announced == worker.restarts + 1)
        #expect(seen.flashing)
        #expect(try await harness.client.tree().node(at: worker.path)?.restarts == worker.restarts + 1)

        let png = try await browser.screenshot(session: session)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        let artefact = Self.artefacts.appendingPathComponent("observer.png")
        try FileManager.default.createDirectory(at: Self.artefacts, withIntermediateDirectories: true)
        try png.write(to: artefact)
        print("observer screenshot: \(artefact.path)")
        try await harness.stop()
    }

    /// An escalation as it happens: kills of the SCRAM pool, faster than `/castellan/auth`'s
    /// intensity (10 within 1 s) allows, make it give up; the page marks its subtree down, the
    /// root restarts it, and the page says it is back — and the restarts show on the chart.
    @Test(.timeLimit(.minutes(2)))
    func anEscalation_showsItsSubtreeDownAndBack_andTheRestartsOnTheRatesChart() async throws {
        let harness = try await AdminHarness.onFreePort()
        let browser = try HeadlessChromium()
        defer { browser.kill() }
        let url = try #require(ObserverPage.url(listen: harness.configuration.adminListen, token: harness.token))
        let session = try await browser.attachToPage()
        try await browser.navigate(url, session: session)
        _ = try await browser.evaluate(Self.restartCountOnceTheRowExists("\"/castellan/auth/scram\""), session: session)
        _ = try await browser.evaluate(Self.armEscalationListener, session: session)

        let events = harness.server.tree.events()
        let client = harness.client
        let kills = Task {
            // A pool being restarted refuses a kill (409): keep asking until auth gives up.
            for _ in 0..<500 where !Task.isCancelled { _ = try? await client.kill(#"{"path": "/castellan/auth/scram"}"#) }
        }
        for await event in events where event.path == "/castellan/auth" && event.name == "intensity_exceeded" { break }
        kills.cancel()
        await kills.value

        struct Seen: Decodable {
            let downRows: Int
            let backMs: Double
            let restarts: Int
            let stillDown: Int
            let listed: String
            let bands: Int
            let peak: Double
        }
        let seen = try JSONDecoder().decode(
            Seen.self, from: Data(try await browser.evaluate("window.castellanTestEscalation", session: session).utf8))
        #expect(seen.downRows >= 4, "auth, its three pools and their workers")
        #expect(seen.backMs >= 0 && seen.backMs < 5_000)
        #expect(seen.stillDown == 0)
        #expect(seen.listed.contains("/castellan/auth") && seen.listed.contains("back after"), "\(seen.listed)")
        #expect(seen.restarts >= 11, "the pool's restarts and auth's")
        #expect(seen.bands >= 1)
        #expect(seen.peak >= 1)
        let png = try await browser.screenshot(session: session)
        try FileManager.default.createDirectory(at: Self.artefacts, withIntermediateDirectories: true)
        try png.write(to: Self.artefacts.appendingPathComponent("observer-escalation.png"))
        try await harness.stop()
    }

    @Test(.timeLimit(.minutes(2)))
    func aWrongToken_orNone_showsHowToOpenThePage_andNoData() async throws {
        let harness = try await AdminHarness.onFreePort()
        let browser = try HeadlessChromium()
        defer { browser.kill() }
        let session = try await browser.attachToPage()
        let base = "\(harness.configuration.adminListen)/"
        try await browser.navigate(base + "#token=wrong", session: session)
        let refused = try await browser.evaluate(Self.noticeOnceShown, session: session)
        #expect(refused.contains("refused the token"))
        #expect(refused.contains("castellan tree --web"))
        // A refused token is forgotten: the next load has none.
        try await browser.navigate(base, session: session)
        let missing = try await browser.evaluate(Self.noticeOnceShown, session: session)
        #expect(missing.contains("needs the admin token"))
        #expect(try await browser.evaluate("String(document.querySelectorAll('#tree tr').length)", session: session) == "0")
        try await harness.stop()
    }

    /// A promise of the notice's text once it is shown (it is filled after the first request
    /// is refused, or at once without a token).
    static let noticeOnceShown = """
        new Promise((resolve, reject) => {
          const notice = document.getElementById('notice');
          const timer = setTimeout(() => reject(new Error('no notice within 20 s')), 20000);
          const check = () => {
            if (notice.hidden) return;
            observer.disconnect();
            clearTimeout(timer);
            resolve(notice.textContent);
          };
          const observer = new MutationObserver(check);
          observer.observe(notice, { attributes: true, childList: true, subtree: true });
          check();
        })
        """

    /// `<package root>/.build/test-artifacts`.
    static let artefacts = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/test-artifacts")

    /// A promise of the row's restart count as shown, once the row for `path` exists; it
    /// watches the DOM for the row (no polling) and gives up after 20 s with what the page shows.
    static func restartCountOnceTheRowExists(_ path: String) -> String {
        """
        new Promise((resolve, reject) => {
          const find = () => document.querySelector('tr[data-path="' + CSS.escape(\(path)) + '"] td.restarts');
          let observer = null;
          const timer = setTimeout(() => {
            observer.disconnect();
            reject(new Error('no row for ' + \(path) + ' within 20 s; the page shows: ' + document.body.innerText.slice(0, 600)));
          }, 20000);
          const check = () => {
            const cell = find();
            if (!cell) return;
            observer.disconnect();
            clearTimeout(timer);
            resolve(cell.textContent);
          };
          observer = new MutationObserver(check);
          observer.observe(document, { childList: true, subtree: true });
          check();
        })
        """
    }

    /// Stores in `window.castellanTestEscalation` a promise of what the page showed of the next
    /// escalation of `/castellan/auth`: the rows marked down when it went down, the time to
    /// back, and — at the first rates sample after it was back, which counts every restart
    /// before — the rows still down, the list of escalations, and the restarts chart.
    static let armEscalationListener = """
        window.castellanTestEscalation = new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no escalation of /castellan/auth within 30 s; the page shows: '
            + document.body.innerText.slice(0, 600))), 30000);
          let downRows = null, backMs = null, restarts = 0;
          const finish = () => {
            if (downRows === null || backMs === null || restarts === 0) return;
            clearTimeout(timer);
            const chart = document.getElementById('restarts-chart');
            resolve(JSON.stringify({
              downRows, backMs, restarts,
              stillDown: document.querySelectorAll('#tree tr.down').length,
              listed: document.getElementById('escalations').textContent,
              bands: chart.querySelectorAll('rect.escalation').length,
              peak: Number(chart.dataset.peak),
            }));
          };
          window.addEventListener('castellan-escalation', (event) => {
            if (event.detail.path !== '/castellan/auth') return;
            if (event.detail.phase === 'down' && downRows === null) downRows = event.detail.rows;
            if (event.detail.phase === 'back' && downRows !== null && backMs === null) backMs = event.detail.ms;
          });
          window.addEventListener('castellan-rates', (event) => {
            restarts += event.detail.restarts;
            if (backMs !== null) finish();
          });
        });
        'armed'
        """

    /// Stores in `window.castellanTestRestart` a promise of what the page shows when it
    /// announces the next restart of `path` (its `castellan-restart` event).
    static func armRestartListener(_ path: String) -> String {
        """
        window.castellanTestRestart = new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no castellan-restart for ' + \(path) + ' within 20 s')), 20000);
          window.addEventListener('castellan-restart', function heard(event) {
            if (event.detail.path !== \(path)) return;
            window.removeEventListener('castellan-restart', heard);
            clearTimeout(timer);
            const row = document.querySelector('tr[data-path="' + CSS.escape(\(path)) + '"]');
            resolve(JSON.stringify({
              announced: event.detail.restarts,
              shown: row.querySelector('td.restarts').textContent,
              flashing: row.classList.contains('flash'),
            }));
          });
        });
        'armed'
        """
    }
}
