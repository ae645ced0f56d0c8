import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { durationSec, type RecordingMetadata } from '../core/calls/call-record.js';

/** The sha256 of a file, streamed (recordings are checksummed for the archives, art. 17). */
export function sha256Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => h.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/**
 * Size and sha256 of a call recording once the switch has finished writing it — `finished`
 * resolves with the file's path — or, after `waitMs` without word, of the planned `path`; an error
 * text when there is no file (kept in the metadata, so a gap is visible, never silent).
 */
export async function recordingChecksum(
  path: string,
  finished: Promise<string | undefined>,
  waitMs: number,
): Promise<{ path: string; bytes: number; sha256: string } | { error: string }> {
  let timer: NodeJS.Timeout | undefined;
  const written = await Promise.race([finished, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), waitMs).unref()))]);
  clearTimeout(timer);
  const file = written ?? path;
  try {
    const [st, sha256] = await Promise.all([stat(file), sha256Of(file)]);
    return { path: file, bytes: st.size, sha256 };
  } catch (err) {
    return { error: `recording file missing: ${(err as Error).message}` };
  }
}

/**
 * Completes a call recording's metadata once the call is over (every kind of call: the IVR's,
 * callback attempts, survey calls): the size and sha256 of the file the switch wrote, the end
 * time and the duration. Answers the gap when the file is missing (also kept as `error`); a
 * recording that never started keeps its own error and is not looked for.
 */
export async function completeRecording(
  rec: RecordingMetadata,
  finished: Promise<string | undefined>,
  endTime: string,
  waitMs: number,
): Promise<string | undefined> {
  let missing: string | undefined;
  if (!rec.error) {
    const file = await recordingChecksum(rec.path, finished, waitMs);
    if ('error' in file) missing = rec.error = file.error;
    else {
      rec.bytes = file.bytes;
      rec.sha256 = file.sha256;
    }
  }
  rec.endTime = endTime;
  rec.durationSec = durationSec(rec.startTime, endTime);
  return missing;
}
