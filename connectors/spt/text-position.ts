/** A 1-based line and column in a text, as editors show them. */
export interface TextPosition {
  line: number;
  column: number;
}

/** The line and column of the character at `index` (0-based) in `text`. */
export function positionOf(text: string, index: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: index - lineStart + 1 };
}
