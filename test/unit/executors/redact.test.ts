import assert from 'node:assert/strict';
import { createRedactor } from '../../../src/executors/redact';

describe('createRedactor', () => {
  it('replaces every occurrence of each secret, regex characters included', () => {
    const redact = createRedactor(['s3cr+t.', 'tok']);
    assert.equal(redact('a s3cr+t. b s3cr+t. tok'), 'a *** b *** ***');
    assert.equal(redact('s3crXt. stays'), 's3crXt. stays');
  });

  it('redacts the longer secret first when one contains another', () => {
    const redact = createRedactor(['abc', 'abcdef']);
    assert.equal(redact('xabcdefx abc'), 'x***x ***');
  });

  it('redacts each line of a multi-line secret on its own', () => {
    const redact = createRedactor(['-----BEGIN KEY-----\nAAAABBBBCCCC\n-----END KEY-----']);
    assert.equal(redact('got AAAABBBBCCCC here'), 'got *** here');
  });

  it('ignores empty secrets instead of redacting everything', () => {
    assert.equal(createRedactor(['', ''])('plain text'), 'plain text');
  });
});
