/**
 * A step graph laid out by dagre: edges drawn as SVG paths (from `needs`), nodes as focusable
 * buttons on top of the SVG so they are keyboard reachable and read by screen readers. A foreach
 * step is one node with item counts; expanding it hangs its items below it.
 */
import dagre from '@dagrejs/dagre';
import { useMemo } from 'react';
import type { ForeachCounts, StepKind, StepStatus } from '../../src/shared/protocol';
import { slug } from './format';
import { Icon, statusLook } from './status';

export interface DagNodeInput {
  id: string;
  label: string;
  kind: StepKind;
  phase: string | null;
  needs: string[];
  /** null in a template preview (no run yet). */
  status: StepStatus | 'not-reached' | null;
  foreach: { counts: ForeachCounts; items: Array<{ key: string; status: StepStatus }> } | null;
  /** Foreach expression (template preview). */
  foreachExpression?: string | null;
}

export const KIND_ICONS: Record<string, string> = {
  run: 'terminal',
  agent: 'hubot',
  llm: 'sparkle',
  mcp: 'plug',
  gate: 'shield',
  workflow: 'type-hierarchy',
  function: 'symbol-method',
};

const NODE_W = 190;
const NODE_H = 56;

interface LaidNode {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
  node: DagNodeInput;
}

export function countsText(c: ForeachCounts): string {
  const parts = [`${c.succeeded}/${c.total} done`];
  if (c.running) parts.push(`${c.running} running`);
  if (c.waiting) parts.push(`${c.waiting} waiting`);
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.pending) parts.push(`${c.pending} pending`);
  if (c.skipped) parts.push(`${c.skipped} skipped`);
  if (c.cancelled) parts.push(`${c.cancelled} cancelled`);
  return parts.join(' · ');
}

export function DagView(props: {
  nodes: DagNodeInput[];
  selectedId: string | null;
  onSelect?: (id: string, itemKey: string | null) => void;
  expanded?: ReadonlySet<string>;
  onToggleExpand?: (id: string) => void;
  label: string;
  testId: string;
}) {
  const { nodes, selectedId, onSelect, expanded, onToggleExpand, label, testId } = props;
  const layout = useMemo(() => {
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 56, marginx: 12, marginy: 12 });
    g.setDefaultEdgeLabel(() => ({}));
    const ids = new Set(nodes.map((n) => n.id));
    for (const n of nodes) g.setNode(n.id, { width: NODE_W, height: NODE_H });
    const edges: Array<{ from: string; to: string }> = [];
    for (const n of nodes) {
      for (const need of n.needs) {
        if (!ids.has(need)) continue;
        g.setEdge(need, n.id);
        edges.push({ from: need, to: n.id });
      }
    }
    dagre.layout(g);
    const laid: LaidNode[] = [];
    const byId = new Map(nodes.map((n) => [n.id, n]));
    for (const id of g.nodes()) {
      const pos = g.node(id);
      const node = byId.get(id);
      if (node) laid.push({ id, x: pos.x - pos.width / 2, y: pos.y - pos.height / 2, w: pos.width, h: pos.height, node });
    }
    const paths = edges.map((e) => {
      const points = g.edge(e.from, e.to)?.points ?? [];
      const d = points.map((p: { x: number; y: number }, i: number) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
      return { ...e, d };
    });
    const graph = g.graph();
    return { laid, paths, width: Math.max(graph.width ?? 0, 100), height: Math.max(graph.height ?? 0, 60) };
  }, [nodes, expanded]);

  return (
    <div className="dag" data-testid={testId} role="group" aria-label={label}>
      <div className="dag-canvas" style={{ width: layout.width, height: layout.height }}>
        <svg className="dag-edges" width={layout.width} height={layout.height} aria-hidden="true">
          <defs>
            <marker id={`${testId}-arrow`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" className="dag-arrow" />
            </marker>
          </defs>
          {layout.paths.map((p) => (
            <path
              key={`${p.from}->${p.to}`}
              d={p.d}
              className="dag-edge"
              markerEnd={`url(#${testId}-arrow)`}
              data-testid={`${testId}-edge`}
              data-from={p.from}
              data-to={p.to}
            />
          ))}
        </svg>
        {layout.laid.map((n) => (
          <StepNode
            key={n.id}
            laid={n}
            node={n.node}
            selected={selectedId === n.id}
            expanded={expanded?.has(n.id) ?? false}
            onSelect={onSelect}
            onToggleExpand={onToggleExpand}
            testId={testId}
          />
        ))}
      </div>
      {nodes
        .filter((n) => n.foreach && expanded?.has(n.id))
        .map((n) => (
          <div key={n.id} className="dag-items" role="group" aria-label={`Items of ${n.id}`} data-testid={`${testId}-items-${slug(n.id)}`}>
            <div className="dag-items-title">
              Items of <strong>{n.label}</strong> ({countsText(n.foreach!.counts)})
            </div>
            <div className="dag-items-grid">
              {[...n.foreach!.items]
                .sort((a, b) => a.key.localeCompare(b.key, undefined, { numeric: true }))
                .map((item) => {
                  const look = statusLook(item.status);
                  const id = `${n.id}[${item.key}]`;
                  return (
                    <button
                      key={item.key}
                      type="button"
                      className={`dag-item tone-${look.tone}${selectedId === id ? ' selected' : ''}`}
                      data-testid={`${testId}-item-${slug(n.id)}-${slug(item.key)}`}
                      aria-pressed={selectedId === id}
                      aria-label={`${n.id} item ${item.key}: ${look.label}`}
                      onClick={() => onSelect?.(n.id, item.key)}
                    >
                      <Icon name={look.icon} spin={item.status === 'running'} />
                      <span>
                        [{item.key}] {look.label}
                      </span>
                    </button>
                  );
                })}
            </div>
          </div>
        ))}
    </div>
  );
}

function StepNode(props: {
  laid: LaidNode;
  node: DagNodeInput;
  selected: boolean;
  expanded: boolean;
  onSelect?: (id: string, itemKey: string | null) => void;
  onToggleExpand?: (id: string) => void;
  testId: string;
}) {
  const { laid, node, selected, expanded, onSelect, onToggleExpand, testId } = props;
  const look = node.status ? statusLook(node.status) : null;
  const detail = node.foreach ? countsText(node.foreach.counts) : node.foreachExpression ? `foreach ${node.foreachExpression}` : node.phase ? `phase ${node.phase}` : '';
  const statusText = look ? look.label : '';
  return (
    <div
      className={`dag-node${look ? ` tone-${look.tone}` : ''}${selected ? ' selected' : ''}${node.status === 'not-reached' ? ' not-reached' : ''}`}
      style={box(laid)}
      data-testid={`${testId}-node`}
      data-step-id={node.id}
      data-status={node.status ?? ''}
    >
      <button
        type="button"
        className="dag-node-main"
        data-testid={`${testId}-node-${slug(node.id)}`}
        aria-pressed={onSelect ? selected : undefined}
        aria-label={`${node.label} (${node.kind})${statusText ? `: ${statusText}` : ''}${detail ? `, ${detail}` : ''}`}
        onClick={() => onSelect?.(node.id, null)}
      >
        <span className="dag-node-title">
          <Icon name={KIND_ICONS[node.kind] ?? 'circle'} />
          <span className="dag-node-label">{node.label}</span>
          <span className="dag-node-kind">{node.kind}</span>
        </span>
        <span className="dag-node-sub">
          {look && <Icon name={look.icon} spin={node.status === 'running'} />}
          {look && <span>{look.label}</span>}
          {detail && <span className="dag-node-detail">{look ? ' · ' : ''}{detail}</span>}
        </span>
      </button>
      {node.foreach && onToggleExpand && (
        <button
          type="button"
          className="icon-button dag-expand"
          data-testid={`${testId}-expand-${slug(node.id)}`}
          aria-expanded={expanded}
          aria-label={`${expanded ? 'Collapse' : 'Expand'} the ${node.foreach.counts.total} items of ${node.id}`}
          onClick={() => onToggleExpand(node.id)}
        >
          <Icon name={expanded ? 'chevron-up' : 'chevron-down'} />
        </button>
      )}
    </div>
  );
}

// React applies `style` through the CSSOM, which the CSP (no 'unsafe-inline' styles) allows.
function box(n: { x: number; y: number; w: number; h: number }): React.CSSProperties {
  return { left: n.x, top: n.y, width: n.w, height: n.h };
}
