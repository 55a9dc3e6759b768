import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { LayeredSecretSource, StaticSecretSource, readSecretsFromStdin } from '../../../src/secrets';

describe('secret sources', () => {
  it('asks layered sources in order, the first that knows a name wins', async () => {
    const source = new LayeredSecretSource([new StaticSecretSource({ A: 'from-flag' }), new StaticSecretSource({ A: 'from-env', B: 'b' })]);
    assert.equal(await source.get('A'), 'from-flag');
    assert.equal(await source.get('B'), 'b');
    assert.equal(await source.get('C'), undefined);
  });

  it('reads one line per --secret from piped stdin, in order, keeping spaces and dropping CR', async () => {
    const stderr: string[] = [];
    const values = await readSecretsFromStdin(['ONE', 'TWO'], {
      stdin: Readable.from(['first value\r\nsec', 'ond\nignored\n']),
      stderr: (t) => stderr.push(t),
      isTTY: false,
    });
    assert.deepEqual([...values], [['ONE', 'first value'], ['TWO', 'second']]);
    assert.deepEqual(stderr, [], 'no prompt when stdin is piped');
  });

  it('rejects a name that expressions cannot reference', async () => {
    await assert.rejects(
      readSecretsFromStdin(['MY-TOKEN'], { stdin: Readable.from(['x\n']), stderr: () => undefined, isTTY: false }),
      /--secret MY-TOKEN: a secret name is letters, digits and _/,
    );
  });
});
