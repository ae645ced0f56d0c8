import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deskProtocolMarkdown } from '../../src/adapters/ws/protocol-doc.js';
import { clientFrames, parseClientFrame } from '../../src/adapters/ws/protocol.js';

describe('desk protocol', () => {
  it('the README documents exactly the frames the schemas define (regenerate with npm run desk-protocol)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const m = /<!-- desk-protocol:begin -->\n([\s\S]*?)<!-- desk-protocol:end -->/.exec(readme);
    expect(m, 'README has the desk-protocol markers').toBeTruthy();
    expect(m![1]).toBe(deskProtocolMarkdown());
  });

  it('parses every client frame type with its minimal valid example and refuses prototype keys as types', () => {
    for (const type of Object.keys(clientFrames)) {
      const r = parseClientFrame(JSON.stringify({ v: 1, type }));
      // Frames without required fields parse; the others name their first missing field.
      if (!r.ok) expect(r.problem.field).not.toBe('type');
    }
    for (const type of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const r = parseClientFrame(JSON.stringify({ v: 1, type }));
      expect(r).toMatchObject({ ok: false, problem: { field: 'type' } });
    }
  });
});
