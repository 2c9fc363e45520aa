import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { XmlDocument, XmlElement, XmlValidateError, XmlXPath, XsdValidator, xmlRegisterInputProvider, type ErrorDetail } from 'libxml2-wasm';
import { GatewayError } from '../errors.js';
import { finding, type Finding } from './findings.js';
import { NS, SCHEMA_FILES } from './namespaces.js';
import { cleanLibxmlMessage } from './xml-input.js';

/**
 * The official schemas, compiled once per directory and kept for the life of the process. Only
 * files inside a loaded schema directory can be read while compiling (the import statements
 * between the official files); nothing else on disk or on the network is reachable.
 */

const schemaFiles = new Map<string, Uint8Array>();
const openFiles = new Map<number, { bytes: Uint8Array; pos: number }>();
let nextFd = 1;
let providerRegistered = false;

function registerProvider(): void {
  if (providerRegistered) return;
  providerRegistered = true;
  xmlRegisterInputProvider({
    match: (name) => schemaFiles.has(name),
    open: (name) => {
      const bytes = schemaFiles.get(name);
      if (!bytes) return undefined;
      const fd = nextFd++;
      openFiles.set(fd, { bytes, pos: 0 });
      return fd;
    },
    read: (fd, buf) => {
      const f = openFiles.get(fd);
      if (!f) return -1;
      const n = Math.min(buf.byteLength, f.bytes.byteLength - f.pos);
      buf.set(f.bytes.subarray(f.pos, f.pos + n));
      f.pos += n;
      return n;
    },
    close: (fd) => openFiles.delete(fd),
  });
}

export interface SchemaSet {
  readonly dir: string;
  /** The namespaces this set has a compiled validator for. */
  readonly namespaces: readonly string[];
  validatorFor(namespace: string): XsdValidator | undefined;
  dispose(): void;
}

const cache = new Map<string, SchemaSet>();

function compile(dir: string, file: string): XsdValidator {
  const full = path.join(dir, file);
  const doc = XmlDocument.fromBuffer(schemaFiles.get(full)!, { url: full });
  try {
    return XsdValidator.fromDoc(doc);
  } finally {
    doc.dispose();
  }
}

/**
 * Loads (once per directory) the official schema files found in `dir`. MsgHead-v1_2.xsd must be
 * there; any other file of SCHEMA_FILES that is missing leaves its namespace unvalidated.
 */
export function loadSchemaSet(dir: string): SchemaSet {
  const key = path.resolve(dir);
  const cached = cache.get(key);
  if (cached) return cached;
  if (!existsSync(path.join(key, SCHEMA_FILES[NS.msgHead]!))) {
    throw new GatewayError('KITH_SCHEMA_DIR_INVALID', `${SCHEMA_FILES[NS.msgHead]} not found in ${key}.`);
  }
  registerProvider();
  for (const f of readdirSync(key)) if (f.endsWith('.xsd')) schemaFiles.set(path.join(key, f), readFileSync(path.join(key, f)));
  const validators = new Map<string, XsdValidator>();
  try {
    for (const [ns, file] of Object.entries(SCHEMA_FILES)) {
      if (schemaFiles.has(path.join(key, file))) validators.set(ns, compile(key, file));
    }
  } catch (err) {
    for (const v of validators.values()) v.dispose();
    const detail = err instanceof Error ? cleanLibxmlMessage(err.message.split('\n')[0] ?? '') : '';
    throw new GatewayError('KITH_SCHEMA_DIR_INVALID', detail, { dir: key }, { cause: err });
  }
  const set: SchemaSet = {
    dir: key,
    namespaces: [...validators.keys()],
    validatorFor: (ns) => validators.get(ns),
    dispose: () => {
      for (const v of validators.values()) v.dispose();
      validators.clear();
      cache.delete(key);
    },
  };
  cache.set(key, set);
  return set;
}

export interface SchemaResult {
  readonly findings: Finding[];
  /** Namespaces of embedded documents no official schema was available for. */
  readonly unvalidated: string[];
}

function toFindings(err: unknown, part: Finding['part']): Finding[] {
  const details: ErrorDetail[] = err instanceof XmlValidateError ? err.details : [];
  if (details.length === 0) return [finding('KITH_SCHEMA_INVALID', 'The schema validator refused the document.', { part, layer: 'official' })];
  return details
    .filter((d) => d.level >= 2)
    .map((d) => finding('KITH_SCHEMA_INVALID', redactValues(cleanLibxmlMessage(d.message)), { part, layer: 'official', ...(d.line ? { line: d.line } : {}) }));
}

/**
 * libxml2 quotes offending values ("'…' is not a valid value of …"); they may be patient data, so
 * only quoted element, attribute, type and facet names are kept.
 */
export function redactValues(message: string): string {
  return message.replace(/(\b(?:Element|element|attribute|type|facet)\s)?'[^']*'/g, (m, named: string | undefined) => (named ? m : "'(withheld)'"));
}

/**
 * Validates a parsed message by namespace: each embedded document (MsgHead Document/RefDoc/Content
 * child) against its own schema, then the envelope with those documents taken out, since the
 * envelope's strict wildcard would otherwise demand a schema for every embedded namespace.
 * Mutates `xml`: use it on a document parsed for this purpose only.
 */
export function validateWithSchemas(xml: XmlDocument, set: SchemaSet, partOf: (index: number, ns: string) => Finding['part']): SchemaResult {
  const root = xml.root;
  const rootValidator = set.validatorFor(root.namespaceUri);
  if (!rootValidator) return { findings: [], unvalidated: [root.namespaceUri] };
  const findings: Finding[] = [];
  const unvalidated: string[] = [];
  if (root.namespaceUri === NS.msgHead) {
    for (const node of xml.find(embeddedRoots())) {
      if (!(node instanceof XmlElement)) continue;
      const ns = node.namespaceUri;
      const v = set.validatorFor(ns);
      if (!v) {
        if (!unvalidated.includes(ns)) unvalidated.push(ns);
      } else {
        try {
          v.validate(node);
        } catch (err) {
          findings.push(...toFindings(err, partOf(documentIndex(node), ns)));
        }
      }
      node.remove();
    }
  }
  try {
    rootValidator.validate(xml);
  } catch (err) {
    findings.unshift(...toFindings(err, 'envelope'));
  }
  return { findings, unvalidated };
}

let compiledEmbedded: XmlXPath | undefined;
function embeddedRoots(): XmlXPath {
  compiledEmbedded ??= XmlXPath.compile('/mh:MsgHead/mh:Document/mh:RefDoc/mh:Content/*', { mh: NS.msgHead });
  return compiledEmbedded;
}

/** The 0-based position of the Document that holds an embedded root. */
function documentIndex(node: XmlElement): number {
  const doc = node.parent?.parent?.parent;
  if (!doc) return 0;
  let i = 0;
  for (let p = doc.prev; p; p = p.prev) if (p instanceof XmlElement && p.name === 'Document') i++;
  return i;
}
