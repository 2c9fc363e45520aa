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

interface PartyJson {
  herId?: number | string;
  name?: string;
  displayName?: string;
  type?: string;
  active?: boolean;
  isValidCommunicationParty?: boolean;
  valid?: { from?: string; to?: string } | null;
  parentHerId?: number | string | null;
  parentName?: string | null;
  parentOrganizationNumber?: number | string | null;
  electronicAddresses?: { typeCodeValue?: string; address?: string }[] | null;
  organizationNumber?: number | string | null;
  people?: PartyJson[] | null;
  services?: (PartyJson & { code?: { codeValue?: string; codeText?: string } | null })[] | null;
  title?: string | null;
}

const TYPES: readonly string[] = ['None', 'Person', 'Organization', 'Service', 'All'];
const id = (v: number | string | null | undefined) => (v === undefined || v === null || String(v) === '0' ? undefined : String(v));
const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;

function toParty(j: PartyJson): CommunicationParty {
  const herId = id(j.herId);
  if (!herId || !/^\d+$/.test(herId)) throw new GatewayError('AR_RESPONSE_INVALID', '(communicationparty: no herId)');
  return defined({
    herId,
    name: j.name ?? j.displayName ?? '',
    displayName: j.displayName,
    type: (TYPES.includes(j.type ?? '') ? j.type : 'None') as CommunicationPartyType,
    active: j.active === true,
    isValid: j.isValidCommunicationParty === true,
    valid: j.valid ? defined({ from: j.valid.from, to: j.valid.to }) : undefined,
    parentHerId: id(j.parentHerId),
    parentName: j.parentName ?? undefined,
    parentOrganizationNumber: id(j.parentOrganizationNumber),
    electronicAddresses: (j.electronicAddresses ?? []).flatMap((a) => (a.typeCodeValue && a.address ? [{ type: a.typeCodeValue, address: a.address }] : [])),
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

  private async party(herId: HerId): Promise<PartyJson> {
    const j = await this.get<PartyJson>(`/api/v1/communicationparty/${herId}`, herId);
    if (!j) throw new GatewayError('AR_RESPONSE_INVALID', '(communicationparty: an empty answer)');
    return j;
  }

  async getCommunicationPartyDetails(herId: HerId): Promise<CommunicationParty> {
    return toParty(await this.party(herId));
  }

  async getOrganizationDetails(herId: HerId): Promise<Organization> {
    const j = await this.party(herId);
    if (j.type !== 'Organization') throw new GatewayError('AR_NOT_AN_ORGANIZATION', `(the register answered a ${j.type ?? 'party of no type'})`);
    return defined({
      ...toParty(j),
      organizationNumber: id(j.organizationNumber),
      people: (j.people ?? []).map((p) => {
        const party = toParty(p);
        return defined({ herId: party.herId, name: party.name, title: p.title ?? undefined, active: party.active });
      }),
      services: (j.services ?? []).map((s) => {
        const party = toParty(s);
        const code = s.code?.codeValue ? defined({ value: s.code.codeValue, text: s.code.codeText }) : undefined;
        return defined({ herId: party.herId, name: party.name, code, active: party.active });
      }),
    });
  }

  private async certificate(herId: HerId, use: 'signing' | 'encryption'): Promise<RegisterCertificate | undefined> {
    const j = await this.get<{ certificate?: string | null; ldapUrl?: string | null }>(`/api/v1/certificate/${herId}/${use}`, herId);
    if (!j?.certificate) return undefined;
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
