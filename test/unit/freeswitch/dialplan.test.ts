import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { ENTRY_VARIABLES, entryFromVariables } from '../../../src/adapters/freeswitch/entry.js';

interface Action {
  '@_application': string;
  '@_data'?: string;
}
interface Extension {
  '@_name': string;
  condition: { '@_field': string; '@_expression': string; action?: Action[] }[];
}

const xml = readFileSync(new URL('../../../dialplans/public/00_hotline_12345.xml', import.meta.url), 'utf8');
const doc = new XMLParser({
  ignoreAttributes: false,
  isArray: (name) => ['extension', 'condition', 'action'].includes(name),
}).parse(xml) as {
  include: { extension: Extension[] };
};
const sets = (ext: Extension): Map<string, string> =>
  new Map(
    ext.condition
      .flatMap((c) => c.action ?? [])
      .filter((a) => a['@_application'] === 'set')
      .map((a) => {
        const d = a['@_data'] ?? '';
        return [d.slice(0, d.indexOf('=')), d.slice(d.indexOf('=') + 1)];
      }),
  );

describe('dialplan for 12345', () => {
  const [front, direct] = doc.include.extension;

  it('parks a call from the SIP front with every entry variable the adapter reads, from the X- headers', () => {
    expect(front!['@_name']).toBe('hotline_12345_from_sip_front');
    expect(front!.condition[0]!['@_field']).toContain('hotline_sip_front');
    const vars = sets(front!);
    for (const name of Object.values(ENTRY_VARIABLES)) expect(vars.has(name), name).toBe(true);
    expect(vars.get(ENTRY_VARIABLES.kind)).toBe('${sip_h_X-Hotline-Entry}');
    expect(vars.get(ENTRY_VARIABLES.fromLine)).toBe('${sip_h_X-Hotline-From-Line}');
    expect(vars.get(ENTRY_VARIABLES.admission)).toBe('${sip_h_X-Hotline-Admission}');
    expect(vars.get('recording_follow_transfer')).toBe('true');
    expect(front!.condition.at(-1)!.action!.at(-1)!['@_application']).toBe('park');
  });

  it('treats a call from anywhere else as a citizen, whatever X- headers it carries', () => {
    const vars = sets(direct!);
    expect([...vars.values()].some((v) => v.includes('sip_h_'))).toBe(false);
    expect(
      entryFromVariables((h) =>
        h === `variable_${ENTRY_VARIABLES.kind}` ? vars.get(ENTRY_VARIABLES.kind) : undefined,
      ),
    ).toEqual({ kind: 'citizen' });
    expect(direct!.condition.at(-1)!.action!.at(-1)!['@_application']).toBe('park');
  });

  it('reads an unknown entry kind as other, and no kind at all as a citizen', () => {
    expect(entryFromVariables((h) => (h === 'variable_hotline_entry' ? 'vip' : undefined))).toEqual({
      kind: 'other',
    });
    expect(entryFromVariables(() => undefined)).toEqual({ kind: 'citizen' });
  });

  it('reads the SIP front\'s admission, and ignores an unknown or empty one', () => {
    const entry = (admission: string | undefined) =>
      entryFromVariables((h) => (h === 'variable_hotline_entry' ? 'citizen' : h === 'variable_hotline_admission' ? admission : undefined));
    for (const a of ['normal', 'restricted', 'callback-capture']) expect(entry(a)).toEqual({ kind: 'citizen', admission: a });
    // An unset header expands to nothing in the dialplan; a value we do not know is no admission at all.
    for (const a of ['', undefined, 'vip', 'CALLBACK-CAPTURE']) expect(entry(a)).toEqual({ kind: 'citizen' });
  });
});
