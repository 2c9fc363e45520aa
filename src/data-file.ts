import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { ConfigError } from './config.js';

/**
 * A settings file of plain data (the clinics file, the operators file): read and parsed, every
 * fault a ConfigError naming the setting that points at it.
 */
export function readDataFile(file: string, setting: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(setting, `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseDataText(text, file, setting);
}

/**
 * YAML through the core schema only: plain data, no custom tags (a `!!js/…` or any other tag is
 * refused), no dates made from timestamps. JSON is read by JSON.parse when the name says so.
 */
export function parseDataText(text: string, file: string, setting: string): unknown {
  if (file.toLowerCase().endsWith('.json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new ConfigError(setting, `${file} is not valid JSON: ${(err as Error).message}`);
    }
  }
  try {
    return yaml.load(text, { schema: yaml.CORE_SCHEMA, filename: file });
  } catch (err) {
    const e = err as yaml.YAMLException;
    const where = e.mark ? ` (line ${e.mark.line + 1}, column ${e.mark.column + 1})` : '';
    throw new ConfigError(setting, `${file} is not valid YAML: ${e.reason ?? e.message}${where}`);
  }
}
