import type * as Cel from '@marcbachmann/cel-js';

/**
 * @marcbachmann/cel-js, loaded on first use. Importing it builds its whole function registry (~15 ms), which
 * commands that check no CEL (`wif --help`, `wif render` with a preset mapping) should not pay (bench/RESULTS.md).
 * Synchronous, as the CEL checks are: the bundler keeps the package in wif's bundle and runs its module code on
 * this first call (require of an ES module, supported since Node 20.19).
 */
let lib: typeof Cel | undefined;
export function cel(): typeof Cel {
  return (lib ??= require('@marcbachmann/cel-js') as typeof Cel);
}
