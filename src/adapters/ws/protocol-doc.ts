import { z } from 'zod';
import { PERMISSIONS, ROLE_TEXT, type Role } from '../../core/auth/roles.js';
import { clientFrames, serverFrames } from './protocol.js';

// The README's table of the desk protocol, generated from the zod schemas so the two cannot
// drift (`npm run desk-protocol` prints it; test/unit/desk-protocol.test.ts compares).

type Js = {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  oneOf?: Js[];
  anyOf?: Js[];
  properties?: Record<string, Js>;
  required?: string[];
  additionalProperties?: Js | boolean;
  items?: Js;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
};

function shape(js: Js): string {
  if (js.const !== undefined) return JSON.stringify(js.const);
  if (js.enum) return js.enum.map((e) => JSON.stringify(e)).join(' \\| ');
  const alts = js.oneOf ?? js.anyOf;
  if (alts) return alts.map(shape).join(' \\| ');
  switch (js.type) {
    case 'string': {
      const len =
        js.minLength !== undefined || js.maxLength !== undefined
          ? ` ${js.minLength ?? 0}–${js.maxLength ?? '∞'}`
          : '';
      return js.pattern ? `string /${js.pattern.replace(/\|/g, '\\|')}/` : `string${len}`;
    }
    case 'array':
      if (!js.items) return 'unknown[]';
      return js.items.enum || js.items.oneOf ? `(${shape(js.items)})[]` : `${shape(js.items)}[]`;
    case 'object':
      if (js.properties) return `{${fields(js, [])}}`;
      if (js.additionalProperties && typeof js.additionalProperties === 'object')
        return `{[key: string]: ${shape(js.additionalProperties)}}`;
      return 'object';
    case undefined:
      return 'any';
    default:
      return js.type;
  }
}

function fields(js: Js, skip: string[]): string {
  const required = new Set(js.required ?? []);
  return Object.entries(js.properties ?? {})
    .filter(([k]) => !skip.includes(k))
    .map(([k, v]) => `${k}${required.has(k) ? '' : '?'}: ${shape(v)}`)
    .join(', ');
}

const jsonSchema = (s: z.ZodType) => z.toJSONSchema(s, { unrepresentable: 'any' }) as Js;

function who(type: string, permission: keyof typeof PERMISSIONS | undefined): string {
  if (type === 'auth') return '任何连接（认证前后）';
  if (!permission) return '任何已认证用户';
  return (PERMISSIONS[permission] as readonly Role[]).map((r) => `${ROLE_TEXT[r]} (${r})`).join(', ');
}

export function deskProtocolMarkdown(): string {
  const lines = [
    'Client → server (every frame also carries `v: 1` and may carry `id`, a string of 1–64 characters echoed in the reply):',
    '',
    '| type | who may send it | fields | meaning |',
    '|---|---|---|---|',
  ];
  for (const [type, spec] of Object.entries(clientFrames)) {
    const f = fields(jsonSchema(spec.schema), ['v', 'type', 'id']);
    lines.push(`| \`${type}\` | ${who(type, spec.permission)} | ${f ? `\`${f}\`` : '—'} | ${spec.doc} |`);
  }
  lines.push(
    '',
    "Server → client (every frame carries `v: 1`; replies carry the request's `id`):",
    '',
    '| type | fields | meaning |',
    '|---|---|---|',
  );
  for (const [type, spec] of Object.entries(serverFrames)) {
    const f = fields(jsonSchema(spec.schema), ['v', 'type']);
    lines.push(`| \`${type}\` | ${f ? `\`${f}\`` : '—'} | ${spec.doc} |`);
  }
  return lines.join('\n') + '\n';
}
