/* global document, window, location, WebSocket, URL, URLSearchParams, requestAnimationFrame */
// The live trace UI: connects to the server's /ws, feeds the model, and repaints the timeline,
// the process tree and the syscall table at most once per animation frame.
import { TraceModel } from './model.js';
import { Timeline } from './timeline.js';
import { ProcessTree, SyscallTable } from './panels.js';

const $ = (id) => document.getElementById(id);
const model = new TraceModel();
const detail = $('detail');
const timeline = new Timeline($('timeline'), model, (sl) => {
  if (sl === null) {
    detail.style.display = 'none';
    return;
  }
  detail.style.display = 'block';
  const e = sl.ev;
  detail.textContent =
    sl.kind === 'sys'
      ? `${e.pid} ${e.name}(${e.args}) = ${e.errno === 0 ? e.ret : e.errno < 0 ? '?' : 'errno ' + e.errno}\n${(e.dur * 1000).toFixed(1)} µs at ${sl.ts.toFixed(3)} ms`
      : JSON.stringify(
          sl.kind === 'msg'
            ? {
                kind: e.name,
                frame: e.frame,
                from: e.from.label,
                to: e.to.label,
                bytes: e.bytes,
                id: e.id,
                cause: e.cause,
              }
            : e,
          null,
          1,
        );
});
const tree = new ProcessTree($('process-tree'), model);
const table = new SyscallTable(model, {
  proc: $('filter-proc'),
  sys: $('filter-sys'),
  errno: $('filter-errno'),
  shown: $('syscall-shown'),
  scroll: $('syscall-scroll'),
  spacer: $('syscall-spacer'),
  rows: $('syscall-rows'),
});

$('follow').addEventListener('change', (e) => {
  timeline.follow = e.target.checked;
  timeline.invalidate();
});
$('fit').addEventListener('click', () => {
  timeline.setFollow(false);
  timeline.fit();
});

let pending = false;
function refresh() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    $('event-count').textContent = String(model.events);
    $('syscall-count').textContent = String(model.syscalls.length);
    const dropped = model.dropped + model.clientDropped;
    $('dropped').textContent = `dropped: ${dropped}`;
    $('dropped').classList.toggle('lossy', dropped > 0);
    table.update();
    tree.render();
    timeline.invalidate();
  });
}

function connect() {
  const url = new URL('ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(url);
  ws.onopen = () => {
    $('conn').textContent = 'live';
    $('conn').classList.add('live');
  };
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.type === 'events') model.add(msg.events);
    else if (msg.type === 'stat') {
      model.dropped = Math.max(model.dropped, msg.dropped ?? 0);
      model.clientDropped = msg.clientDropped ?? model.clientDropped;
    } else if (msg.type === 'hello') model.dropped = Math.max(model.dropped, msg.dropped ?? 0);
    refresh();
  };
  ws.onclose = () => {
    $('conn').textContent = 'disconnected';
    $('conn').classList.remove('live');
  };
}

// For tests and the console: the model, the timeline's last frame time, and a way to load events.
window.traceUi = {
  model,
  timeline,
  table,
  load(events) {
    model.add(events);
    refresh();
  },
  stats: () => ({
    events: model.events,
    syscalls: model.syscalls.length,
    tracks: model.tracks.length,
    shown: table.rows.length,
    frameMs: timeline.lastFrameMs,
    drawn: timeline.drawn,
    dropped: model.dropped + model.clientDropped,
  }),
};

if (!new URLSearchParams(location.search).has('offline')) connect();
