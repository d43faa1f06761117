/* global document, window, performance, requestAnimationFrame, ResizeObserver */
// The canvas timeline: one row per track, slices drawn only where visible (binary search into each
// track's time-sorted slices) and merged per pixel column, so that the cost of a frame depends on
// the canvas width and the rows in view, not on the number of events. Message arrows are drawn
// when few enough are in view to be readable.
import { lowerBound } from './model.js';

const ROW = 22;
const LABEL = 170;
const AXIS = 20;
const MAX_ARROWS = 2000;
const COLORS = {
  sys: '#3b7dd8',
  err: '#d93025',
  life: '#8e24aa',
  1: '#2e7d32',
  2: '#ef6c00',
  3: '#00897b',
  4: '#d93025',
  5: '#757575',
};

export class Timeline {
  constructor(canvas, model, onPick) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.model = model;
    this.onPick = onPick;
    this.t0 = 0;
    this.span = 1000;
    this.scrollY = 0;
    this.follow = true;
    this.dirty = true;
    this.lastFrameMs = 0;
    this.drawn = 0;
    this.bind();
    const loop = () => {
      if (this.dirty) this.draw();
      requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
  }

  invalidate() {
    this.dirty = true;
  }

  fit() {
    this.t0 = 0;
    this.span = Math.max(1, this.model.end * 1.02);
    this.invalidate();
  }

  bind() {
    const c = this.canvas;
    c.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        if (e.shiftKey) {
          this.scrollY = Math.max(0, this.scrollY + e.deltaY);
        } else {
          const x = e.offsetX - LABEL;
          const at = this.t0 + (x / this.width()) * this.span;
          const k = Math.exp(e.deltaY * 0.002);
          this.span = Math.min(Math.max(this.span * k, 0.001), 1e9);
          this.t0 = at - (x / this.width()) * this.span;
          this.setFollow(false);
        }
        this.invalidate();
      },
      { passive: false },
    );
    let drag = null;
    c.addEventListener(
      'mousedown',
      (e) => (drag = { x: e.clientX, y: e.clientY, t0: this.t0, sy: this.scrollY, moved: false }),
    );
    window.addEventListener('mouseup', (e) => {
      if (drag !== null && !drag.moved) this.pick(e.offsetX, e.offsetY);
      drag = null;
    });
    window.addEventListener('mousemove', (e) => {
      if (drag === null) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      this.t0 = drag.t0 - (dx / this.width()) * this.span;
      this.scrollY = Math.max(0, drag.sy - dy);
      this.setFollow(false);
      this.invalidate();
    });
    new ResizeObserver(() => this.invalidate()).observe(c);
  }

  setFollow(on) {
    this.follow = on;
    const box = document.getElementById('follow');
    if (box) box.checked = on;
  }

  width() {
    return Math.max(10, this.canvas.clientWidth - LABEL);
  }

  xOf(t) {
    return LABEL + ((t - this.t0) / this.span) * this.width();
  }

  rowY(track) {
    return AXIS + track.index * ROW - this.scrollY;
  }

  pick(x, y) {
    const track = this.model.tracks.find((t) => y >= this.rowY(t) && y < this.rowY(t) + ROW);
    if (track === undefined || x < LABEL) return this.onPick(null);
    const t = this.t0 + ((x - LABEL) / this.width()) * this.span;
    const tol = (4 / this.width()) * this.span;
    const s = track.slices;
    let best = null;
    for (
      let i = Math.max(0, lowerBound(s, t - tol - this.model.maxDur) - 1);
      i < s.length && s[i].ts <= t + tol;
      i++
    ) {
      const sl = s[i];
      if (sl.ts - tol <= t && t <= sl.ts + sl.dur + tol) best = sl;
    }
    this.onPick(best);
  }

  draw() {
    const t1 = performance.now();
    this.dirty = false;
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth;
    const h = c.clientHeight;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    const g = this.ctx;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const m = this.model;
    if (this.follow && m.end > 0) {
      this.span = Math.max(this.span, 1);
      this.t0 = Math.max(0, m.end - this.span * 0.95);
    }
    const tStart = this.t0;
    const tEnd = this.t0 + this.span;
    const pxPerMs = this.width() / this.span;
    let drawn = 0;
    // Rows in view only.
    const first = Math.max(0, Math.floor(this.scrollY / ROW));
    const last = Math.min(m.tracks.length, first + Math.ceil((h - AXIS) / ROW) + 1);
    g.font = '11px system-ui, sans-serif';
    for (let r = first; r < last; r++) {
      const track = m.tracks[r];
      const y = this.rowY(track);
      g.fillStyle = r % 2 ? '#fafbfc' : '#ffffff';
      g.fillRect(0, y, w, ROW);
      const s = track.slices;
      let i = Math.max(0, lowerBound(s, tStart - m.maxDur));
      let lastPx = -1;
      for (; i < s.length; i++) {
        const sl = s[i];
        if (sl.ts > tEnd) break;
        const x = LABEL + (sl.ts - tStart) * pxPerMs;
        const wpx = Math.max(1, sl.dur * pxPerMs);
        if (x + wpx < LABEL) continue;
        // Slices narrower than a pixel that start in the column already painted add nothing.
        if (wpx <= 1 && Math.floor(x) === lastPx) continue;
        lastPx = Math.floor(x);
        g.fillStyle =
          sl.kind === 'sys'
            ? sl.ev.errno > 0
              ? COLORS.err
              : COLORS.sys
            : sl.kind === 'life'
              ? COLORS.life
              : (COLORS[sl.frame] ?? '#555');
        if (sl.kind === 'life') g.fillRect(x - 1, y + 1, 3, ROW - 2);
        else g.fillRect(x, y + 4, wpx, ROW - 8);
        if (wpx > 40) {
          g.fillStyle = '#fff';
          g.fillText(sl.name, x + 3, y + 15, wpx - 6);
        }
        drawn++;
      }
    }
    // Arrows for the messages in view, when they are few enough to read.
    const msgs = m.messages;
    const lo = lowerBound(msgs, tStart);
    const hi = lowerBound(msgs, tEnd);
    if (hi - lo <= MAX_ARROWS) {
      g.strokeStyle = 'rgba(239, 108, 0, 0.55)';
      g.fillStyle = 'rgba(239, 108, 0, 0.8)';
      g.lineWidth = 1;
      for (let i = lo; i < hi; i++) {
        const msg = msgs[i];
        if (msg.from === msg.to) continue;
        const x = this.xOf(msg.ts);
        const y0 = this.rowY(msg.from) + ROW / 2;
        const y1 = this.rowY(msg.to) + ROW / 2;
        if ((y0 < AXIS && y1 < AXIS) || (y0 > h && y1 > h)) continue;
        g.beginPath();
        g.moveTo(x, y0);
        g.lineTo(x + 6, y1);
        g.stroke();
        const dir = y1 > y0 ? -1 : 1;
        g.beginPath();
        g.moveTo(x + 6, y1);
        g.lineTo(x + 2, y1 + dir * 6);
        g.lineTo(x + 8, y1 + dir * 5);
        g.fill();
        drawn++;
      }
    }
    // Labels and the time axis over everything.
    g.fillStyle = '#eef0f4';
    g.fillRect(0, 0, LABEL, h);
    g.fillStyle = '#1d2330';
    for (let r = first; r < last; r++) {
      const track = m.tracks[r];
      g.fillStyle = track.kind === 'actor' ? '#7a4b00' : '#1d4f91';
      g.fillText(track.label, 6, this.rowY(track) + 15, LABEL - 10);
    }
    g.fillStyle = '#1d2330';
    g.fillRect(0, 0, w, AXIS);
    g.fillStyle = '#e8ebf0';
    const step = niceStep(this.span / 8);
    for (let t = Math.ceil(tStart / step) * step; t <= tEnd; t += step) {
      const x = this.xOf(t);
      g.fillRect(x, AXIS - 5, 1, 5);
      g.fillText(`${+t.toFixed(3)} ms`, x + 3, 13);
    }
    this.drawn = drawn;
    this.lastFrameMs = performance.now() - t1;
  }
}

function niceStep(x) {
  const p = 10 ** Math.floor(Math.log10(x));
  const f = x / p;
  return (f < 2 ? 2 : f < 5 ? 5 : 10) * p;
}
