extension ObserverPage {
    /// The page's behaviour, in plain JavaScript that runs as served.
    ///
    /// Order matters: the event stream is opened first and the tree fetched only once the
    /// stream's headers arrived (the server subscribes before it answers), so no restart can
    /// fall between the snapshot and the stream; rows therefore exist only while live.
    /// An event already in the snapshot is recognised by its generation and counted once.
    /// `EventSource` cannot send a header, so the stream is read with `fetch` and parsed here.
    /// Every value from the service is written with `textContent`, never as markup.
    ///
    /// The rates charts hold one sample a second for the last five minutes the page was open
    /// (the service keeps no history): decisions per second from `/metrics`, restarts per
    /// second from the event stream. An escalation (`intensity_exceeded`) marks its subtree's
    /// rows `down` and a band on the charts until the parent's `child_restarted` of that path
    /// brings it back; the list under the charts says how long it was down, on the service's clock.
    static let javascript = #"""
    'use strict';
    (() => {
      const TOKEN_KEY = 'castellan-admin-token';
      const MAX_EVENTS = 50;
      const MAX_ESCALATIONS = 8;
      const WINDOW_S = 300;
      const CHART_HEIGHT = 40;
      const SVG_NS = 'http://www.w3.org/2000/svg';
      const $ = (id) => document.getElementById(id);

      // path -> { path, id, kind, strategy, state, generation, restarts, intensity, row }
      let nodes = new Map();
      let order = [];
      let resyncTimer = null;
      let token = null;
      // { time (page clock, ms), decisions (null: unknown), restarts }, oldest first
      const samples = [];
      // { path, seen (page clock, ms), down (service clock, s), back (service clock, s) or null, item }
      const escalations = [];
      let restartsThisSecond = 0;
      let decisionsRate = null;

      class Refused extends Error {}

      function takeToken() {
        const match = /(?:^#|&)token=([^&]*)/.exec(location.hash);
        if (match) {
          token = decodeURIComponent(match[1]);
          try { sessionStorage.setItem(TOKEN_KEY, token); } catch (e) { /* storage off: this load only */ }
          // Out of the address bar, the history and any bookmark.
          history.replaceState(null, '', location.pathname + location.search);
        } else {
          try { token = sessionStorage.getItem(TOKEN_KEY); } catch (e) { token = null; }
        }
        return token;
      }

      function notice(parts) {
        const box = $('notice');
        box.replaceChildren(...parts.map((part) => {
          if (typeof part === 'string') return document.createTextNode(part);
          const code = document.createElement('code');
          code.textContent = part.code;
          return code;
        }));
        box.hidden = false;
      }

      const howToOpen = ['Open this page with the URL that ', { code: 'castellan tree --web' },
        ' prints (', { code: 'http://127.0.0.1:PORT/#token=…' }, '). The token stays in this tab; it is ',
        'never sent in a URL, only as a bearer token to the admin API.'];

      function setConnection(state, text) {
        const badge = $('connection');
        badge.dataset.state = state;
        badge.textContent = text;
      }

      function refused() {
        try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* nothing stored */ }
        setConnection('refused', 'token refused');
        notice(['The admin API refused the token (it may have been rotated). '].concat(howToOpen));
        return new Refused('token refused');
      }

      async function api(path, signal) {
        const response = await fetch(path, { headers: { Authorization: 'Bearer ' + token }, cache: 'no-store', signal });
        if (response.status === 401) throw refused();
        if (!response.ok) throw new Error(path + ' answered ' + response.status);
        return response;
      }

      const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

      // The tree

      function flatten(node, depth, out) {
        out.push({ node, depth });
        for (const child of node.children || []) flatten(child, depth + 1, out);
        return out;
      }

      function cell(className, text) {
        const td = document.createElement('td');
        td.className = className;
        if (text !== undefined) td.textContent = text;
        return td;
      }

      function makeRow(node, depth) {
        const row = document.createElement('tr');
        row.className = node.kind;
        row.dataset.path = node.path;
        const name = cell('node');
        name.title = node.path;
        name.style.paddingLeft = (8 + depth * 18) + 'px';
        const id = document.createElement('span');
        id.className = 'id';
        id.textContent = depth === 0 ? node.path : node.id;
        name.append(id);
        if (node.kind === 'supervisor') {
          const kind = document.createElement('span');
          kind.className = 'kind';
          kind.textContent = node.strategy || 'supervisor';
          name.append(kind);
        }
        row.append(name, cell('state-cell'), cell('generation num'), cell('restarts num'), cell('intensity'));
        row.addEventListener('animationend', () => row.classList.remove('flash'));
        return row;
      }

      function paint(entry) {
        const [, stateCell, generation, restarts, intensity] = entry.row.children;
        const state = document.createElement('span');
        state.className = 'state ' + entry.state;
        state.textContent = entry.state;
        stateCell.replaceChildren(state);
        generation.textContent = String(entry.generation);
        restarts.textContent = String(entry.restarts);
        restarts.classList.toggle('zero', entry.restarts === 0);
        const i = entry.intensity;
        intensity.textContent = i ? i.used + ' / ' + i.max_restarts + ' in ' + (i.period_ms / 1000) + ' s' : '';
      }

      function paintTotals() {
        let restarts = 0;
        let workers = 0;
        for (const entry of nodes.values()) {
          restarts += entry.restarts;
          if (entry.kind === 'worker' && entry.state === 'running') workers += 1;
        }
        $('restart-total').textContent = String(restarts);
        $('worker-count').textContent = String(workers);
      }

      // Called only after the row shows the new count, so a listener may read the DOM.
      function restarted(entry) {
        entry.row.classList.remove('flash');
        void entry.row.offsetWidth;  // restarts the animation when the row is still flashing
        entry.row.classList.add('flash');
        window.dispatchEvent(new CustomEvent('castellan-restart', { detail: { path: entry.path, restarts: entry.restarts } }));
      }

      // Applies a snapshot: rows are updated in place while the shape is unchanged (a flash in
      // progress keeps playing), rebuilt when nodes came or went (a supervisor restarted).
      function applySnapshot(snapshot) {
        const flat = flatten(snapshot, 0, []);
        const paths = flat.map((item) => item.node.path);
        const sameShape = paths.length === order.length && paths.every((path, index) => path === order[index]);
        const previous = nodes;
        const next = new Map();
        const grown = [];
        const rows = [];
        for (const { node, depth } of flat) {
          const old = previous.get(node.path);
          const entry = {
            path: node.path, id: node.id, kind: node.kind, strategy: node.strategy, state: node.state,
            generation: node.generation, restarts: node.restarts, intensity: node.intensity,
            row: sameShape && old ? old.row : makeRow(node, depth),
          };
          if (old && entry.restarts > old.restarts && entry.generation > old.generation) grown.push(entry);
          next.set(node.path, entry);
          rows.push(entry.row);
          paint(entry);
        }
        nodes = next;
        order = paths;
        if (!sameShape) $('tree').replaceChildren(...rows);
        for (const escalation of escalations) if (escalation.back === null) markSubtree(escalation.path, true);
        paintTotals();
        for (const entry of grown) restarted(entry);
      }

      async function resync() {
        const snapshot = await (await api('/v1/supervision/tree')).json();
        applySnapshot(snapshot);
      }

      // The snapshot alone carries intensity and new subtrees: fetch it once a burst of events is over.
      function scheduleResync() {
        clearTimeout(resyncTimer);
        resyncTimer = setTimeout(() => { resync().catch(() => { /* the stream loop reports trouble */ }); }, 300);
      }

      // Events

      function generationOf(detail) {
        const match = /generation (\d+)/.exec(detail || '');
        return match ? Number(match[1]) : null;
      }

      function showEvent(event) {
        const item = document.createElement('li');
        item.className = 'new';
        const time = document.createElement('span');
        time.className = 'time';
        const date = new Date(event.timestamp * 1000);
        time.textContent = date.toLocaleTimeString([], { hour12: false }) + '.' + String(date.getMilliseconds()).padStart(3, '0');
        const name = document.createElement('span');
        name.className = 'event ' + event.event;
        name.textContent = event.event;
        const path = document.createElement('span');
        path.className = 'path';
        path.textContent = event.path;
        path.title = event.path;
        item.append(time, name, path);
        if (event.detail) {
          const detail = document.createElement('span');
          detail.className = 'detail';
          detail.textContent = event.detail;
          item.append(detail);
        }
        const list = $('events');
        list.prepend(item);
        while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
        $('events-empty').hidden = true;
      }

      function applyEvent(event) {
        showEvent(event);
        scheduleResync();
        if (event.event === 'intensity_exceeded') escalationDown(event);
        if (event.event === 'child_restarted') {
          restartsThisSecond += 1;
          escalationBack(event);
        }
        const entry = nodes.get(event.path);
        if (!entry) return;
        const generation = generationOf(event.detail);
        switch (event.event) {
          case 'child_exited':
            entry.state = 'restarting';  // the snapshot says stopped if it will not come back
            break;
          case 'child_stopped':
            entry.state = 'stopped';
            break;
          case 'child_started':
            if (generation !== null && generation > entry.generation) entry.generation = generation;
            entry.state = 'running';
            break;
          case 'child_restarted':
            if (generation !== null && generation <= entry.generation) return;  // already in the snapshot
            entry.generation = generation !== null ? generation : entry.generation + 1;
            entry.restarts += 1;
            entry.state = 'running';
            paint(entry);
            paintTotals();
            restarted(entry);
            return;
          default:
            return;
        }
        paint(entry);
        paintTotals();
      }

      function parseMessage(block) {
        let name = 'message';
        const data = [];
        for (const line of block.split('\n')) {
          if (line === '' || line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') name = value;
          else if (field === 'data') data.push(value);
        }
        if (data.length === 0) return;
        try {
          const event = JSON.parse(data.join('\n'));
          if (!event.event) event.event = name;
          applyEvent(event);
        } catch (error) {
          console.warn('castellan observer: an event that is not JSON', error);
        }
      }

      async function followEvents() {
        for (;;) {
          // Aborted whenever this attempt ends, so a failed attempt never leaves its stream open.
          const attempt = new AbortController();
          try {
            const response = await api('/v1/supervision/events?replay=false', attempt.signal);
            await resync();
            setConnection('live', 'live');
            const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
            let buffer = '';
            for (;;) {
              const { value, done } = await reader.read();
              if (done) break;
              buffer += value.replace(/\r/g, '');
              let end;
              while ((end = buffer.indexOf('\n\n')) >= 0) {
                parseMessage(buffer.slice(0, end));
                buffer = buffer.slice(end + 2);
              }
            }
          } catch (error) {
            if (error instanceof Refused) return;
          } finally {
            attempt.abort();
          }
          setConnection('lost', 'disconnected — retrying');
          await delay(2000);  // the service may be restarting: try again shortly
        }
      }

      // Decisions per second, from the Prometheus counter's sum over methods and results.

      function sumCounter(text, name) {
        let total = 0;
        for (const line of text.split('\n')) {
          if (!line.startsWith(name)) continue;
          const next = line.charAt(name.length);
          if (next !== '{' && next !== ' ') continue;
          const rest = next === '{' ? line.slice(line.lastIndexOf('}') + 1) : line.slice(name.length);
          const value = Number(rest.trim().split(/\s+/)[0]);
          if (Number.isFinite(value)) total += value;
        }
        return total;
      }

      async function pollMetrics() {
        let previous = null;
        for (;;) {
          try {
            const text = await (await api('/metrics')).text();
            const now = performance.now();
            const total = sumCounter(text, 'castellan_auth_decisions_total');
            if (previous && total >= previous.total && now > previous.time) {
              const rate = (total - previous.total) / ((now - previous.time) / 1000);
              $('decisions-rate').textContent = formatRate(rate);
              decisionsRate = rate;
            }
            previous = { total, time: now };
          } catch (error) {
            if (error instanceof Refused) return;
            previous = null;
            decisionsRate = null;
          }
          await delay(1000);
        }
      }

      // Escalations: a supervisor gave up; its subtree is down until its parent restarts it.

      function inSubtree(path, root) { return path === root || path.startsWith(root + '/'); }

      function markSubtree(root, down) {
        let marked = 0;
        for (const entry of nodes.values()) {
          if (!inSubtree(entry.path, root)) continue;
          entry.row.classList.toggle('down', down);
          if (down) {
            entry.state = 'down';
            paint(entry);
            marked += 1;
          }
        }
        return marked;
      }

      function escalationDown(event) {
        const item = document.createElement('li');
        item.className = 'down';
        const status = document.createElement('span');
        status.className = 'status';
        status.textContent = 'down';
        const time = document.createElement('span');
        time.className = 'time';
        time.textContent = new Date(event.timestamp * 1000).toLocaleTimeString([], { hour12: false });
        const path = document.createElement('span');
        path.className = 'path';
        path.textContent = event.path;
        const detail = document.createElement('span');
        detail.className = 'detail';
        detail.textContent = 'gave up: ' + (event.detail || 'intensity exceeded');
        item.append(status, time, path, detail);
        $('escalations').prepend(item);
        escalations.push({ path: event.path, seen: Date.now(), down: event.timestamp, back: null, item });
        while (escalations.length > MAX_ESCALATIONS) escalations.shift().item.remove();
        const rows = markSubtree(event.path, true);
        paintTotals();
        drawCharts();
        window.dispatchEvent(new CustomEvent('castellan-escalation', { detail: { path: event.path, phase: 'down', rows } }));
      }

      // A restart of the path that gave up, or of a supervisor above it, brings the subtree back.
      function escalationBack(event) {
        for (const escalation of escalations) {
          if (escalation.back !== null || !inSubtree(escalation.path, event.path)) continue;
          escalation.back = event.timestamp;
          const ms = Math.max(0, (event.timestamp - escalation.down) * 1000);
          escalation.item.className = 'back';
          escalation.item.querySelector('.status').textContent = 'back after ' + (ms < 10 ? ms.toFixed(2) : Math.round(ms)) + ' ms';
          markSubtree(escalation.path, false);
          drawCharts();
          window.dispatchEvent(new CustomEvent('castellan-escalation', { detail: { path: escalation.path, phase: 'back', ms } }));
        }
      }

      // Rates over the last minutes

      function formatRate(rate) { return rate < 10 ? rate.toFixed(1) : String(Math.round(rate)); }

      function svg(name, attributes) {
        const element = document.createElementNS(SVG_NS, name);
        for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
        return element;
      }

      // x: seconds from the left edge of the five-minute window ending now; y: 0 at the bottom.
      function drawChart(chart, peakLabel, key, now) {
        const x = (time) => WINDOW_S - (now - time) / 1000;
        const known = samples.filter((sample) => sample[key] !== null);
        const peak = known.reduce((max, sample) => Math.max(max, sample[key]), 0);
        const scale = Math.max(peak, 1);
        const parts = [];
        for (const escalation of escalations) {
          // On the page's clock: the band starts when the page heard of it, at least a second wide.
          const start = x(escalation.seen);
          const end = escalation.back === null ? WINDOW_S : Math.max(start + 1, x(escalation.seen + (escalation.back - escalation.down) * 1000));
          if (end < 0) continue;
          parts.push(svg('rect', { class: escalation.back === null ? 'escalation ongoing' : 'escalation',
            x: Math.max(0, start).toFixed(2), y: 0, width: Math.max(1, end - Math.max(0, start)).toFixed(2), height: CHART_HEIGHT }));
        }
        const points = known.map((sample) => x(sample.time).toFixed(2) + ',' + (CHART_HEIGHT - (sample[key] / scale) * (CHART_HEIGHT - 2)).toFixed(2));
        parts.push(svg('polyline', { points: points.join(' ') }));
        chart.replaceChildren(...parts);
        chart.dataset.samples = String(known.length);
        chart.dataset.peak = String(peak);
        peakLabel.textContent = known.length ? 'peak ' + formatRate(peak) : '';
      }

      function drawCharts() {
        const now = Date.now();
        drawChart($('decisions-chart'), $('decisions-peak'), 'decisions', now);
        drawChart($('restarts-chart'), $('restarts-peak'), 'restarts', now);
      }

      function sample() {
        const now = Date.now();
        const latest = { time: now, decisions: decisionsRate, restarts: restartsThisSecond };
        restartsThisSecond = 0;
        samples.push(latest);
        while (samples.length > 0 && samples[0].time < now - WINDOW_S * 1000) samples.shift();
        drawCharts();
        window.dispatchEvent(new CustomEvent('castellan-rates', { detail: latest }));
      }

      if (!takeToken()) {
        setConnection('refused', 'no token');
        notice(['This page needs the admin token. '].concat(howToOpen));
        return;
      }
      followEvents();
      pollMetrics();
      setInterval(sample, 1000);
    })();

    """#
}
