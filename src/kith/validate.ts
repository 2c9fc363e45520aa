import type { ServiceId } from '../domain/services.js';
import { KithInputError, finding, type Finding } from './findings.js';
import { herIdsOf, type KithDocument } from './model.js';
import { NS, SCHEMA_FILES } from './namespaces.js';
import { withParsedMessage } from './parse.js';
import { checkAppRec } from './rules/apprec.js';
import { checkMsgHead } from './rules/msghead.js';
import { validateWithSchemas, type SchemaSet } from './schema-set.js';

export interface ValidateOptions {
  /** KITH_MAX_BYTES; default 20 MB. */
  readonly maxBytes?: number;
  /** The official schemas (loadSchemaSet(KITH_SCHEMA_DIR)); without them only the own rules run. */
  readonly schemas?: SchemaSet;
  /** False in production (GATEWAY_MODE=production): synthetic national ids are refused. */
  readonly allowSyntheticIds: boolean;
  /** When given, a MsgHead whose receiver carries none of these HER-ids gets E21. */
  readonly ownHerIds?: readonly string[];
}

/** The result a person or a test reads: the `validate --json` contract. Never patient data. */
export interface ValidationReport {
  readonly ok: boolean;
  readonly document: 'MsgHead' | 'AppRec' | null;
  readonly version: string | null;
  readonly msgType: string | null;
  readonly service: ServiceId | null;
  readonly action: string | null;
  readonly msgId: string | null;
  readonly senderHerIds: readonly string[];
  readonly receiverHerIds: readonly string[];
  readonly patientIdType: string | null;
  readonly schemaValidation: 'official' | 'own-rules';
  readonly unvalidated: readonly string[];
  readonly errors: readonly { readonly code: string; readonly message: string; readonly line?: number }[];
}

export interface ValidationResult {
  readonly report: ValidationReport;
  readonly findings: readonly Finding[];
  /** The parsed message; absent when the input could not be read as XML. */
  readonly message?: KithDocument;
}

function ownRules(msg: KithDocument, opts: ValidateOptions): Finding[] {
  if (msg.document === 'MsgHead') {
    const out = checkMsgHead(msg, { allowSyntheticIds: opts.allowSyntheticIds });
    if (opts.ownHerIds && !herIdsOf(msg.receiver).some((id) => opts.ownHerIds!.includes(id))) {
      out.push(finding('KITH_RECEIVER_UNKNOWN', 'No receiver HER-id is one of this clinic.', { part: 'envelope' }));
    }
    return out;
  }
  if (msg.document === 'AppRec') return checkAppRec(msg);
  return [finding('KITH_UNSUPPORTED_TYPE', `The root element ${msg.root.name} is neither MsgHead 1.2 nor AppRec 1.0/1.1.`, { line: msg.root.line })];
}

/** Namespaces of embedded documents that no official schema covers. */
function unvalidatedOf(msg: KithDocument, schemas: SchemaSet | undefined): string[] {
  if (msg.document !== 'MsgHead') return [];
  const known = schemas ? new Set(schemas.namespaces) : new Set(Object.keys(SCHEMA_FILES));
  const out: string[] = [];
  for (const d of msg.documents) if (d.namespace !== undefined && !known.has(d.namespace) && !out.includes(d.namespace)) out.push(d.namespace);
  return out;
}

type Identity = Omit<ValidationReport, 'ok' | 'schemaValidation' | 'unvalidated' | 'errors'>;

const NO_IDENTITY: Identity = {
  document: null,
  version: null,
  msgType: null,
  service: null,
  action: null,
  msgId: null,
  senderHerIds: [],
  receiverHerIds: [],
  patientIdType: null,
};

function identityOf(msg: KithDocument | undefined): Identity {
  if (msg?.document === 'MsgHead') {
    const nationalId = msg.patient?.ids.find((i) => i.type === 'FNR' || i.type === 'DNR' || i.type === 'HNR');
    return {
      document: 'MsgHead',
      version: msg.version,
      msgType: msg.msgType ?? null,
      service: msg.service ?? null,
      action: msg.action ?? null,
      msgId: msg.msgId ?? null,
      senderHerIds: herIdsOf(msg.sender),
      receiverHerIds: herIdsOf(msg.receiver),
      patientIdType: nationalId?.type ?? null,
    };
  }
  if (msg?.document === 'AppRec') {
    return {
      ...NO_IDENTITY,
      document: 'AppRec',
      version: msg.version,
      msgType: msg.msgType ?? null,
      msgId: msg.id ?? null,
      senderHerIds: msg.senderHerIds,
      receiverHerIds: msg.receiverHerIds,
    };
  }
  return NO_IDENTITY;
}

function reportOf(msg: KithDocument | undefined, findings: readonly Finding[], unvalidated: string[], schemas: SchemaSet | undefined): ValidationReport {
  return {
    ok: findings.length === 0,
    ...identityOf(msg),
    schemaValidation: schemas ? 'official' : 'own-rules',
    unvalidated,
    errors: findings.map((f) => ({ code: f.code, message: f.message, ...(f.line ? { line: f.line } : {}) })),
  };
}

/** Attachment faults stay attachment faults in the schema layer too. */
function partOf(msg: KithDocument): (index: number, ns: string) => Finding['part'] {
  return (index, ns) => {
    if (msg.document !== 'MsgHead') return 'document';
    return msg.documents[index]?.kind === 'dialogmelding' || ns === NS.xcal ? 'document' : 'attachment';
  };
}

/**
 * Judges one document on its own: readable XML, own rules, and (when `schemas` is given) the
 * official schemas, envelope and each embedded document by namespace. Never throws for bad input.
 */
export function validateDocument(source: string | Uint8Array, opts: ValidateOptions): ValidationResult {
  try {
    return withParsedMessage(source, opts, ({ message, xml }) => {
      const findings = ownRules(message, opts);
      let unvalidated = unvalidatedOf(message, opts.schemas);
      if (opts.schemas && message.document !== 'unknown') {
        const official = validateWithSchemas(xml, opts.schemas, partOf(message));
        findings.push(...official.findings);
        unvalidated = official.unvalidated;
      }
      return { report: reportOf(message, findings, unvalidated, opts.schemas), findings, message };
    });
  } catch (err) {
    const f = err instanceof KithInputError ? err.finding : finding('INTERNAL', 'The message could not be read.', { layer: 'input' });
    return { report: reportOf(undefined, [f], [], opts.schemas), findings: [f] };
  }
}
