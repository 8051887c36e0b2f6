/**
 * A tiny skeleton filler for the JSON skeletons in templates/ (bundled at build time, so nothing is read
 * from disk at run time). A string that is exactly `{{name}}` takes the variable's value with its type
 * (number, array, object); an `undefined` value drops the key or array element, so optional fields such as
 * `metadata.namespace` disappear instead of rendering empty. `{{name}}` inside a longer string is interpolated.
 */
export type Vars = Record<string, unknown>;

const WHOLE = /^\{\{(\w+)\}\}$/;
const PART = /\{\{(\w+)\}\}/g;

/** Fill `tpl` with `vars`; throws on a placeholder with no entry in `vars` (a bug, not user input). */
export function fill<T = unknown>(tpl: unknown, vars: Vars): T {
  return walk(tpl, vars) as T;
}

function lookup(vars: Vars, name: string): unknown {
  if (!(name in vars)) throw new Error(`template placeholder {{${name}}} has no value`);
  return vars[name];
}

function walk(node: unknown, vars: Vars): unknown {
  if (typeof node === 'string') {
    const m = WHOLE.exec(node);
    if (m) return structuredClone(lookup(vars, m[1]));
    return node.replace(PART, (_, n: string) => {
      const v = lookup(vars, n);
      if (v === undefined) throw new Error(`template placeholder {{${n}}} inside a string has no value`);
      return String(v);
    });
  }
  if (Array.isArray(node)) return node.map((x) => walk(x, vars)).filter((x) => x !== undefined);
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      const w = walk(v, vars);
      if (w !== undefined) out[k] = w;
    }
    return out;
  }
  return node;
}
