// JSON parsing with line:column in syntax errors. V8's JSON.parse reports a byte offset for some
// errors and none for others ("Unexpected token ... is not valid JSON"), so on failure a small
// scanner re-reads the text to find where and why it broke. The scanner only runs on the error path.

import { BundleError } from './errors.js';

/** Parses `text`; a syntax error becomes `<file>: line L, column C: <problem>`. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const { pos, problem } = locateSyntaxError(text);
    const { line, column } = lineColumn(text, pos);
    throw new BundleError('EINVAL', `${file}: line ${line}, column ${column}: ${problem}`);
  }
}

/** 1-based line and column of offset `pos`. */
export function lineColumn(text: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: pos - lineStart + 1 };
}

class Stop {
  constructor(
    readonly pos: number,
    readonly problem: string,
  ) {}
}

/** Finds the first syntax error in `text` (which JSON.parse rejected). */
export function locateSyntaxError(text: string): { pos: number; problem: string } {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (problem: string): never => {
    throw new Stop(i, i >= text.length ? 'unexpected end of input' : problem);
  };
  const describe = (): string => `unexpected character ${JSON.stringify(text[i])}`;
  const literal = (word: string): void => {
    for (const ch of word) {
      if (text[i] !== ch) fail(describe());
      i++;
    }
  };
  const str = (): void => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail('control character in string');
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === 'u') {
          for (let k = 1; k <= 4; k++) {
            if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) {
              i += k;
              fail('bad \\u escape in string');
            }
          }
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i++;
        } else {
          fail('bad escape in string');
        }
      } else {
        i++;
      }
    }
  };
  const num = (): void => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i));
    if (!m || m[0] === '-') fail('bad number');
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a double-quoted property name, found ${JSON.stringify(text[i])}`);
        str();
        ws();
        if (text[i] !== ':') fail(`expected ':' after property name, found ${JSON.stringify(text[i])}`);
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail(`expected ',' or '}', found ${JSON.stringify(text[i])}`);
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail(`expected ',' or ']', found ${JSON.stringify(text[i])}`);
      }
    } else if (c === '"') {
      str();
    } else if (c === 't') {
      literal('true');
    } else if (c === 'f') {
      literal('false');
    } else if (c === 'n') {
      literal('null');
    } else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      num();
    } else {
      fail(describe());
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail(`unexpected ${JSON.stringify(text[i])} after the JSON value`);
  } catch (e) {
    if (e instanceof Stop) return { pos: e.pos, problem: e.problem };
    throw e;
  }
  // JSON.parse disagreed with the scanner (should not happen); still give a usable message.
  return { pos: 0, problem: 'invalid JSON' };
}
