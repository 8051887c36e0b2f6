import type { Colors } from './color.js';
import type { Writer } from './io.js';

/**
 * Logs and progress go to stderr so stdout holds only the result (one JSON document under --output json).
 * Never pass a token or an Authorization header to these functions; `redact` is applied defensively.
 */
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
  /** Start a step that waits on something; returns handles to finish it. */
  step(msg: string): StepHandle;
}
export interface StepHandle {
  done(msg?: string): void;
  fail(msg?: string): void;
  update(msg: string): void;
}

const SECRET_PATTERNS: RegExp[] = [
  /(authorization:\s*bearer\s+)[^\s"']+/gi,
  /\bya29\.[A-Za-z0-9._-]{8,}/g,
  /\bsandbox-arm-[A-Za-z0-9_-]{20,}/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
];

/** Remove bearer tokens, Google access tokens and JWTs from a string before it is shown. */
export function redact(s: string): string {
  let out = s;
  for (const re of SECRET_PATTERNS) out = out.replace(re, (m, p1) => (typeof p1 === 'string' && p1.toLowerCase().startsWith('authorization') ? `${p1}[redacted]` : '[redacted]'));
  return out;
}

export function createLogger(stderr: Writer, colors: Colors, opts: { verbose: boolean; quiet?: boolean }): Logger {
  const tty = !!stderr.isTTY;
  const write = (s: string) => stderr.write(redact(s) + '\n');
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  return {
    info: (m) => { if (!opts.quiet) write(m); },
    warn: (m) => write(colors.yellow('warning: ') + m),
    debug: (m) => { if (opts.verbose) write(colors.dim(m)); },
    step(msg) {
      if (opts.quiet) return { done() {}, fail() {}, update() {} };
      let text = msg;
      let timer: NodeJS.Timeout | undefined;
      let i = 0;
      if (tty) {
        timer = setInterval(() => stderr.write(`\r${colors.cyan(frames[i++ % frames.length])} ${text}\x1b[K`), 80);
        timer.unref();
      } else {
        write(`… ${msg}`);
      }
      const end = (mark: string, m?: string) => {
        if (timer) clearInterval(timer);
        const line = `${mark} ${m ?? text}`;
        if (tty) stderr.write(`\r${redact(line)}\x1b[K\n`);
        else write(line);
      };
      return {
        done: (m) => end(colors.green('✔'), m),
        fail: (m) => end(colors.red('✖'), m),
        update: (m) => { text = m; },
      };
    },
  };
}
