import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { parseIntakeRules, type IntakeRulesConfig } from '../core/rules/rules-config.js';
import { ConfigError } from './load.js';

/** The rules file shipped with the gateway, used when rules.file is empty. */
export const DEFAULT_RULES_FILE = fileURLToPath(new URL('../../config/intake-rules.yaml', import.meta.url));

/** Reads and checks the intake rules file; a mistake throws ConfigError naming the file and key. */
export function loadIntakeRules(file: string = DEFAULT_RULES_FILE): IntakeRulesConfig {
  const path = file || DEFAULT_RULES_FILE;
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`intake rules file ${path}: ${(err as Error).message}`);
  }
  const parsed = parseIntakeRules(doc);
  if (!parsed.ok) throw new ConfigError(`intake rules file ${path} is invalid: ${parsed.problems.join('; ')}`);
  return parsed.rules;
}
