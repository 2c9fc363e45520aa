import { GatewayError } from '../errors.js';
import type {
  CodedValue,
  CommunicationParty,
  CommunicationPartyType,
  ElectronicAddress,
  Organization,
  OrganizationPerson,
  RegisterCertificate,
  RegisteredService,
} from '../ports/address-register.js';
import { pemFromDer } from './certificate-pem.js';
import { NS, isNil, kid, kids, readSoapXml, textAt, xsiType, type SoapEl } from './soap-xml.js';

/**
 * The four operations of nhn-adresseregisteret-sok.wsdl the gateway uses, as SOAP 1.1 messages of
 * its BasicHttpBinding (document/literal, elementFormDefault qualified): the request envelope, the
 * SOAPAction, and readers from the answer to the port's types. Elements of the data contracts sit
 * in the namespace of the schema that declares them: CommunicationParty's own fields in
 * …/CommunicationParty, those of Code, Period and ElectronicAddress in …/Common, CertificateDetails'
 * in …/CertificateDetails.
 */

export const AR_OPERATIONS = [
  'GetCommunicationPartyDetails',
  'GetOrganizationDetails',
  'GetCertificateDetailsForEncryption',
  'GetCertificateDetailsForValidatingSignature',
] as const;
export type ArOperation = (typeof AR_OPERATIONS)[number];

export function soapActionOf(operation: ArOperation): string {
  return `${NS.party}/ICommunicationPartyService/${operation}`;
}

/** Every operation the gateway uses takes one xs:int herId. */
export function requestEnvelope(operation: ArOperation, herId: string): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<s:Envelope xmlns:s="${NS.soap11}"><s:Body>` +
    `<${operation} xmlns="${NS.party}"><herId>${Number(herId)}</herId></${operation}>` +
    '</s:Body></s:Envelope>'
  );
}

/** The register's answer to a HER-id it does not know (GenericFault/ErrorCode). */
export const UNKNOWN_HER_ID_FAULT = 'InvalidHerIdSupplied';

const PARTY_TYPES: readonly CommunicationPartyType[] = ['None', 'Person', 'Organization', 'Service', 'All'];

function invalid(operation: string, what: string): GatewayError {
  return new GatewayError('AR_RESPONSE_INVALID', `(${operation}: ${what})`, { operation });
}

function bool(el: SoapEl, name: string): boolean {
  return textAt(el, NS.party, name) === 'true';
}

/** xs:int fields the service writes as 0 when it has no value. */
function intId(el: SoapEl, name: string): string | undefined {
  const v = textAt(el, NS.party, name);
  return v === undefined || v === '0' ? undefined : v;
}

function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function readCode(el: SoapEl | undefined): CodedValue | undefined {
  const value = textAt(el, NS.common, 'CodeValue');
  return value === undefined ? undefined : strip({ value, text: textAt(el, NS.common, 'CodeText') });
}

function readAddresses(el: SoapEl): ElectronicAddress[] {
  return kids(kid(el, NS.party, 'ElectronicAddresses'), NS.common, 'ElectronicAddress').flatMap((a) => {
    const address = textAt(a, NS.common, 'Address');
    const type = textAt(a, NS.common, 'TypeCodeValue') ?? readCode(kid(a, NS.common, 'Type'))?.value;
    return address && type ? [{ type, address }] : [];
  });
}

function readParty(el: SoapEl, operation: string): CommunicationParty {
  const herId = intId(el, 'HerId');
  if (!herId || !/^\d+$/.test(herId)) throw invalid(operation, 'no HerId');
  const typeToken = (textAt(el, NS.party, 'Type') ?? xsiType(el) ?? 'None').split(/\s+/)[0] as CommunicationPartyType;
  const validEl = kid(el, NS.party, 'Valid');
  const valid = validEl && !isNil(validEl) ? strip({ from: textAt(validEl, NS.common, 'From'), to: textAt(validEl, NS.common, 'To') }) : undefined;
  return strip({
    herId,
    name: textAt(el, NS.party, 'Name') ?? textAt(el, NS.party, 'DisplayName') ?? '',
    displayName: textAt(el, NS.party, 'DisplayName'),
    type: PARTY_TYPES.includes(typeToken) ? typeToken : 'None',
    active: bool(el, 'Active'),
    isValid: bool(el, 'IsValidCommunicationParty'),
    valid,
    parentHerId: intId(el, 'ParentHerId'),
    parentName: textAt(el, NS.party, 'ParentName'),
    parentOrganizationNumber: intId(el, 'ParentOrganizationNumber'),
    electronicAddresses: readAddresses(el),
    lastChanged: textAt(el, NS.party, 'LastChanged'),
  });
}

function readPerson(el: SoapEl, operation: string): OrganizationPerson {
  const p = readParty(el, operation);
  return strip({ herId: p.herId, name: p.name, title: textAt(el, NS.party, 'Title'), active: p.active });
}

function readService(el: SoapEl, operation: string): RegisteredService {
  const p = readParty(el, operation);
  return strip({ herId: p.herId, name: p.name, code: readCode(kid(el, NS.party, 'Code')), active: p.active });
}

/** Body's one child, or the fault it carries as a typed error. */
export function readBody(xml: string, operation: ArOperation): SoapEl {
  let envelope: SoapEl;
  try {
    envelope = readSoapXml(xml);
  } catch (err) {
    throw invalid(operation, `not XML (${(err as Error).message})`);
  }
  const soapNs = envelope.ns;
  if (envelope.name !== 'Envelope' || (soapNs !== NS.soap11 && soapNs !== NS.soap12)) throw invalid(operation, 'not a SOAP envelope');
  const body = kid(envelope, soapNs, 'Body');
  const content = body?.children[0];
  if (!content) throw invalid(operation, 'an empty SOAP Body');
  if (content.ns === soapNs && content.name === 'Fault') throw faultError(content, soapNs, operation);
  return content;
}

/** The operation's Result element (undefined when nil or absent). */
function resultOf(body: SoapEl, operation: ArOperation): SoapEl | undefined {
  if (body.ns !== NS.party || body.name !== `${operation}Response`) throw invalid(operation, `expected ${operation}Response, got ${body.name}`);
  const result = kid(body, NS.party, `${operation}Result`);
  return result && !isNil(result) ? result : undefined;
}

export function readCommunicationPartyAnswer(xml: string): CommunicationParty {
  const op = 'GetCommunicationPartyDetails';
  const result = resultOf(readBody(xml, op), op);
  if (!result) throw invalid(op, 'no result');
  return readParty(result, op);
}

export function readOrganizationAnswer(xml: string): Organization {
  const op = 'GetOrganizationDetails';
  const result = resultOf(readBody(xml, op), op);
  if (!result) throw invalid(op, 'no result');
  const declared = xsiType(result);
  if (declared !== undefined && declared !== 'Organization') throw new GatewayError('AR_NOT_AN_ORGANIZATION', `(the register answered a ${declared})`);
  const party = readParty(result, op);
  const orgNumber = intId(result, 'OrganizationNumber');
  return strip({
    ...party,
    organizationNumber: orgNumber,
    people: kids(kid(result, NS.party, 'People'), NS.party, 'OrganizationPerson')
      .filter((p) => !isNil(p))
      .map((p) => readPerson(p, op)),
    services: kids(kid(result, NS.party, 'Services'), NS.party, 'Service')
      .filter((s) => !isNil(s))
      .map((s) => readService(s, op)),
  });
}

export function readCertificateAnswer(
  xml: string,
  operation: 'GetCertificateDetailsForEncryption' | 'GetCertificateDetailsForValidatingSignature',
): RegisterCertificate | undefined {
  const result = resultOf(readBody(xml, operation), operation);
  const b64 = textAt(result, NS.certificate, 'Certificate');
  if (!b64) return undefined;
  const der = Buffer.from(b64.replace(/\s+/g, ''), 'base64');
  if (der.length === 0 || der[0] !== 0x30) throw invalid(operation, 'a Certificate that is not DER');
  return strip({ pem: pemFromDer(der), ldapUrl: textAt(result, NS.certificate, 'LdapUrl') });
}

function faultError(fault: SoapEl, soapNs: string, operation: ArOperation): GatewayError {
  const is12 = soapNs === NS.soap12;
  const faultCode = is12 ? textAt(kid(fault, NS.soap12, 'Code'), NS.soap12, 'Value') : textAt(fault, '', 'faultcode');
  const faultText = is12 ? textAt(kid(fault, NS.soap12, 'Reason'), NS.soap12, 'Text') : textAt(fault, '', 'faultstring');
  const detail = is12 ? kid(fault, NS.soap12, 'Detail') : kid(fault, '', 'detail');
  const generic = kid(detail, NS.common, 'GenericFault');
  const validation = kid(detail, NS.common, 'ValidationFault');
  const errorCode = textAt(generic, NS.common, 'ErrorCode');
  const validationErrors = kids(kid(validation, NS.common, 'Errors'), NS.common, 'ValidationError')
    .map((e) => textAt(e, NS.common, 'Message'))
    .filter((m): m is string => m !== undefined);
  const details = strip({ operation, faultCode, faultText, errorCode, validationErrors: validationErrors.length ? validationErrors : undefined });
  if (errorCode === UNKNOWN_HER_ID_FAULT) return new GatewayError('AR_HER_ID_UNKNOWN', undefined, details);
  const words = textAt(generic, NS.common, 'Message') ?? faultText ?? '';
  if (!generic && !validation && /(^|:)(Server|Receiver)$/.test(faultCode ?? '')) return new GatewayError('AR_SERVER_FAULT', `(${words})`, details);
  return new GatewayError('AR_FAULT', `(${[errorCode, words].filter(Boolean).join(': ')})`, details);
}
