/**
 * A small HCL writer for `wif export --format terraform`: string escaping (quoted strings and heredocs, including
 * the template sequences `${` → `$${` and `%{` → `%%{`), templates with interpolations, lists, maps, blocks, and
 * the alignment `terraform fmt` produces (consecutive one-line attributes share their `=` column). Pure.
 */

/** A part of a template: literal text (escaped) or a raw HCL expression (interpolated as `${expr}`). */
export type TemplatePart = string | { expr: string };

const ESCAPES: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Replacements are functions: in a replacement string `$$` means a single `$`. */
function escapeLiteral(s: string): string {
  return s
    .replace(/[\\"\n\r\t\x00-\x1f\x7f]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, '%%{');
}

/** A quoted HCL string whose value is exactly `s` (HCL normalizes string literals to Unicode NFC). */
export function hclString(s: string): string {
  return `"${escapeLiteral(s)}"`;
}

/** A quoted template: literal parts escaped, expressions interpolated. */
export function hclTemplate(parts: readonly TemplatePart[]): string {
  return `"${parts.map((p) => (typeof p === 'string' ? escapeLiteral(p) : `\${${p.expr}}`)).join('')}"`;
}

/**
 * `chomp(<<-EOT … EOT)` holding exactly `s`, its lines indented under `indent` (the attribute's indentation), or
 * undefined when a heredoc cannot hold it exactly: a leading blank, a trailing newline (chomp would drop it), a
 * carriage return or another control character.
 */
export function hclHeredoc(s: string, indent: string): string | undefined {
  if (/^\s/.test(s) || /[\r\n]$/.test(s) || /[\x00-\x08\x0b-\x1f\x7f]/.test(s)) return undefined;
  const lines = s.replace(/\$\{/g, () => '$${').replace(/%\{/g, '%%{').split('\n');
  let marker = 'EOT';
  for (let n = 1; lines.some((l) => l.trim() === marker); n++) marker = `EOT${n}`;
  // HCL leaves blank (space/tab-only) lines as they are and strips the common indentation from the others.
  const body = lines.map((l) => (/^[ \t]*$/.test(l) ? l : `${indent}  ${l}`));
  return [`chomp(<<-${marker}`, ...body, `${indent}  ${marker}`, `${indent})`].join('\n');
}

/** A one-line list of strings. */
export function hclList(items: readonly string[]): string {
  return `[${items.map(hclString).join(', ')}]`;
}

/** A map of strings, one item a line, keys quoted and aligned as terraform fmt does. */
export function hclMap(entries: readonly [string, string][], indent: string): string {
  if (!entries.length) return '{}';
  const keys = entries.map(([k]) => hclString(k));
  const w = Math.max(...keys.map((k) => k.length));
  return ['{', ...entries.map(([, v], i) => `${indent}  ${keys[i].padEnd(w)} = ${hclString(v)}`), `${indent}}`].join('\n');
}

export type HclItem =
  | { attr: string; value: string | ((indent: string) => string) }
  | { block: string; body: HclItem[] }
  | { comment: string }
  | { blank: true };

/** Body lines at `indent`: runs of one-line attributes aligned; multi-line values stand alone (terraform fmt). */
export function renderHcl(items: readonly HclItem[], indent = ''): string[] {
  const out: string[] = [];
  let run: [string, string][] = [];
  const flush = () => {
    const w = Math.max(0, ...run.map(([n]) => n.length));
    out.push(...run.map(([n, v]) => `${indent}${n.padEnd(w)} = ${v}`));
    run = [];
  };
  for (const it of items) {
    if ('attr' in it) {
      const v = typeof it.value === 'string' ? it.value : it.value(indent);
      if (!v.includes('\n')) { run.push([it.attr, v]); continue; }
      flush();
      out.push(`${indent}${it.attr} = ${v}`);
      continue;
    }
    flush();
    if ('block' in it) out.push(`${indent}${it.block} {`, ...renderHcl(it.body, `${indent}  `), `${indent}}`);
    else if ('comment' in it) out.push(...it.comment.split('\n').map((l) => `${indent}# ${l}`.trimEnd()));
    else out.push('');
  }
  flush();
  return out;
}

/** A Terraform identifier from free text: lower-case letters, digits and `_`, starting with a letter. */
export function hclName(s: string): string {
  const n = s.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/_+/g, '_').replace(/^_|_$/g, '');
  return /^[a-z]/.test(n) ? n : `r_${n}`;
}
