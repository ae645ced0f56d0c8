import { describe, expect, it } from 'vitest';
import { buildIvrConfig, type IvrConfigFile } from '../../src/config/ivr.js';
import { PROMPT_ROLES } from '../../src/core/ivr/flow.js';

function file(overrides: Partial<IvrConfigFile> = {}): IvrConfigFile {
  return {
    keys: { '9': 'emergency', '2': 'progress' },
    queues: { general: 'general', enterprise: 'enterprise', counselling: 'counselling' },
    emergency: {
      trunk: 'emergency',
      numbers: { '110': '110', '119': '119', '120': '120', '122': '122' },
      select: { '1': '110' },
      selectTimeoutMs: 4000,
      defaultLine: '110',
    },
    progress: { minDigits: 6, maxDigits: 15, timeoutMs: 8000, interDigitTimeoutMs: 4000, queryDeadlineMs: 3000 },
    prompts: Object.fromEntries([...PROMPT_ROLES, 'statusUnknown'].map((r) => [r, { text: '提示', file: '' }])),
    statusPrompts: {},
    statusUnknownPrompt: 'statusUnknown',
    ...overrides,
  };
}

describe('IVR file checks beyond the schema', () => {
  it('accepts a complete file and maps each role to its prompt', () => {
    const c = buildIvrConfig(file());
    expect(c.flow.media.welcome).toBe('welcome');
    expect(c.emergency.numbers['120']).toBe('120');
  });

  it.each([
    [{ keys: { '2': 'progress' } }, /one key must be the emergency key/],
    [{ keys: { '9': 'emergency', '1': 'progress', '2': 'progress' } }, /keys: progress is on more than one key/],
    [{ statusPrompts: { DONE: 'statusDone' } }, /statusPrompts\.DONE: no prompt statusDone/],
    [{ prompts: { welcome: { text: '你好', file: '' } } }, /prompts\.restricted: missing/],
    [{ progress: { minDigits: 9, maxDigits: 6, timeoutMs: 1, interDigitTimeoutMs: 1, queryDeadlineMs: 1 } }, /progress\.minDigits/],
  ] as [Partial<IvrConfigFile>, RegExp][])('refuses %j', (overrides, message) => {
    expect(() => buildIvrConfig(file(overrides))).toThrow(message);
  });
});
