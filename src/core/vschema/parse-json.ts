import { Err } from '../errors/index.js';

/**
 * JSON.parse with an operator-friendly error: INVALID_ARGUMENT
 * `<what>: invalid JSON at line L, column C: <problem>`. V8 does not always report a position (Node 20 says
 * only "Unexpected token"), so on failure a small scanner re-reads the text to find where it breaks.
 */
export function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const found = locateJsonError(text);
    if (found === undefined) throw Err.invalidArgument(`${what}: invalid JSON: ${(e as Error).message}`);
    const before = text.slice(0, found.pos);
    const line = before.split('\n').length;
    const column = found.pos - before.lastIndexOf('\n');
    throw Err.invalidArgument(`${what}: invalid JSON at line ${line}, column ${column}: ${found.problem}`);
  }
}

class Stop {
  constructor(
    readonly pos: number,
    readonly problem: string,
  ) {}
}

/** Finds the first syntax error of `text` (undefined if the scanner finds none). Grammar per RFC 8259. */
export function locateJsonError(text: string): { pos: number; problem: string } | undefined {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (problem: string): never => {
    throw new Stop(i, i >= text.length ? `${problem}, got end of input` : `${problem}, got ${JSON.stringify(text[i])}`);
  };
  const literal = (word: string): void => {
    if (text.startsWith(word, i)) i += word.length;
    else fail('expected a value');
  };
  const string = (): void => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail('control character in string');
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('bad \\u escape');
          i += 5;
          continue;
        }
        if (i >= text.length || !'"\\/bfnrt'.includes(text[i]!)) fail('bad escape');
      }
      i++;
    }
    if (i >= text.length) fail('unterminated string');
    i++;
  };
  const number = (): void => {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail('expected a value');
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a property name in double quotes');
        string();
        ws();
        if (text[i] !== ':') fail("expected ':' after property name");
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail("expected ',' or '}'");
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail("expected ',' or ']'");
      }
    } else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else number();
  };
  try {
    value();
    ws();
    if (i < text.length) fail('unexpected data after the JSON value');
    return undefined;
  } catch (e) {
    if (e instanceof Stop) return { pos: e.pos, problem: e.problem };
    throw e;
  }
}
