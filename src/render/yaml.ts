import { stringify } from 'yaml';

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
  return head + stringify(doc, { lineWidth: 0, blockQuote: 'literal', indentSeq: false });
}

/** Several documents as one multi-document YAML stream. */
export function toYamlStream(docs: YamlDoc[]): string {
  return docs.map((d) => toYaml(d.doc, d.comments)).join('---\n');
}
