import assert from 'node:assert/strict';
import { OutputsFileError, parseOutputsFile } from '../../../src/executors/output-file';

describe('parseOutputsFile', () => {
  it('reads name=value lines, keeping "=" inside values and empty values', () => {
    const outputs = parseOutputsFile('count=3\nurl=https://x.test/?a=1&b=2\nempty=\n', 'out');
    assert.deepEqual(outputs, { count: '3', url: 'https://x.test/?a=1&b=2', empty: '' });
  });

  it('reads multi-line heredoc values with any delimiter', () => {
    const text = ['notes<<EOF', 'line one', '', 'line = three', 'EOF', 'body<<ghadelimiter_42', 'x<<y', 'ghadelimiter_42', 'after=1'].join('\n');
    assert.deepEqual(parseOutputsFile(text, 'out'), {
      notes: 'line one\n\nline = three',
      body: 'x<<y',
      after: '1',
    });
  });

  it('accepts CRLF line ends without leaking carriage returns into values', () => {
    const text = 'a=1\r\nmsg<<END\r\nfirst\r\nsecond\r\nEND\r\nb=two\r\n';
    assert.deepEqual(parseOutputsFile(text, 'out'), { a: '1', msg: 'first\nsecond', b: 'two' });
  });

  it('lets a later line replace an earlier value of the same name', () => {
    assert.deepEqual(parseOutputsFile('v=1\nv=2\n', 'out'), { v: '2' });
  });

  it('skips blank lines and returns nothing for an empty file', () => {
    assert.deepEqual(parseOutputsFile('', 'out'), {});
    assert.deepEqual(parseOutputsFile('\n\n  \nx=1\n\n', 'out'), { x: '1' });
  });

  it('treats "<<" before the first "=" as a heredoc and after it as part of a value', () => {
    assert.deepEqual(parseOutputsFile('shift=a<<b\n', 'out'), { shift: 'a<<b' });
  });

  function errorOf(text: string): OutputsFileError {
    try {
      parseOutputsFile(text, '/tmp/step/baton-output.txt');
    } catch (error) {
      assert.ok(error instanceof OutputsFileError, `expected OutputsFileError, got ${String(error)}`);
      return error;
    }
    assert.fail('expected parseOutputsFile to throw');
  }

  it('rejects a line that is neither form, naming file and line', () => {
    const error = errorOf('ok=1\njust some text\n');
    assert.equal(error.line, 2);
    assert.equal(error.retryable, false);
    assert.match(error.message, /^\/tmp\/step\/baton-output\.txt:2: expected "name=value" or "name<<DELIMITER", got "just some text"$/);
  });

  it('rejects an unclosed heredoc at the line that opened it', () => {
    const error = errorOf('a=1\nlog<<EOF\nline\nEOF \n');
    assert.equal(error.line, 2);
    assert.match(error.message, /heredoc for "log" is never closed: expected a line "EOF"/);
  });

  it('rejects a heredoc without delimiter', () => {
    assert.match(errorOf('x<<\n').message, /:1: heredoc for "x" has no delimiter/);
  });

  it('rejects names an expression could not reach', () => {
    assert.match(errorOf('=value\n').message, /:1: expected "name=value"/);
    assert.match(errorOf('my key=1\n').message, /:1: invalid output name "my key"/);
    assert.match(errorOf('ok=1\n1abc=2\n').message, /:2: invalid output name "1abc"/);
  });
});
