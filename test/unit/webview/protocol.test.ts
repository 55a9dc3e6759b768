/** The protocol's boundary check and router, and the panel HTML the host renders. */
import assert from 'node:assert/strict';
import {
  DecideGate,
  DidChange,
  OpenRun,
  RunAction,
  StartRun,
  WebviewMessageRouter,
  type IpcMessage,
} from '../../../src/shared/protocol';
import { createNonce, renderWebviewHtml, webviewCsp } from '../../../src/vscode/webviews/html';

describe('webview protocol', () => {
  it('accepts only well-formed webview messages (params checked, extra keys refused)', () => {
    assert.equal(RunAction.is({ kind: 'command', method: 'runs/action', params: { runId: 'r1', action: 'cancel', stepId: null } }), true);
    assert.equal(RunAction.is({ kind: 'command', method: 'runs/action', params: { runId: 'r1', action: 'delete', stepId: null } }), false);
    assert.equal(RunAction.is({ kind: 'command', method: 'runs/action', params: { runId: 'r1', action: 'cancel', stepId: null, sql: 'x' } }), false);
    assert.equal(OpenRun.is({ kind: 'request', method: 'runs/open', params: { runId: 'r1', stepId: null } }), false);
    assert.equal(StartRun.is(StartRun.create(1, { templateId: 't', inputs: { a: [1, { b: null }] } })), true);
    assert.equal(StartRun.is({ kind: 'request', id: 1, method: StartRun.method, params: { templateId: 't', inputs: { a: Number.NaN } } }), false);
    assert.equal(DidChange.is(DidChange.create({ lastEventId: 1, events: [] })), true);
  });

  it('routes requests to handlers and answers bad or failing requests with an error reply', async () => {
    const posted: IpcMessage[] = [];
    const invalid: string[] = [];
    const router = new WebviewMessageRouter(
      (m) => posted.push(m),
      (_m, reason) => invalid.push(reason),
    );
    router.onRequest(DecideGate, async (p) => {
      if (p.gateId === 2) throw Object.assign(new Error('Already approved by bob'), { code: 'gate_already_decided' });
      return { ok: false as const, message: 'nope', gate: null };
    });
    let opened = '';
    router.onCommand(OpenRun, (p) => {
      opened = p.runId;
    });
    await router.receive(DecideGate.create(7, { gateId: 1, decision: 'approved', comment: '', formInputs: {} }));
    await router.receive(DecideGate.create(8, { gateId: 2, decision: 'approved', comment: '', formInputs: {} }));
    await router.receive({ kind: 'request', id: 9, method: DecideGate.method, params: { gateId: 'x' } });
    await router.receive({ kind: 'request', id: 10, method: 'nope/unknown', params: {} });
    await router.receive(OpenRun.create({ runId: 'r5', stepId: null }));
    await router.receive('garbage');
    assert.equal(opened, 'r5');
    assert.deepEqual(posted, [
      { kind: 'reply', id: 7, method: DecideGate.method, ok: true, result: { ok: false, message: 'nope', gate: null } },
      { kind: 'reply', id: 8, method: DecideGate.method, ok: false, error: { code: 'gate_already_decided', message: 'Already approved by bob' } },
      { kind: 'reply', id: 9, method: DecideGate.method, ok: false, error: { code: 'invalid_message', message: 'bad params for gates/decide' } },
      { kind: 'reply', id: 10, method: 'nope/unknown', ok: false, error: { code: 'invalid_message', message: 'unknown request nope/unknown' } },
    ]);
    assert.deepEqual(invalid, ['bad params for gates/decide', 'unknown request nope/unknown', 'not a protocol message']);
  });

  it('renders the panel page with a strict CSP, a nonce on the only script and the escaped context', () => {
    const nonce = createNonce();
    assert.match(nonce, /^[A-Za-z0-9+/]{22}==$/);
    assert.notEqual(createNonce(), nonce);
    const html = renderWebviewHtml({
      title: 'Run <x>',
      cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
      nonce,
      scriptUri: 'https://cdn/dist/webview/run.js',
      styleUri: 'https://cdn/dist/webview/run.css',
      context: { panel: 'run', runId: 'r"1<script>' },
    });
    assert.match(html, new RegExp(`<script type="module" nonce="${nonce.replace(/[+/]/g, (c) => `\\${c}`)}" src="https://cdn/dist/webview/run.js">`));
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.doesNotMatch(html, /<script>/);
    assert.match(html, /<title>Run &#60;x&#62;<\/title>/);
    // vscode-elements' icons look the codicons stylesheet up by this id.
    assert.match(html, /<link rel="stylesheet" id="vscode-codicon-stylesheet" href="https:\/\/cdn\/dist\/webview\/codicon.css">/);
    assert.match(html, /data-baton-context="\{&#34;panel&#34;:&#34;run&#34;,&#34;runId&#34;:&#34;r\\&#34;1&#60;script&#62;&#34;\}"/);
    const csp = webviewCsp('https://cdn', 'N');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-N'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-(inline|eval)/);
  });
});
