// The live trace UI in headless Chromium (Debian's chromium, driven by playwright-core): events
// appear while a sandbox runs, the process tree and the syscall filters work, the dropped count is
// shown, and 100,000 events keep the timeline responsive. Saves build/trace-ui.png.
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveTraceUi } from '../actors/trace/live_server.js';
import { MemorySink } from '../actors/trace/sinks/memory.js';
import { TraceSession } from '../actors/trace/trace_session.js';
import type { SysEvent } from '../actors/trace/events.js';
import { ActorSystem } from '../actors/runtime/index.js';
import { ThreadStrategy } from '../platform/thread/thread_strategy.js';
import { REPO } from './helpers/bundles.js';
import { buildGuests } from './helpers/guest_modules.js';
import { FIXTURES, runScripted, SCRIPT } from './trace-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';

/** The part of playwright-core's API used here (typed locally: the package is a test-only tool). */
interface Page {
  goto(url: string): Promise<unknown>;
  waitForFunction(fn: string, arg?: unknown, opts?: { timeout?: number }): Promise<unknown>;
  evaluate<T>(fn: string | ((arg: never) => T), arg?: unknown): Promise<T>;
  selectOption(selector: string, value: string): Promise<unknown>;
  textContent(selector: string): Promise<string | null>;
  screenshot(opts: { path: string; fullPage?: boolean }): Promise<unknown>;
  setViewportSize(s: { width: number; height: number }): Promise<void>;
  mouse: { move(x: number, y: number): Promise<void>; wheel(dx: number, dy: number): Promise<void> };
}
interface BrowserContext {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}
interface Playwright {
  chromium: {
    launchPersistentContext(
      userDataDir: string,
      opts: { executablePath: string; args: string[]; headless?: boolean },
    ): Promise<BrowserContext>;
  };
}

test('the live UI in headless Chromium', async (t) => {
  // scripts/test.sh installs it (scripts/browser.sh): a missing browser is a failure, never a skip.
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is not installed: run scripts/browser.sh`);
  const name = 'playwright-core';
  let pw: Playwright;
  try {
    pw = (await import(name)) as Playwright;
  } catch {
    throw new Error('playwright-core is missing: it is a devDependency of Corral (npm install)');
  }
  buildGuests();
  const strategy = new ThreadStrategy({ warm: 2 });
  const live = await serveTraceUi({ status: () => ({ sandboxes: ['test'] }) });
  const mem = new MemorySink();
  const sys = await ActorSystem.start({ workers: 1 });
  const session = new TraceSession({ system: sys, sinks: [live.hub, mem], drainMs: 10 });
  const profile = mkdtempSync(join(tmpdir(), 'corral-chromium-'));
  let browser: BrowserContext | undefined;
  try {
    // A fresh profile directory: playwright passes it as --user-data-dir.
    browser = await pw.chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    await strategy.pool.warmUp();
    const pong = await sys.spawn({ module: FIXTURES, export: 'ponger', name: 'ponger' });
    const rel = await sys.spawn({ module: FIXTURES, export: 'relay', name: 'relay' });
    await session.start();
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(live.url);
    await page.waitForFunction(`document.getElementById('conn').textContent === 'live'`);

    // Events appear while the sandbox runs: the sleeper is held until the page has shown the others.
    let letKill!: () => void;
    const killWhen = new Promise<void>((r) => (letKill = r));
    let done = false;
    const run = runScripted(
      strategy,
      SCRIPT.map((p) => (p.pid === 6 ? { ...p, killWhen } : p)),
    ).then(() => (done = true));
    await page.waitForFunction(`window.traceUi.stats().syscalls > 0`, undefined, { timeout: 15_000 });
    await page.waitForFunction(`document.querySelector('#process-tree li[data-pid="6"]') !== null`);
    assert.equal(done, false, 'the run is still in progress while the page shows its events');
    assert.match((await page.textContent('#process-tree li[data-pid="6"]')) ?? '', /running/);
    assert.ok(Number(await page.textContent('#event-count')) > 0);
    // Actors talk across threads meanwhile: their tracks and arrows appear too.
    assert.equal(await sys.request(rel, 'relay', { to: pong, n: 5 }), 5);
    await page.waitForFunction(`window.traceUi.model.messages.filter(m => m.name === 'ping').length === 10`);
    assert.ok(await page.evaluate(`window.traceUi.model.tracks.some(t => t.label === 'ponger')`));
    letKill();
    await run;
    await page.waitForFunction(
      `[...document.querySelectorAll('#process-tree li')].filter(li => /exited|killed/.test(li.textContent)).length === ${SCRIPT.length}`,
      undefined,
      { timeout: 15_000 },
    );
    const sleeper = (await page.textContent('#process-tree li[data-pid="6"]')) ?? '';
    assert.match(sleeper, /sleep 600000 · pgid 1 sid 1 · killed \(15\) · signals 15/);
    // Child processes nest under the init (pid 1).
    assert.equal(
      await page.evaluate(`document.querySelectorAll('#process-tree li[data-pid="1"] li').length`),
      6,
    );
    session.drain();
    const calls = mem.peek().filter((e): e is SysEvent => e.t === 'sys');
    await page.waitForFunction(`window.traceUi.stats().syscalls === ${calls.length}`);

    // The filters: by process, by syscall, by errno.
    const shown = async (): Promise<number> => Number(await page.textContent('#syscall-shown'));
    const rowsText = (): Promise<string[]> =>
      page.evaluate(`[...document.querySelectorAll('#syscall-rows .row')].map(r => r.textContent)`);
    assert.equal(await shown(), calls.length);
    await page.selectOption('#filter-proc', 'p4');
    assert.equal(await shown(), calls.filter((e) => e.pid === 4).length);
    for (const r of await rowsText()) assert.match(r, /^[\d.]+4fd_/);
    await page.selectOption('#filter-sys', 'fd_read');
    assert.equal(await shown(), calls.filter((e) => e.pid === 4 && e.name === 'fd_read').length);
    await page.selectOption('#filter-proc', '');
    await page.selectOption('#filter-errno', 'err');
    const errs = calls.filter((e) => e.name === 'fd_read' && e.errno > 0);
    assert.ok(errs.length > 0);
    assert.equal(await shown(), errs.length);
    for (const r of await rowsText()) assert.match(r, /EBADF/);
    await page.selectOption('#filter-errno', '8');
    assert.equal(await shown(), errs.length);
    await page.selectOption('#filter-errno', 'ok');
    assert.equal(await shown(), calls.filter((e) => e.name === 'fd_read' && e.errno === 0).length);
    await page.selectOption('#filter-errno', '');
    await page.selectOption('#filter-sys', '');
    assert.equal(await page.textContent('#dropped'), 'dropped: 0');

    // The screenshot of the real run, fitted.
    await page.evaluate(`document.getElementById('fit').click()`);
    mkdirSync(join(REPO, 'build'), { recursive: true });
    await page.screenshot({ path: join(REPO, 'build', 'trace-ui.png') });

    // 100,000 events in view: a frame stays fast (drawing is bounded by pixels, not events).
    const perf = await page.evaluate(`(() => {
      const evs = [];
      const t0 = Date.now();
      for (let i = 0; i < 100000; i++) {
        const ts = t0 + i * 0.01;
        if (i % 2) evs.push({ t: 'msg', ts, host: 0, from: 2 ** 32 + (i % 7) + 1, to: 2 ** 32 + ((i + 1) % 7) + 1, kind: 'k' + (i % 5), frame: 1 + (i % 3), bytes: 64, id: i, cause: i - 1 });
        else evs.push({ t: 'sys', ts, dur: 0.004, host: 0, pid: 100 + (i % 20), proc: 'bench', name: i % 4 ? 'fd_write' : 'fd_read', args: '1, "x", 1', errno: i % 10 === 0 ? 8 : 0, ret: 1 });
      }
      const a = performance.now();
      window.traceUi.load(evs);
      const loadMs = performance.now() - a;
      const tl = window.traceUi.timeline;
      tl.setFollow(false);
      tl.fit();
      const frames = [];
      for (let k = 0; k < 5; k++) { const b = performance.now(); tl.draw(); frames.push(performance.now() - b); tl.span *= 0.5; }
      const c = performance.now();
      window.traceUi.table.refilter();
      const filterMs = performance.now() - c;
      return { loadMs, frames, filterMs, stats: window.traceUi.stats() };
    })()`);
    const p = perf as { loadMs: number; frames: number[]; filterMs: number; stats: { events: number } };
    t.diagnostic(
      `100k events: load ${p.loadMs.toFixed(0)} ms, frames ${p.frames.map((f) => f.toFixed(1)).join('/')} ms, filter ${p.filterMs.toFixed(0)} ms`,
    );
    assert.ok(p.stats.events >= 100_000);
    // Frame and filter times are reported, not asserted: speed is the benchmarks' business.
    // Interaction still works: a wheel zoom repaints.
    await page.mouse.move(700, 200);
    await page.mouse.wheel(0, -300);
    await page.waitForFunction(`window.traceUi.timeline.dirty === false`);

    // Dropped events are shown.
    await page.evaluate(`window.traceUi.load([{ t: 'stat', ts: Date.now(), dropped: 42, events: 1 }])`);
    await page.waitForFunction(`document.getElementById('dropped').textContent === 'dropped: 42'`);
  } finally {
    await browser?.close();
    await session.stop();
    await sys.shutdown();
    await live.close();
    await strategy.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
