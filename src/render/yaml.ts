import { createRequire } from 'node:module';

// yaml is CommonJS on Node: required on first use, so `wif render cred-config` (JSON only) never loads it
// (~20% of that command's start-up; bench/RESULTS.md).
const requireCjs = createRequire(import.meta.url);
let lib: typeof import('yaml') | undefined;
/** The yaml package, loaded on first call. */
export const yamlLib = (): typeof import('yaml') => (lib ??= requireCjs('yaml') as typeof import('yaml'));

/**
 * Kubernetes-style YAML: block style, no line folding (long audiences and JSON stay on one line or in a
 * literal block), optional `# …` comment lines before each document, documents joined with `---`.
 */
export interface YamlDoc {
  doc: unknown;
  /** Comment lines (without `#`) printed before the document. */
  comments?: string[];
}

export function toYaml(doc: unknown, comments: string[] = []): string {
  const head = comments.map((c) => (c ? `# ${c}\n` : '#\n')).join('');
  return head + yamlLib().stringify(doc, { lineWidth: 0, blockQuote: 'literal', indentSeq: false });
}

/** Several documents as one multi-document YAML stream. */
export function toYamlStream(docs: YamlDoc[]): string {
  return docs.map((d) => toYaml(d.doc, d.comments)).join('---\n');
}
