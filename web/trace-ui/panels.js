/* global document, Option */
// The side panels: the process tree (pids, groups, sessions, states) and the syscall table, a
// virtual list that renders only the rows in view, with filters by process, syscall and errno.

const ROW_H = 18;

export class ProcessTree {
  constructor(el, model) {
    this.el = el;
    this.model = model;
    this.shown = -1;
  }

  render() {
    const procs = [...this.model.processes.values()];
    const key = procs.map((p) => `${p.pid}${p.state}${p.signals.length}`).join();
    if (key === this.shown) return;
    this.shown = key;
    const kids = new Map();
    for (const p of procs) {
      const parent = this.model.processes.has(p.ppid) ? p.ppid : 0;
      if (!kids.has(parent)) kids.set(parent, []);
      kids.get(parent).push(p);
    }
    const list = (parent) => {
      const ul = document.createElement('ul');
      for (const p of (kids.get(parent) ?? []).sort((a, b) => a.pid - b.pid)) {
        const li = document.createElement('li');
        li.dataset.pid = String(p.pid);
        const cls =
          p.state === 'running'
            ? 'state-running'
            : p.state.startsWith('killed')
              ? 'state-killed'
              : 'state-exited';
        li.innerHTML = `<span class="${cls}">●</span> `;
        li.append(
          `${p.pid} ${p.cmd || '?'} · pgid ${p.pgid} sid ${p.sid} · ${p.state}` +
            (p.signals.length ? ` · signals ${p.signals.join(',')}` : ''),
        );
        if (kids.has(p.pid)) li.append(list(p.pid));
        ul.append(li);
      }
      return ul;
    };
    this.el.replaceChildren(list(0));
  }
}

export class SyscallTable {
  constructor(model, els) {
    this.model = model;
    this.els = els;
    this.rows = [];
    this.scanned = 0;
    this.known = { procs: new Set(), names: new Set(), errnos: new Set() };
    for (const sel of [els.proc, els.sys, els.errno]) sel.addEventListener('change', () => this.refilter());
    els.scroll.addEventListener('scroll', () => this.paint());
  }

  filter() {
    return { proc: this.els.proc.value, sys: this.els.sys.value, errno: this.els.errno.value };
  }

  matches(s, f) {
    const e = s.ev;
    if (f.proc !== '' && procKey(e) !== f.proc) return false;
    if (f.sys !== '' && e.name !== f.sys) return false;
    if (f.errno === 'ok' && e.errno !== 0) return false;
    if (f.errno === 'err' && e.errno === 0) return false;
    if (f.errno !== '' && f.errno !== 'ok' && f.errno !== 'err' && String(e.errno) !== f.errno) return false;
    return true;
  }

  refilter() {
    this.rows = [];
    this.scanned = 0;
    this.update();
  }

  /** Takes in syscalls that arrived since the last call (incremental: cost per new event). */
  update() {
    const all = this.model.syscalls;
    const f = this.filter();
    for (let i = this.scanned; i < all.length; i++) {
      const s = all[i];
      this.learn(s.ev);
      if (this.matches(s, f)) this.rows.push(s);
    }
    this.scanned = all.length;
    this.els.shown.textContent = String(this.rows.length);
    this.els.spacer.style.height = `${this.rows.length * ROW_H}px`;
    this.paint();
  }

  learn(e) {
    const k = this.known;
    const pk = procKey(e);
    if (!k.procs.has(pk)) {
      k.procs.add(pk);
      this.els.proc.append(new Option(e.pid > 0 ? `${e.pid} ${e.proc}` : e.proc, pk));
    }
    if (!k.names.has(e.name)) {
      k.names.add(e.name);
      this.els.sys.append(new Option(e.name, e.name));
    }
    if (e.errno > 0 && !k.errnos.has(e.errno)) {
      k.errnos.add(e.errno);
      this.els.errno.append(new Option(errnoText(e.errno), String(e.errno)));
    }
  }

  paint() {
    const sc = this.els.scroll;
    const first = Math.floor(sc.scrollTop / ROW_H);
    const n = Math.ceil(sc.clientHeight / ROW_H) + 2;
    const frag = document.createDocumentFragment();
    for (let i = first; i < Math.min(this.rows.length, first + n); i++) {
      const s = this.rows[i];
      const e = s.ev;
      const div = document.createElement('div');
      div.className = e.errno > 0 ? 'row err' : 'row';
      div.style.transform = `translateY(${i * ROW_H}px)`;
      div.style.position = 'absolute';
      div.style.left = '0';
      div.style.right = '0';
      const cells = [
        s.ts.toFixed(3),
        e.pid > 0 ? String(e.pid) : e.proc,
        `${e.name}(${e.args})`,
        e.errno < 0 ? '?' : e.errno > 0 ? `-1 ${errnoText(e.errno)}` : String(e.ret),
        (e.dur * 1000).toFixed(1),
      ];
      for (const c of cells) {
        const span = document.createElement('span');
        span.textContent = c;
        span.title = c;
        div.append(span);
      }
      frag.append(div);
    }
    this.els.rows.replaceChildren(frag);
  }
}

function procKey(e) {
  return e.pid > 0 ? `p${e.pid}` : `u${e.proc}`;
}

const ERRNOS = {
  6: 'EAGAIN',
  8: 'EBADF',
  27: 'EINTR',
  28: 'EINVAL',
  44: 'ENOENT',
  52: 'ENOSYS',
  63: 'EPERM',
  64: 'EPIPE',
  69: 'ESPIPE',
};
export function errnoText(n) {
  return ERRNOS[n] ?? `E${n}`;
}
