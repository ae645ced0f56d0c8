// npm run bench: every test/bench/*.bench.ts in turn. Each prints its results as ratios against a
// baseline measured in the same process tree on this machine (these machines are noisy).
import { readdirSync } from 'node:fs';

const only = process.argv.slice(2);
const dir = new URL('./', import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

for (const file of files) {
  process.stdout.write(`\n=== ${file} ===\n`);
  const mod = (await import(new URL(file, dir).href)) as { run: () => Promise<void> };
  await mod.run();
}
process.exit(0);
