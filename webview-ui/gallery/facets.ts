/** The gallery's search language: free text plus typed facets like `@kind:agent`. */
import type { TemplateSummary } from '../../src/shared/protocol';

export const FACET_KEYS = ['category', 'kind', 'trigger', 'source', 'tag'] as const;
export type FacetKey = (typeof FACET_KEYS)[number];

export interface Facet {
  key: FacetKey;
  value: string;
  /** The token as typed, e.g. `@kind:agent`. */
  token: string;
}

export interface ParsedQuery {
  facets: Facet[];
  text: string;
}

const FACET_RE = /@(category|kind|trigger|source|tag):("[^"]*"|\S+)/gi;

export function facetToken(key: FacetKey, value: string): string {
  return /\s/.test(value) ? `@${key}:"${value}"` : `@${key}:${value}`;
}

export function parseQuery(query: string): ParsedQuery {
  const facets: Facet[] = [];
  const text = query
    .replace(FACET_RE, (token: string, key: string, raw: string) => {
      const value = raw.startsWith('"') ? raw.slice(1, -1) : raw;
      if (value) facets.push({ key: key.toLowerCase() as FacetKey, value, token });
      return ' ';
    })
    .replace(/\s+/g, ' ')
    .trim();
  return { facets, text };
}

/** The query with one facet added (or left as is when present). */
export function addFacet(query: string, key: FacetKey, value: string): string {
  if (hasFacet(query, key, value)) return query;
  return `${query.trim()} ${facetToken(key, value)}`.trim() + ' ';
}

export function removeFacet(query: string, key: FacetKey, value: string): string {
  return query
    .replace(FACET_RE, (token: string, k: string, raw: string) => {
      const v = raw.startsWith('"') ? raw.slice(1, -1) : raw;
      return k.toLowerCase() === key && v.toLowerCase() === value.toLowerCase() ? '' : token;
    })
    .replace(/\s{2,}/g, ' ')
    .trimStart();
}

export function hasFacet(query: string, key: FacetKey, value: string): boolean {
  return parseQuery(query).facets.some((f) => f.key === key && f.value.toLowerCase() === value.toLowerCase());
}

function facetValues(t: TemplateSummary, key: FacetKey): string[] {
  switch (key) {
    case 'category':
      return t.category ? [t.category] : [];
    case 'kind':
      return t.stepKinds;
    case 'trigger':
      return t.triggers.map((tr) => tr.kind);
    case 'source':
      return [t.source];
    case 'tag':
      return t.tags;
  }
}

/** Templates matching every facet key (values of one key are alternatives) and all words of the text. */
export function filterTemplates(templates: TemplateSummary[], query: string): TemplateSummary[] {
  const { facets, text } = parseQuery(query);
  const byKey = new Map<FacetKey, string[]>();
  for (const f of facets) byKey.set(f.key, [...(byKey.get(f.key) ?? []), f.value.toLowerCase()]);
  const words = text.toLowerCase().split(' ').filter(Boolean);
  return templates.filter((t) => {
    for (const [key, values] of byKey) {
      const have = facetValues(t, key).map((v) => v.toLowerCase());
      if (!values.some((v) => have.includes(v))) return false;
    }
    const haystack = [t.id, t.name, t.description ?? '', t.category ?? '', ...t.tags].join(' ').toLowerCase();
    return words.every((w) => haystack.includes(w));
  });
}

/** Every facet value present in the templates, for the facet pickers. */
export function facetOptions(templates: TemplateSummary[]): Record<FacetKey, string[]> {
  const out = Object.fromEntries(FACET_KEYS.map((k) => [k, new Set<string>()])) as Record<FacetKey, Set<string>>;
  for (const t of templates) for (const key of FACET_KEYS) for (const v of facetValues(t, key)) out[key].add(v);
  return Object.fromEntries(FACET_KEYS.map((k) => [k, [...out[k]].sort()])) as Record<FacetKey, string[]>;
}
