import { readFileSync } from 'node:fs';

const RATE = 8000;

/** One second of low comfort noise, made once: a long call's file is copies of it. */
const NOISE = (() => {
  const b = Buffer.alloc(RATE * 2);
  let seed = 12345;
  for (let i = 0; i < RATE; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    b.writeInt16LE(((seed >> 16) % 64) - 32, i * 2);
  }
  return b;
})();

/** DTMF frequency pairs (ITU-T Q.23). */
const DTMF: Record<string, [number, number]> = {
  '1': [697, 1209], '2': [697, 1336], '3': [697, 1477],
  '4': [770, 1209], '5': [770, 1336], '6': [770, 1477],
  '7': [852, 1209], '8': [852, 1336], '9': [852, 1477],
  '*': [941, 1209], '0': [941, 1336], '#': [941, 1477],
};

/**
 * A real WAV file (8 kHz, 16-bit, mono PCM, like a narrow-band call leg) of the given length:
 * low comfort noise, with the caller's key presses as DTMF tones where they happened, so a
 * recording of a simulated call is an honest file of the call's real duration.
 */
export function renderCallWav(durationMs: number, tones: { atMs: number; digit: string }[]): Buffer {
  const samples = Math.max(1, Math.round((durationMs / 1000) * RATE));
  const pcm = Buffer.alloc(samples * 2);
  for (let off = 0; off < pcm.length; off += NOISE.length) NOISE.copy(pcm, off, 0, Math.min(NOISE.length, pcm.length - off));
  for (const t of tones) {
    const pair = DTMF[t.digit];
    if (!pair) continue;
    const start = Math.round((t.atMs / 1000) * RATE);
    const len = Math.round(0.08 * RATE);
    for (let i = 0; i < len && start + i < samples; i++) {
      const x = (2 * Math.PI * i) / RATE;
      pcm.writeInt16LE(Math.round(6000 * (Math.sin(pair[0] * x) + Math.sin(pair[1] * x))), (start + i) * 2);
    }
  }
  return Buffer.concat([wavHeader(pcm.length), pcm]);
}

function wavHeader(dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(RATE, 24);
  h.writeUInt32LE(RATE * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** Duration of a PCM WAV file in ms (from its fmt and data chunks), or undefined if unreadable. */
export function wavDurationMs(file: string): number | undefined {
  let b: Buffer;
  try {
    b = readFileSync(file);
  } catch {
    return undefined;
  }
  if (b.length < 12 || b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE') return undefined;
  let byteRate = 0;
  for (let off = 12; off + 8 <= b.length; ) {
    const id = b.toString('ascii', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    if (id === 'fmt ') byteRate = b.readUInt32LE(off + 16);
    if (id === 'data' && byteRate > 0) return (Math.min(size, b.length - off - 8) / byteRate) * 1000;
    off += 8 + size + (size % 2);
  }
  return undefined;
}
