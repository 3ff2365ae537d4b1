/**
 * Where a JSON text first breaks, and what was expected there: JSON.parse's own messages name a position only
 * for some mistakes, and a person fixing a params.json wants the line and column.
 */
export interface JsonProblem {
  line: number;
  column: number;
  message: string;
}

class Stop extends Error {
  constructor(
    readonly at: number,
    readonly expected: string,
  ) {
    super(expected);
  }
}

const MAX_DEPTH = 256;

export function locateJsonError(text: string): JsonProblem | null {
  let i = 0;
  const fail = (expected: string): never => {
    throw new Stop(i, expected);
  };
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const literal = (word: string): void => {
    if (text.startsWith(word, i)) i += word.length;
    else fail('a value');
  };
  const string = (): void => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\n') fail('a closing quote before the end of the line');
      i += text[i] === '\\' ? 2 : 1;
    }
    if (i >= text.length) fail('a closing quote');
    i++;
  };
  const number = (): void => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!match) fail('a value');
    i += match![0].length;
  };
  // a params file has no business nesting deeper than this, and recursion must not overflow the stack
  let depth = 0;
  const nested = (parse: () => void): void => {
    if (++depth > MAX_DEPTH) fail(`nesting no deeper than ${MAX_DEPTH} levels`);
    parse();
    depth--;
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') nested(object);
    else if (c === '[') nested(array);
    else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === '-' || (c >= '0' && c <= '9')) number();
    else fail('a value');
  };
  const object = (): void => {
    i++;
    space();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      space();
      if (text[i] !== '"') fail('a property name in double quotes');
      string();
      space();
      if (text[i] !== ':') fail("':'");
      i++;
      value();
      space();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      fail("',' or '}'");
    }
  };
  const array = (): void => {
    i++;
    space();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (;;) {
      value();
      space();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      fail("',' or ']'");
    }
  };
  try {
    value();
    space();
    if (i < text.length) fail('the end of the text');
    return null;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    const before = text.slice(0, error.at);
    const c = text[error.at];
    const found = error.at >= text.length ? 'the end of the text' : c === '\n' ? 'a line break' : `'${c}'`;
    return {
      line: before.split('\n').length,
      column: error.at - before.lastIndexOf('\n'),
      message: `expected ${error.expected}, found ${found}`,
    };
  }
}
