import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CommunicationParty } from '../../src/ports/address-register.js';
import { derFromPem } from '../../src/registry/certificate-pem.js';
import { certificateOf, organizationOf, partyOf, type StandInEntry } from './register-entries.js';

/**
 * The stand-in's answers in the shape rest-client.ts reads: the SOAP contract's fields in camelCase,
 * certificates as base64 DER. Any bearer token is accepted, or a DPoP-bound one with its proof (as
 * NHN's API takes HelseID tokens); a request without one gets 401.
 */

function partyJson(p: CommunicationParty): Record<string, unknown> {
  return {
    herId: Number(p.herId),
    name: p.name,
    displayName: p.displayName ?? p.name,
    type: p.type,
    active: p.active,
    isValidCommunicationParty: p.isValid,
    valid: p.valid ?? null,
    parentHerId: p.parentHerId ? Number(p.parentHerId) : 0,
    parentName: p.parentName ?? null,
    parentOrganizationNumber: p.parentOrganizationNumber ? Number(p.parentOrganizationNumber) : 0,
    electronicAddresses: p.electronicAddresses.map((a) => ({ typeCodeValue: a.type, address: a.address })),
  };
}

export function entryJson(entry: StandInEntry): Record<string, unknown> {
  if (entry.type !== 'Organization') return { ...partyJson(partyOf(entry)), ...(entry.title ? { title: entry.title } : {}) };
  const org = organizationOf(entry);
  const member = (m: { herId: string; name: string; active: boolean }) => ({
    herId: Number(m.herId),
    name: m.name,
    active: m.active,
    isValidCommunicationParty: m.active,
  });
  return {
    ...partyJson(org),
    organizationNumber: org.organizationNumber ? Number(org.organizationNumber) : 0,
    people: org.people.map((p) => ({ ...member(p), type: 'Person', title: p.title ?? null })),
    services: org.services.map((s) => ({ ...member(s), type: 'Service', code: s.code ? { codeValue: s.code.value, codeText: s.code.text ?? null } : null })),
  };
}

function send(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export async function restAnswer(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  lookup: (herId: string) => StandInEntry | undefined,
  baseDir: string,
): Promise<void> {
  const authorization = req.headers.authorization ?? '';
  const bound = /^DPoP \S+/.test(authorization) && typeof req.headers.dpop === 'string';
  if (!/^Bearer \S+/.test(authorization) && !bound) return send(res, 401, { error: 'a bearer token (or a DPoP-bound token with its proof) is required' });
  const party = /^\/api\/v1\/communicationparty\/(\d{1,9})$/.exec(pathname);
  const cert = /^\/api\/v1\/certificate\/(\d{1,9})\/(signing|encryption)$/.exec(pathname);
  const herId = party?.[1] ?? cert?.[1];
  if (!herId) return send(res, 404, { error: 'no such API resource' });
  const entry = lookup(String(Number(herId)));
  if (!entry) return send(res, 404, { errorCode: 'HerIdNotFound', message: `HerId ${herId} not found.` });
  if (party) return send(res, 200, entryJson(entry));
  const certificate = certificateOf(entry, cert![2] as 'signing' | 'encryption', baseDir);
  return send(
    res,
    200,
    certificate ? { certificate: derFromPem(certificate.pem).toString('base64'), ldapUrl: certificate.ldapUrl ?? null } : { certificate: null, ldapUrl: null },
  );
}
