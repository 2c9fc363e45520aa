import axios, { AxiosError, type AxiosInstance } from 'axios';
import { GatewayError } from '../errors.js';
import type { AddressRegister, CommunicationParty, CommunicationPartyType, HerId, Organization, RegisterCertificate } from '../ports/address-register.js';
import { pemFromDer } from './certificate-pem.js';

/**
 * NHN's REST communication-party API, the second adapter of the port: `GET
 * /api/v1/communicationparty/{herId}` and `GET /api/v1/certificate/{herId}/signing|encryption`,
 * with a HelseID access token (scope nhn:communicationparty/read) from the supplier given. Its JSON
 * carries the SOAP contract's fields in camelCase; the certificate is base64 DER. One endpoint
 * answers both party and organisation lookups.
 */

export const REST_SCOPE = 'nhn:communicationparty/read';

export interface RestRegisterOptions {
  baseUrl: string;
  /** a current access token for REST_SCOPE (HelseID, adapters/transport/helseid.ts) */
  accessToken: () => Promise<string>;
  timeoutMs: number;
  /** when given, the token is DPoP-bound: `Authorization: DPoP <token>` and a proof per request (HelseID's DpopKey fits) */
  dpop?: { proof(request: { method: string; url: string; accessToken: string }): string };
}

const TYPES: readonly string[] = ['None', 'Person', 'Organization', 'Service', 'All'];
const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;

/**
 * The JSON is NHN's, so every field is checked for the type the contract gives it before it goes
 * into the cache: a field of another type is AR_RESPONSE_INVALID, never a TypeError further on.
 */
function invalid(what: string): GatewayError {
  return new GatewayError('AR_RESPONSE_INVALID', `(communicationparty: ${what})`);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function text(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`${field} is not text`);
  return v;
}

function id(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if ((typeof v !== 'number' && typeof v !== 'string') || !/^\d{1,15}$/.test(String(v))) throw invalid(`${field} is not a number`);
  return /^0+$/.test(String(v)) ? undefined : String(v);
}

function list(v: unknown, field: string): Record<string, unknown>[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every(isRecord)) throw invalid(`${field} is not a list of objects`);
  return v;
}

function toParty(j: unknown): CommunicationParty {
  if (!isRecord(j)) throw invalid('a party is not an object');
  const herId = id(j.herId, 'herId');
  if (!herId) throw invalid('no herId');
  const valid = j.valid === undefined || j.valid === null ? undefined : isRecord(j.valid) ? j.valid : undefined;
  if ((j.valid !== undefined && j.valid !== null && !valid) || (j.active !== undefined && typeof j.active !== 'boolean'))
    throw invalid('valid or active of the wrong type');
  const type = text(j.type, 'type');
  const displayName = text(j.displayName, 'displayName');
  return defined({
    herId,
    name: text(j.name, 'name') ?? displayName ?? '',
    displayName,
    type: (TYPES.includes(type ?? '') ? type : 'None') as CommunicationPartyType,
    active: j.active === true,
    isValid: j.isValidCommunicationParty === true,
    valid: valid ? defined({ from: text(valid.from, 'valid.from'), to: text(valid.to, 'valid.to') }) : undefined,
    parentHerId: id(j.parentHerId, 'parentHerId'),
    parentName: text(j.parentName, 'parentName'),
    parentOrganizationNumber: id(j.parentOrganizationNumber, 'parentOrganizationNumber'),
    electronicAddresses: list(j.electronicAddresses, 'electronicAddresses').flatMap((a) => {
      const type = text(a.typeCodeValue, 'electronicAddresses.typeCodeValue');
      const address = text(a.address, 'electronicAddresses.address');
      return type && address ? [{ type, address }] : [];
    }),
  });
}

export class RestAddressRegister implements AddressRegister {
  private readonly http: AxiosInstance;

  constructor(private readonly options: RestRegisterOptions) {
    this.http = axios.create({ baseURL: options.baseUrl.replace(/\/+$/, ''), timeout: options.timeoutMs, validateStatus: () => true, maxRedirects: 0 });
  }

  private async get<T>(path: string, herId: HerId): Promise<T | undefined> {
    if (!/^\d{1,10}$/.test(herId)) throw new GatewayError('AR_HER_ID_UNKNOWN', `(${JSON.stringify(herId)} is not a HER-id)`);
    const token = await this.options.accessToken();
    let res;
    try {
      const url = `${this.http.defaults.baseURL}${path}`;
      const auth = this.options.dpop
        ? { Authorization: `DPoP ${token}`, DPoP: this.options.dpop.proof({ method: 'GET', url, accessToken: token }) }
        : { Authorization: `Bearer ${token}` };
      res = await this.http.get<T>(path, { headers: { ...auth, Accept: 'application/json' } });
    } catch (err) {
      const reason = err instanceof AxiosError ? (err.code ?? err.message) : String(err);
      throw new GatewayError('AR_UNREACHABLE', `(${path}: ${reason})`, { operation: path }, { cause: err });
    }
    const details = { operation: path, httpStatus: res.status };
    if (res.status === 404) throw new GatewayError('AR_HER_ID_UNKNOWN', `(${herId})`, details);
    if (res.status === 401 || res.status === 403) throw new GatewayError('AR_AUTH_REFUSED', `(HTTP ${res.status})`, details);
    if (res.status >= 500 || res.status === 429) throw new GatewayError('AR_SERVER_FAULT', `(HTTP ${res.status})`, details);
    if (res.status === 204) return undefined;
    if (res.status !== 200 || typeof res.data !== 'object' || res.data === null)
      throw new GatewayError('AR_RESPONSE_INVALID', `(${path}: HTTP ${res.status})`, details);
    return res.data;
  }

  private async party(herId: HerId): Promise<Record<string, unknown>> {
    const j = await this.get<Record<string, unknown>>(`/api/v1/communicationparty/${herId}`, herId);
    if (!j) throw new GatewayError('AR_RESPONSE_INVALID', '(communicationparty: an empty answer)');
    return j;
  }

  async getCommunicationPartyDetails(herId: HerId): Promise<CommunicationParty> {
    return toParty(await this.party(herId));
  }

  async getOrganizationDetails(herId: HerId): Promise<Organization> {
    const j = await this.party(herId);
    if (j.type !== 'Organization')
      throw new GatewayError('AR_NOT_AN_ORGANIZATION', `(the register answered a ${typeof j.type === 'string' ? j.type : 'party of no type'})`);
    return defined({
      ...toParty(j),
      organizationNumber: id(j.organizationNumber, 'organizationNumber'),
      people: list(j.people, 'people').map((p) => {
        const party = toParty(p);
        return defined({ herId: party.herId, name: party.name, title: text(p.title, 'people.title'), active: party.active });
      }),
      services: list(j.services, 'services').map((s) => {
        const party = toParty(s);
        if (s.code !== undefined && s.code !== null && !isRecord(s.code)) throw invalid('services.code is not an object');
        const code = s.code ? { value: text(s.code.codeValue, 'services.code.codeValue'), text: text(s.code.codeText, 'services.code.codeText') } : undefined;
        return defined({
          herId: party.herId,
          name: party.name,
          code: code?.value ? defined({ value: code.value, text: code.text }) : undefined,
          active: party.active,
        });
      }),
    });
  }

  private async certificate(herId: HerId, use: 'signing' | 'encryption'): Promise<RegisterCertificate | undefined> {
    const j = await this.get<Record<string, unknown>>(`/api/v1/certificate/${herId}/${use}`, herId);
    if (!j?.certificate) return undefined;
    if (typeof j.certificate !== 'string' || (j.ldapUrl !== undefined && j.ldapUrl !== null && typeof j.ldapUrl !== 'string'))
      throw new GatewayError('AR_RESPONSE_INVALID', `(certificate/${use}: certificate or ldapUrl is not text)`);
    const der = Buffer.from(j.certificate, 'base64');
    if (der[0] !== 0x30) throw new GatewayError('AR_RESPONSE_INVALID', `(certificate/${use}: not base64 DER)`);
    return defined({ pem: pemFromDer(der), ldapUrl: j.ldapUrl ?? undefined });
  }

  getCertificateForEncryption(herId: HerId): Promise<RegisterCertificate | undefined> {
    return this.certificate(herId, 'encryption');
  }

  getCertificateForValidatingSignature(herId: HerId): Promise<RegisterCertificate | undefined> {
    return this.certificate(herId, 'signing');
  }
}
