// Signal names and numbers, Linux's generic/x86-64 numbering (signal(7)), for `corral kill` and for
// printing 128+N exit statuses. RTMIN is 34, not glibc's reserved 32/33, because that is what user space
// sees as SIGRTMIN and what `kill -l` prints.

export const SIGRTMIN = 34;
export const SIGRTMAX = 64;
/** Highest signal number (_NSIG - 1). */
export const MAX_SIGNAL = 64;

/** Standard signals 1…31, by number; immutable. */
const NAMES: readonly string[] = [
  '',
  'HUP',
  'INT',
  'QUIT',
  'ILL',
  'TRAP',
  'ABRT',
  'BUS',
  'FPE',
  'KILL',
  'USR1',
  'SEGV',
  'USR2',
  'PIPE',
  'ALRM',
  'TERM',
  'STKFLT',
  'CHLD',
  'CONT',
  'STOP',
  'TSTP',
  'TTIN',
  'TTOU',
  'URG',
  'XCPU',
  'XFSZ',
  'VTALRM',
  'PROF',
  'WINCH',
  'IO',
  'PWR',
  'SYS',
];

/** Other names Linux accepts for the same numbers. */
const ALIASES: Readonly<Record<string, number>> = { IOT: 6, CLD: 17, POLL: 29 };

const BY_NAME = new Map<string, number>([
  ...NAMES.map((n, i) => [n, i] as const).slice(1),
  ...Object.entries(ALIASES),
]);

/**
 * Parses a signal as `kill` accepts it: a number 1…64, or a name with or without the SIG prefix in
 * any case (TERM, sigterm, SIGRTMIN+3, RTMAX-1). Returns undefined when it is none of these.
 */
export function parseSignal(text: string): number | undefined {
  if (/^[0-9]+$/.test(text)) {
    const n = Number(text);
    return n >= 1 && n <= MAX_SIGNAL ? n : undefined;
  }
  let name = text.toUpperCase();
  if (name.startsWith('SIG')) name = name.slice(3);
  const rt = /^RT(MIN|MAX)(?:([+-])([0-9]+))?$/.exec(name);
  if (rt) {
    const off = rt[3] === undefined ? 0 : Number(rt[3]);
    // As glibc's sigabbrev: RTMIN counts up, RTMAX counts down; the other direction is not a name.
    if (rt[2] === (rt[1] === 'MIN' ? '-' : '+')) return undefined;
    const n = rt[1] === 'MIN' ? SIGRTMIN + off : SIGRTMAX - off;
    return n >= SIGRTMIN && n <= SIGRTMAX ? n : undefined;
  }
  return BY_NAME.get(name);
}

/** `SIGTERM`, `SIGRTMIN+3`; for unnamed numbers (32, 33) `SIG32`. */
export function signalName(n: number): string {
  if (n >= 1 && n < NAMES.length) return `SIG${NAMES[n]}`;
  if (n === SIGRTMIN) return 'SIGRTMIN';
  if (n > SIGRTMIN && n <= SIGRTMAX) return `SIGRTMIN+${n - SIGRTMIN}`;
  return `SIG${n}`;
}
