/**
 * The outputs file a `run:` step writes to (`$BATON_OUTPUT`), in GitHub Actions'
 * `$GITHUB_OUTPUT` formats, so scripts written for Actions work unchanged:
 *
 *     name=value
 *     body<<EOF
 *     line one
 *     line two
 *     EOF
 *
 * Any delimiter works for the heredoc form. CRLF line ends are accepted. A later line for the
 * same name replaces the earlier value (as in Actions). Values are strings; templates turn
 * JSON into data with `fromJSON()`.
 */
import { StepFailedError } from '../core/errors';

/** A line of the outputs file that cannot be parsed. Not retryable: the script would write it again. */
export class OutputsFileError extends StepFailedError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}: ${detail}`, { retryable: false });
  }
}

/** Output names a script may set: what a `steps.<id>.outputs.<name>` expression can reach. */
const OUTPUT_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Parses the text of an outputs file into name -> value. `file` only names the file in errors.
 * Throws OutputsFileError naming the line for a malformed line, a bad name or an unclosed heredoc.
 */
export function parseOutputsFile(text: string, file: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  // A trailing newline leaves one empty string at the end; it is not a line of its own.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();

  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    const line = lines[index]!;
    if (line.trim() === '') continue;

    const eq = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (heredoc > 0 && (eq === -1 || heredoc < eq)) {
      const name = line.slice(0, heredoc);
      const delimiterText = line.slice(heredoc + 2);
      checkName(name, file, lineNumber);
      if (delimiterText.trim() === '') {
        throw new OutputsFileError(file, lineNumber, `heredoc for "${name}" has no delimiter after <<`);
      }
      const body: string[] = [];
      let closed = false;
      for (index++; index < lines.length; index++) {
        if (lines[index] === delimiterText) {
          closed = true;
          break;
        }
        body.push(lines[index]!);
      }
      if (!closed) {
        throw new OutputsFileError(
          file,
          lineNumber,
          `heredoc for "${name}" is never closed: expected a line "${delimiterText}"`,
        );
      }
      outputs[name] = body.join('\n');
      continue;
    }
    if (eq > 0) {
      const name = line.slice(0, eq);
      checkName(name, file, lineNumber);
      outputs[name] = line.slice(eq + 1);
      continue;
    }
    throw new OutputsFileError(
      file,
      lineNumber,
      `expected "name=value" or "name<<DELIMITER", got ${JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line)}`,
    );
  }
  return outputs;
}

function checkName(name: string, file: string, line: number): void {
  if (!OUTPUT_NAME.test(name)) {
    throw new OutputsFileError(
      file,
      line,
      `invalid output name ${JSON.stringify(name)}: use letters, digits, "_" and "-", starting with a letter or "_"`,
    );
  }
}
