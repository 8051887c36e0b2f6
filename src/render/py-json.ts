/**
 * Python's `json.dumps(value, indent=N)` in TypeScript, byte for byte: gcloud writes credential
 * configurations with it (research/gcp-api.md §6). It differs from `JSON.stringify(v, null, 2)` only in
 * string escaping: Python's default `ensure_ascii=True` escapes everything outside printable ASCII
 * (including DEL and every non-ASCII character, as UTF-16 `\uXXXX` units, lower-case hex).
 */
export type PyJson = string | number | boolean | null | PyJson[] | { [k: string]: PyJson };

const SHORT: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** A string literal as Python's `json.dumps` (ensure_ascii) writes it. */
export function pyString(s: string): string {
  // Without the `u` flag the regex walks UTF-16 units, so astral characters come out as surrogate pairs, as in Python.
  return '"' + s.replace(/[\\"]|[^\x20-\x7e]/g, (c) => SHORT[c] ?? '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) + '"';
}

/** `json.dumps(value, indent=indent)`: `", "`-free separators (`,` + newline, `": "`), empty containers as `{}`/`[]`. */
export function pyJsonDumps(value: PyJson, indent = 2, level = 0): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error('pyJsonDumps: only integers are supported');
    return String(value);
  }
  if (typeof value === 'string') return pyString(value);
  const pad = ' '.repeat(indent * (level + 1));
  const end = ' '.repeat(indent * level);
  if (Array.isArray(value)) {
    if (!value.length) return '[]';
    return '[\n' + value.map((v) => pad + pyJsonDumps(v, indent, level + 1)).join(',\n') + '\n' + end + ']';
  }
  const entries = Object.entries(value);
  if (!entries.length) return '{}';
  return '{\n' + entries.map(([k, v]) => `${pad}${pyString(k)}: ${pyJsonDumps(v, indent, level + 1)}`).join(',\n') + '\n' + end + '}';
}
