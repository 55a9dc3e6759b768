/**
 * Template gallery: search with typed facets kept in sync with chips, cards, a suggested row, and
 * a detail pane (DAG preview, triggers, inputs, readiness with fixes, the inputs form and Run).
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import {
  DidChangeTemplateDetail,
  DidChangeTemplates,
  DuplicateTemplate,
  FixReadiness,
  GalleryReady,
  GetTemplateDetail,
  OpenTemplateProblem,
  OpenTemplateSource,
  PROTOCOL_VERSION,
  StartRun,
  type BrokenTemplate,
  type GallerySnapshot,
  type PanelContext,
  type TemplateDetail,
  type TemplateSummary,
} from '../../src/shared/protocol';
import { DagView, KIND_ICONS, type DagNodeInput } from '../shared/dag';
import { slug } from '../shared/format';
import { ipc, panelContext, saveState, savedState } from '../shared/host';
import { Badge, Button, Loading, TextField } from '../shared/elements';
import { IconButton } from '../shared/IconButton';
import { announce } from '../shared/liveRegion';
import { Markdown } from '../shared/markdown';
import { SchemaForm, type FormValues } from '../shared/SchemaForm';
import { Icon } from '../shared/status';
import { FACET_KEYS, addFacet, facetOptions, filterTemplates, hasFacet, parseQuery, removeFacet, type FacetKey } from './facets';

interface GalleryState {
  context: PanelContext;
  lastEventId: null;
  query: string;
  selectedId: string | null;
  drafts: Record<string, FormValues>;
}

const SOURCE_LABEL = { builtin: 'Built-in', workspace: 'Workspace', user: 'User' } as const;
const FACET_LABEL: Record<FacetKey, string> = { category: 'Category', kind: 'Step kind', trigger: 'Trigger', source: 'Source', tag: 'Tag' };

export function GalleryApp() {
  const initial = useMemo(() => savedState<GalleryState>(), []);
  const context = useMemo(() => panelContext<Extract<PanelContext, { panel: 'gallery' }>>('gallery'), []);
  const [snapshot, setSnapshot] = useState<GallerySnapshot | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [query, setQuery] = useState(initial.query ?? '');
  const [selectedId, setSelectedId] = useState<string | null>(initial.selectedId ?? context.templateId ?? null);
  const [drafts, setDrafts] = useState<Record<string, FormValues>>(initial.drafts ?? {});

  useEffect(() => {
    saveState({ context, lastEventId: null, query, selectedId, drafts });
  }, [context, query, selectedId, drafts]);

  useEffect(() => {
    ipc()
      .request(GalleryReady, { protocol: PROTOCOL_VERSION })
      .then(setSnapshot, (e: Error) => setLoadError(e.message));
    return ipc().on(DidChangeTemplates, setSnapshot);
  }, []);

  const templates = snapshot?.templates ?? [];
  const broken = snapshot?.broken ?? [];
  const shown = useMemo(() => filterTemplates(templates, query), [templates, query]);
  const options = useMemo(() => facetOptions(templates), [templates]);
  const parsed = useMemo(() => parseQuery(query), [query]);
  const suggested = (snapshot?.suggested ?? []).flatMap((s) => {
    const t = templates.find((x) => x.id === s.templateId);
    return t ? [{ template: t, reason: s.reason }] : [];
  });

  return (
    <div className="gallery">
      <main className="gallery-main" aria-labelledby="gallery-title">
        <header className="panel-header">
          <h1 id="gallery-title">Workflow templates</h1>
          <div className="row">
            <TextField
              testId="gallery-search"
              id="gallery-search"
              className="grow"
              type="search"
              label="Search templates"
              placeholder="Search templates, e.g. review @kind:agent @trigger:schedule"
              value={query}
              onValue={setQuery}
            />
            <span id="gallery-count" className="muted" data-testid="gallery-count" aria-live="polite">
              {shown.length}/{templates.length}
            </span>
          </div>
          {parsed.facets.length > 0 && (
            <ul className="chips row" aria-label="Active filters" data-testid="gallery-chips">
              {parsed.facets.map((f) => (
                <li key={f.token} className="chip" data-testid={`gallery-chip-${f.key}-${slug(f.value)}`}>
                  <span>
                    {FACET_LABEL[f.key]}: {f.value}
                  </span>
                  <IconButton
                    testId={`gallery-chip-remove-${f.key}-${slug(f.value)}`}
                    icon="close"
                    label={`Remove filter ${FACET_LABEL[f.key]} ${f.value}`}
                    onClick={() => setQuery((q) => removeFacet(q, f.key, f.value))}
                  />
                </li>
              ))}
            </ul>
          )}
          <div className="facets" role="group" aria-label="Filter by">
            {FACET_KEYS.filter((k) => k !== 'tag' && options[k].length > 0).map((key) => (
              <div key={key} className="facet-group row">
                <span className="muted">{FACET_LABEL[key]}</span>
                {options[key].map((value) => {
                  const on = hasFacet(query, key, value);
                  return (
                    <button
                      key={value}
                      type="button"
                      className="toggle"
                      aria-pressed={on}
                      data-testid={`gallery-facet-${key}-${slug(value)}`}
                      onClick={() => setQuery((q) => (on ? removeFacet(q, key, value) : addFacet(q, key, value)))}
                    >
                      {key === 'kind' && <Icon name={KIND_ICONS[value] ?? 'circle'} />}
                      {value}
                    </button>
                  );
                })}
              </div>
            ))}
          </div>
        </header>
        {loadError && (
          <p className="notice error section" role="alert">
            Could not load templates: {loadError}
          </p>
        )}
        {!snapshot && !loadError && <Loading text="Loading templates…" testId="gallery-loading" />}
        {suggested.length > 0 && parsed.facets.length === 0 && parsed.text === '' && (
          <section className="section" aria-labelledby="suggested-title" data-testid="gallery-suggested">
            <h2 id="suggested-title">Suggested for this workspace</h2>
            <div className="card-grid">
              {suggested.map(({ template, reason }) => (
                <TemplateCard key={template.id} template={template} reason={reason} selected={template.id === selectedId} onSelect={setSelectedId} testPrefix="gallery-suggested-card" />
              ))}
            </div>
          </section>
        )}
        {broken.length > 0 && (
          <section className="section" aria-labelledby="broken-title" data-testid="gallery-broken">
            <h2 id="broken-title">
              Templates that do not load ({broken.length})
            </h2>
            <div className="broken-list">
              {broken.map((b) => (
                <BrokenTemplateCard key={b.sourcePath} broken={b} />
              ))}
            </div>
          </section>
        )}
        <section className="section" aria-labelledby="all-title">
          <h2 id="all-title">All templates</h2>
          {snapshot && shown.length === 0 && (
            <p className="muted" data-testid="gallery-empty">
              No template matches. Remove a filter or change the search.
            </p>
          )}
          <div className="card-grid" data-testid="gallery-cards">
            {shown.map((t) => (
              <TemplateCard key={t.id} template={t} reason={null} selected={t.id === selectedId} onSelect={setSelectedId} testPrefix="gallery-card" />
            ))}
          </div>
        </section>
      </main>
      {selectedId && (
        <TemplateDetailPane
          key={selectedId}
          templateId={selectedId}
          draft={drafts[selectedId] ?? null}
          onDraft={(values) => setDrafts((d) => ({ ...d, [selectedId]: values }))}
          onStarted={() => setDrafts((d) => Object.fromEntries(Object.entries(d).filter(([k]) => k !== selectedId)))}
          onClose={() => setSelectedId(null)}
        />
      )}
    </div>
  );
}

function TemplateCard(props: { template: TemplateSummary; reason: string | null; selected: boolean; onSelect: (id: string) => void; testPrefix: string }) {
  const { template: t, reason, selected, onSelect, testPrefix } = props;
  return (
    <button
      type="button"
      className={`card template-card${selected ? ' selected' : ''}`}
      aria-pressed={selected}
      data-testid={`${testPrefix}-${slug(t.id)}`}
      data-template-id={t.id}
      onClick={() => onSelect(t.id)}
    >
      <span className="template-card-head">
        <span className="template-card-name">{t.name}</span>
        <Badge testId={`${testPrefix}-source-${slug(t.id)}`}>{SOURCE_LABEL[t.source]}</Badge>
      </span>
      {t.description && <span className="template-card-desc">{t.description}</span>}
      <span className="template-card-meta">
        {t.category && <span className="tag">{t.category}</span>}
        <span className="kinds" aria-label={`Step kinds: ${t.stepKinds.join(', ')}`}>
          {t.stepKinds.map((k) => (
            <span key={k} className="kind" title={k}>
              <Icon name={KIND_ICONS[k] ?? 'circle'} />
              <span className="kind-text">{k}</span>
            </span>
          ))}
        </span>
      </span>
      {reason && <span className="muted template-card-reason">Suggested: {reason}</span>}
    </button>
  );
}

/** Problems listed per file before "and N more". */
const PROBLEMS_SHOWN = 3;

/** A template file that does not load: where and why, each problem a link to its line. */
function BrokenTemplateCard({ broken }: { broken: BrokenTemplate }) {
  const testId = `gallery-broken-${slug(broken.displayPath).replace(/^-+|-+$/g, '')}`;
  const hidden = broken.problems.length - PROBLEMS_SHOWN;
  return (
    <article className="card broken-card" data-testid={testId} aria-label={`${broken.displayPath} does not load`}>
      <span className="template-card-head">
        <Icon name="error" />
        <span className="template-card-name">{broken.displayPath}</span>
        <Badge testId={`${testId}-source`}>{SOURCE_LABEL[broken.source]}</Badge>
      </span>
      <span className="muted">
        Does not load: {broken.problems.length} {broken.problems.length === 1 ? 'problem' : 'problems'}
      </span>
      <ul className="plain broken-problems">
        {broken.problems.slice(0, PROBLEMS_SHOWN).map((p, i) => (
          <li key={i}>
            <button
              type="button"
              className="text-link"
              data-testid={`${testId}-problem-${i}`}
              onClick={() => ipc().command(OpenTemplateProblem, { sourcePath: broken.sourcePath, line: p.line, column: p.column })}
            >
              Line {p.line}, column {p.column}
            </button>
            {p.field && <code className="broken-field">{p.field}</code>}
            <span className="broken-message">{p.message}</span>
          </li>
        ))}
      </ul>
      {hidden > 0 && <span className="muted">and {hidden} more (Baton: Validate Templates lists them all in Problems)</span>}
    </article>
  );
}

function TemplateDetailPane(props: {
  templateId: string;
  draft: FormValues | null;
  onDraft: (values: FormValues) => void;
  onStarted: () => void;
  onClose: () => void;
}) {
  const { templateId, draft, onDraft, onStarted, onClose } = props;
  const [detail, setDetail] = useState<TemplateDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [submitted, setSubmitted] = useState(false);
  const [starting, setStarting] = useState(false);
  const [hostErrors, setHostErrors] = useState<Array<{ field: string; message: string }>>([]);
  const [result, setResult] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    let live = true;
    ipc()
      .request(GetTemplateDetail, { templateId })
      .then(
        (d) => live && setDetail(d),
        (e: Error) => live && setError(e.message),
      );
    const off = ipc().on(DidChangeTemplateDetail, (d) => {
      if (d.id === templateId) setDetail(d);
    });
    return () => {
      live = false;
      off();
    };
  }, [templateId]);

  const detailId = detail?.id;
  useLayoutEffect(() => {
    if (detailId) heading.current?.focus();
  }, [detailId]);

  const start = useCallback(
    async (values: FormValues) => {
      if (!detail || detail.readiness.length > 0) return;
      setStarting(true);
      setHostErrors([]);
      setResult(null);
      try {
        const reply = await ipc().request(StartRun, { templateId: detail.id, inputs: values });
        if (reply.ok) {
          setResult(`Started run ${reply.runId}`);
          announce(`Started run ${reply.runId} of ${detail.name}`);
          setSubmitted(false);
          onStarted();
        } else {
          setHostErrors(reply.fieldErrors.length ? reply.fieldErrors : [{ field: '', message: reply.message }]);
          announce(`Run not started: ${reply.message}`);
        }
      } catch (e) {
        setHostErrors([{ field: '', message: (e as Error).message }]);
      } finally {
        setStarting(false);
      }
    },
    [detail, onStarted],
  );

  if (error) {
    return (
      <aside className="gallery-detail section" aria-label="Template detail">
        <p className="notice error" role="alert">
          Could not load the template: {error}
        </p>
      </aside>
    );
  }
  if (!detail) {
    return (
      <aside className="gallery-detail" aria-label="Template detail">
        <Loading text="Loading the template…" testId="gallery-detail-loading" />
      </aside>
    );
  }

  const notReady = detail.readiness.length > 0;
  const nodes: DagNodeInput[] = detail.steps.map((s) => ({
    id: s.id,
    label: s.name ?? s.id,
    kind: s.kind,
    phase: s.phase,
    needs: s.needs,
    status: null,
    foreach: null,
    foreachExpression: s.foreach,
  }));
  const formId = `inputs-${slug(detail.id)}`;
  const inputNames = Object.keys(detail.inputsSchema.properties);

  return (
    <aside className="gallery-detail" aria-labelledby="detail-title" data-testid="gallery-detail">
      <header className="panel-header">
        <div className="row">
          <h2 id="detail-title" ref={heading} tabIndex={-1} data-testid="gallery-detail-title">
            {detail.name}
          </h2>
          <Badge>{SOURCE_LABEL[detail.source]}</Badge>
          <span className="spacer" />
          <IconButton testId="gallery-detail-close" icon="close" label="Close details" onClick={onClose} />
        </div>
        <div className="row">
          <Button testId="gallery-open-source" secondary icon="go-to-file" onClick={() => ipc().command(OpenTemplateSource, { templateId: detail.id })}>
            Open source
          </Button>
          {detail.source !== 'workspace' && (
            <Button
              testId="gallery-duplicate"
              secondary
              icon="copy"
              onClick={() =>
                void ipc()
                  .request(DuplicateTemplate, { templateId: detail.id })
                  .then((reply) => {
                    const text = reply.ok ? `Duplicated to ${reply.sourcePath}` : `Could not duplicate: ${reply.message}`;
                    setResult(text);
                    announce(text);
                  })
              }
            >
              Duplicate to workspace
            </Button>
          )}
          <span className="muted mono">{detail.sourcePath}</span>
        </div>
      </header>
      <div className="section">
        {detail.readmeMarkdown ? <Markdown text={detail.readmeMarkdown} testId="gallery-readme" /> : detail.description && <p>{detail.description}</p>}
        <h3>Steps</h3>
        <DagView nodes={nodes} selectedId={null} label={`Steps of ${detail.name}`} testId="gallery-dag" />
        <dl className="facts">
          <dt>Phases</dt>
          <dd>{detail.phases.length ? detail.phases.join(' → ') : 'none'}</dd>
          <dt>Triggers</dt>
          <dd>
            <ul className="plain" data-testid="gallery-triggers">
              {detail.triggers.map((t, i) => (
                <li key={i}>
                  <strong>{t.kind}</strong>: {t.label}
                </li>
              ))}
            </ul>
          </dd>
        </dl>
        {inputNames.length > 0 && (
          <>
            <h3>Inputs</h3>
            <table data-testid="gallery-inputs-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Type</th>
                  <th>Required</th>
                  <th>Default</th>
                  <th>Description</th>
                </tr>
              </thead>
              <tbody>
                {inputNames.map((name) => {
                  const p = detail.inputsSchema.properties[name]!;
                  return (
                    <tr key={name}>
                      <td className="mono">{name}</td>
                      <td>{p.enum ? `one of ${p.enum.map((v) => JSON.stringify(v)).join(', ')}` : (p.type ?? 'any')}</td>
                      <td>{detail.inputsSchema.required.includes(name) ? 'yes' : 'no'}</td>
                      <td className="mono">{p.secret ? '(secret)' : p.default === undefined ? '' : JSON.stringify(p.default)}</td>
                      <td>{p.description ?? ''}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </>
        )}
        <h3 id="readiness-title">Readiness</h3>
        {notReady ? (
          <ul className="readiness plain" aria-labelledby="readiness-title" data-testid="gallery-readiness">
            {detail.readiness.map((p, i) => (
              <li key={i} className="notice" data-testid={`gallery-readiness-${p.code}`}>
                <Icon name="warning" /> <span className="readiness-message">{p.message}</span>
                {p.fix && (
                  <Button testId={`gallery-fix-${p.code}`} secondary onClick={() => ipc().command(FixReadiness, { templateId: detail.id, action: p.fix!.action, arg: p.fix!.arg })}>
                    {p.fix.label}
                  </Button>
                )}
              </li>
            ))}
          </ul>
        ) : (
          <p className="status status-ok" data-testid="gallery-ready">
            <Icon name="pass-filled" /> Ready to run
          </p>
        )}
        <h3>Run</h3>
        <SchemaForm
          schema={detail.inputsSchema}
          values={draft ?? {}}
          onChange={onDraft}
          onSubmit={(values) => void start(values)}
          onInvalid={() => {
            setSubmitted(true);
            announce('Run not started: fix the highlighted inputs');
          }}
          liveValidate={submitted}
          testIdPrefix="gallery-input"
          formId={formId}
        >
          {hostErrors.length > 0 && (
            <ul className="notice error plain" role="alert" data-testid="gallery-host-errors">
              {hostErrors.map((e, i) => (
                <li key={i}>{e.field ? `${e.field}: ${e.message}` : e.message}</li>
              ))}
            </ul>
          )}
          <div className="row">
            <Button
              testId="gallery-run"
              type="submit"
              icon="play"
              disabled={notReady || starting}
              describedBy={notReady ? 'run-disabled-reason' : undefined}
              onClick={() => setSubmitted(true)}
            >
              Run
            </Button>
            {notReady && (
              <span id="run-disabled-reason" className="muted" data-testid="gallery-run-disabled-reason">
                Run is disabled: {detail.readiness.map((p) => p.message).join('; ')}
              </span>
            )}
            {result && (
              <span className="muted" data-testid="gallery-result">
                {result}
              </span>
            )}
          </div>
        </SchemaForm>
      </div>
    </aside>
  );
}
