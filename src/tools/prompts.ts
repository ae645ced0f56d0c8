// npm run prompts: synthesises the development prompts of the IVR file into
// <telephony.promptsDir>/<id>.wav (8 kHz, 16-bit mono, what a narrow-band call leg plays) with
// espeak-ng (Mandarin voice "cmn") and sox. Production names recorded audio per prompt instead;
// prompts with a `file` are skipped. Needs: apt-get install -y espeak-ng sox
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../config/load.js';
import { loadIvrConfig } from '../config/ivr.js';

const run = promisify(execFile);

async function main(): Promise<void> {
  const { config } = loadConfig();
  const ivr = loadIvrConfig(config.telephony.ivrFile);
  const out = config.telephony.promptsDir;
  mkdirSync(out, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'hg-prompts-'));
  try {
    for (const p of ivr.prompts.values()) {
      if (p.file) {
        process.stdout.write(`  ${p.id}: recorded file ${p.file} (skipped)\n`);
        continue;
      }
      const target = join(out, `${p.id}.wav`);
      if (p.music) {
        // A soft four-note phrase standing in for hold music.
        const notes = ['C4', 'E4', 'G4', 'E4'].map((n, i) => join(tmp, `${p.id}-${i}.wav`));
        for (const [i, f] of notes.entries()) {
          await run('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', f, 'synth', '0.6', 'pluck', ['C4', 'E4', 'G4', 'E4'][i]!, 'vol', '0.3']);
        }
        await run('sox', [...notes, target]);
      } else {
        const raw = join(tmp, `${p.id}.raw.wav`);
        await run('espeak-ng', ['-v', 'cmn', '-s', '260', '-w', raw, p.text!]);
        await run('sox', [raw, '-r', '8000', '-c', '1', '-b', '16', target]);
      }
      process.stdout.write(`  ${p.id}: ${target}\n`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  process.stderr.write(
    e.code === 'ENOENT' ? 'npm run prompts needs espeak-ng and sox: apt-get install -y espeak-ng sox\n' : `prompts: ${(err as Error).message}\n`,
  );
  process.exit(1);
});
