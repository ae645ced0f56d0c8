import { PROMPT_ROLES, type IvrFlow, type PromptRole } from '../../src/core/ivr/flow.js';

/** The flow of config/ivr.yaml as data, with media named by role (tests read what was played). */
export function testFlow(overrides: Partial<IvrFlow> = {}): IvrFlow {
  return {
    keys: { '9': 'emergency', '1': 'enterprise', '2': 'progress', '3': 'counselling', '4': 'callback' },
    media: Object.fromEntries(PROMPT_ROLES.map((r) => [r, r])) as Record<PromptRole, string>,
    statusMedia: { ACCEPTED: 'statusAccepted', DONE: 'statusDone' },
    statusUnknownMedia: 'statusUnknown',
    queues: { general: 'general', enterprise: 'enterprise', counselling: 'counselling' },
    emergency: { select: { '1': '110', '2': '119', '3': '120', '4': '122' }, selectTimeoutMs: 4000, defaultLine: '110' },
    progress: { minDigits: 6, maxDigits: 15, timeoutMs: 8000, interDigitTimeoutMs: 4000 },
    ...overrides,
  };
}
