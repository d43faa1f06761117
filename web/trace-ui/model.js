// The UI's model of a trace: tracks (one per actor and per guest process) holding time-sorted
// slices, the messages between actors, the syscalls, and the process tree built from lifecycle
// events. Everything is kept in flat arrays sorted by time so that views can binary-search them.

const HOST_SPAN = 2 ** 32;

export function actorLabel(id) {
  return `${Math.floor(id / HOST_SPAN)}.${id % HOST_SPAN}`;
}

/** Index of the first element with ts >= t in an array sorted by ts. */
export function lowerBound(arr, t) {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid].ts < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(arr, item) {
  if (arr.length === 0 || arr[arr.length - 1].ts <= item.ts) arr.push(item);
  else arr.splice(lowerBound(arr, item.ts + 1e-9), 0, item);
}

export class TraceModel {
  constructor() {
    this.origin = null;
    this.tracks = [];
    this.trackByKey = new Map();
    this.actorNames = new Map();
    this.messages = [];
    this.syscalls = [];
    this.processes = new Map();
    this.events = 0;
    this.dropped = 0;
    this.clientDropped = 0;
    this.maxDur = 0;
    this.end = 0;
    this.version = 0;
  }

  track(key, label, kind, order) {
    let t = this.trackByKey.get(key);
    if (t === undefined) {
      t = { key, label, kind, order, slices: [], index: 0 };
      this.trackByKey.set(key, t);
      this.tracks.push(t);
      // Actors first, then processes by pid.
      this.tracks.sort((a, b) => (a.kind === b.kind ? a.order - b.order : a.kind === 'actor' ? -1 : 1));
      this.tracks.forEach((x, i) => (x.index = i));
    }
    return t;
  }

  actorTrack(id) {
    const fallback =
      id % HOST_SPAN === 0 ? `host ${Math.floor(id / HOST_SPAN)} (runtime)` : `actor ${actorLabel(id)}`;
    return this.track(`a:${id}`, this.actorNames.get(id) ?? fallback, 'actor', id);
  }

  procTrack(pid, proc) {
    const key = pid > 0 ? `p:${pid}` : `u:${proc}`;
    const order = pid > 0 ? pid : 1e9 + this.tracks.length;
    return this.track(key, pid > 0 ? `pid ${pid} ${proc ?? ''}` : proc, 'proc', order);
  }

  rel(ts) {
    if (this.origin === null) this.origin = ts;
    return ts - this.origin;
  }

  add(events) {
    for (const e of events) this.addOne(e);
    this.version++;
  }

  addOne(e) {
    if (e.t === 'stat') {
      this.dropped = Math.max(this.dropped, e.dropped);
      return;
    }
    this.events++;
    const ts = this.rel(e.ts);
    if (ts > this.end) this.end = ts;
    switch (e.t) {
      case 'msg': {
        const from = this.actorTrack(e.from);
        const to = this.actorTrack(e.to);
        const m = {
          ts,
          dur: 0,
          name: e.kind,
          from,
          to,
          frame: e.frame,
          bytes: e.bytes,
          id: e.id,
          cause: e.cause,
        };
        insertSorted(this.messages, m);
        insertSorted(from.slices, { ts, dur: 0, name: e.kind, kind: 'msg', frame: e.frame, ev: m });
        return;
      }
      case 'sys': {
        const track = this.procTrack(e.pid, e.proc);
        const s = { ts, dur: e.dur, name: e.name, kind: 'sys', ev: e, track };
        if (e.dur > this.maxDur) this.maxDur = e.dur;
        if (ts + e.dur > this.end) this.end = ts + e.dur;
        insertSorted(track.slices, s);
        this.syscalls.push(s);
        return;
      }
      case 'life':
        return this.lifecycle(e, ts);
    }
  }

  lifecycle(e, ts) {
    if (e.what === 'actor') {
      this.actorNames.set(e.actor, e.name);
      const t = this.trackByKey.get(`a:${e.actor}`);
      if (t !== undefined) t.label = e.name;
      return;
    }
    if (e.pid !== undefined && e.pid > 0) {
      const track = this.procTrack(e.pid, e.cmd);
      if (e.what === 'process-start') track.label = `pid ${e.pid} ${e.cmd ?? ''}`;
      insertSorted(track.slices, { ts, dur: 0, name: e.what, kind: 'life', ev: e });
      const p = this.processes.get(e.pid) ?? {
        pid: e.pid,
        ppid: 0,
        pgid: e.pid,
        sid: e.pid,
        cmd: '',
        cid: '',
        state: 'running',
        signals: [],
      };
      this.processes.set(e.pid, p);
      if (e.what === 'process-start') {
        Object.assign(p, {
          ppid: e.ppid ?? 0,
          pgid: e.pgid ?? e.pid,
          sid: e.sid ?? e.pid,
          cmd: e.cmd ?? '',
          cid: e.cid ?? '',
          state: 'running',
        });
      } else if (e.what === 'process-exit') {
        p.state = e.signal ? `killed (${e.signal})` : `exited (${e.code ?? 0})`;
      } else if (e.what === 'signal') {
        p.signals.push(e.signal);
      }
    }
  }
}
