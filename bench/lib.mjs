// Whole-process timing helpers for bench/ scripts: alternate the candidates in one run so machine noise
// hits them alike, report min/median/max and ratios against the baseline.
import { spawnSync } from 'node:child_process';

export function timeOnce(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== (opts.expectStatus ?? 0)) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** cases: [{name, cmd, args, opts}] — the first is the baseline. */
export function compare(cases, runs = 15, warmup = 2) {
  const times = cases.map(() => []);
  for (let i = 0; i < warmup + runs; i++) {
    cases.forEach((c, j) => {
      const ms = timeOnce(c.cmd, c.args, c.opts);
      if (i >= warmup) times[j].push(ms);
    });
  }
  const base = median(times[0]);
  return cases.map((c, j) => ({
    name: c.name,
    min: Math.min(...times[j]),
    median: median(times[j]),
    max: Math.max(...times[j]),
    ratio: median(times[j]) / base,
  }));
}

export function table(rows) {
  const f = (n) => n.toFixed(1);
  const lines = ['| command | min ms | median ms | max ms | × baseline |', '|---|---:|---:|---:|---:|'];
  for (const r of rows) lines.push(`| \`${r.name}\` | ${f(r.min)} | ${f(r.median)} | ${f(r.max)} | ${r.ratio.toFixed(2)} |`);
  return lines.join('\n');
}
