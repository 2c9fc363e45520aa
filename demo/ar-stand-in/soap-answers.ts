import { XMLBuilder } from 'fast-xml-parser';
import type {
  CodedValue,
  CommunicationParty,
  ElectronicAddress,
  OrganizationPerson,
  RegisterCertificate,
  RegisteredService,
} from '../../src/ports/address-register.js';
import { derFromPem } from '../../src/registry/certificate-pem.js';
import { NS } from '../../src/registry/soap-xml.js';
import type { ArOperation } from '../../src/registry/soap-messages.js';
import { organizationOf, partyOf, type StandInEntry } from './register-entries.js';

/**
 * SOAP 1.1 answers as NHN's WCF service writes them: the response element in the
 * CommunicationParty namespace as default, Common's fields under `a:`, CertificateDetails' under
 * `b:`, derived contracts marked with `i:type`, and every field in the WSDL's sequence order.
 */

type Xml = Record<string, unknown>;

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: true, suppressBooleanAttributes: false });
const NIL = { '@_i:nil': 'true' };

function envelope(body: Xml): string {
  return `<?xml version="1.0" encoding="utf-8"?>${builder.build({ 's:Envelope': { '@_xmlns:s': NS.soap11, 's:Body': body } })}`;
}

function code(c: CodedValue | undefined): Xml {
  if (!c) return NIL;
  return { 'a:Active': 'true', 'a:CodeText': c.text ?? NIL, 'a:CodeValue': c.value, 'a:OID': '0', 'a:SimpleType': NIL };
}

function addresses(list: ElectronicAddress[]): Xml {
  return {
    'a:ElectronicAddress': list.map((a) => ({
      'a:Address': a.address,
      'a:Inherited': 'false',
      'a:LastChanged': '2025-01-01T00:00:00',
      'a:Type': code({ value: a.type }),
      'a:TypeCodeValue': a.type,
    })),
  };
}

/** CommunicationParty's own sequence, Active … Valid. */
function partyFields(p: CommunicationParty): Xml {
  return {
    Active: String(p.active),
    CoverageAreaType: NIL,
    DisplayName: p.displayName ?? p.name,
    ElectronicAddresses: addresses(p.electronicAddresses),
    FutureElectronicAddresses: {},
    HerId: p.herId,
    IsValidCommunicationParty: String(p.isValid),
    LastChanged: '2025-01-01T00:00:00',
    Municipality: NIL,
    Name: p.name,
    ParentBusinessType: NIL,
    ParentHerId: p.parentHerId ?? '0',
    ParentName: p.parentName ?? NIL,
    ParentOrganizationNumber: p.parentOrganizationNumber ?? '0',
    PhysicalAddresses: {},
    ServerTime: new Date().toISOString(),
    Type: p.type,
    Valid: p.valid ? { ...(p.valid.from ? { 'a:From': p.valid.from } : {}), ...(p.valid.to ? { 'a:To': p.valid.to } : {}) } : NIL,
  };
}

function personFields(party: CommunicationParty, title: string | undefined): Xml {
  return { ...partyFields(party), Organizations: NIL, Person: NIL, Properties: {}, Title: title ?? NIL };
}

function serviceFields(party: CommunicationParty, serviceCode: CodedValue | undefined): Xml {
  return { ...partyFields(party), Code: code(serviceCode), CoverageAreas: {}, Description: NIL, LocationDescription: NIL, Properties: {} };
}

/** A person or service listed inside an organisation: a party of its own under the organisation. */
function member(m: OrganizationPerson | RegisteredService, type: 'Person' | 'Service', parent: CommunicationParty): CommunicationParty {
  return {
    herId: m.herId,
    name: m.name,
    type,
    active: m.active,
    isValid: m.active,
    parentHerId: parent.herId,
    parentName: parent.name,
    electronicAddresses: [],
  };
}

/** The entry as its derived data contract: Organization, OrganizationPerson or Service. */
function partyContract(entry: StandInEntry): { type: string; fields: Xml } {
  if (entry.type === 'Organization') {
    const org = organizationOf(entry);
    return {
      type: 'Organization',
      fields: {
        ...partyFields(org),
        BusinessType: NIL,
        IndustryCodes: {},
        OrganizationNumber: org.organizationNumber ?? '0',
        People: { OrganizationPerson: org.people.map((p) => ({ '@_i:type': 'OrganizationPerson', ...personFields(member(p, 'Person', org), p.title) })) },
        Properties: {},
        Services: { Service: org.services.map((s) => ({ '@_i:type': 'Service', ...serviceFields(member(s, 'Service', org), s.code) })) },
      },
    };
  }
  const party = partyOf(entry);
  if (entry.type === 'Person') return { type: 'OrganizationPerson', fields: personFields(party, entry.title) };
  if (entry.type === 'Service') return { type: 'Service', fields: serviceFields(party, entry.code) };
  return { type: 'CommunicationParty', fields: partyFields(party) };
}

function response(operation: ArOperation, result: Xml): string {
  return envelope({
    [`${operation}Response`]: {
      '@_xmlns': NS.party,
      [`${operation}Result`]: { '@_xmlns:a': NS.common, '@_xmlns:i': NS.xsi, ...result },
    },
  });
}

export function partyAnswer(operation: 'GetCommunicationPartyDetails' | 'GetOrganizationDetails', entry: StandInEntry): string {
  const { type, fields } = partyContract(entry);
  return response(operation, { '@_i:type': type, ...fields });
}

export function certificateAnswer(operation: ArOperation, certificate: RegisterCertificate | undefined): string {
  if (!certificate) return response(operation, { '@_xmlns:b': NS.certificate, 'b:Certificate': NIL, 'b:LdapUrl': NIL });
  return response(operation, {
    '@_xmlns:b': NS.certificate,
    'b:Certificate': derFromPem(certificate.pem).toString('base64'),
    'b:LdapUrl': certificate.ldapUrl ?? NIL,
  });
}

/** A fault the way WCF writes a declared FaultContract: faultcode s:Client, the GenericFault in detail. */
export function genericFault(errorCode: string, message: string, faultCode = 's:Client'): string {
  return envelope({
    's:Fault': {
      faultcode: faultCode,
      faultstring: { '#text': message, '@_xml:lang': 'en-US' },
      detail: { GenericFault: { '@_xmlns': NS.common, '@_xmlns:i': NS.xsi, ErrorCode: errorCode, Message: message } },
    },
  });
}

/** A fault without a contract (an unknown action, a request that cannot be read). */
export function plainFault(faultCode: string, message: string): string {
  return envelope({ 's:Fault': { faultcode: faultCode, faultstring: { '#text': message, '@_xml:lang': 'en-US' } } });
}
