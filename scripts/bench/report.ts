// The one output format of every benchmark: a JSON object a line.

export interface BenchLine {
  name: string;
  value: number;
  unit: string;
  n: number;
  [extra: string]: string | number;
}

export function report(line: BenchLine): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** Rounds to a few significant digits so that the JSON lines stay readable. */
export function round(x: number, digits = 4): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  return Number(x.toPrecision(digits));
}
