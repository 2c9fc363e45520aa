import axios, { AxiosError, type AxiosInstance } from 'axios';
import { GatewayError, isGatewayError } from '../errors.js';
import type { AddressRegister, CommunicationParty, HerId, Organization, RegisterCertificate } from '../ports/address-register.js';
import {
  readBody,
  readCertificateAnswer,
  readCommunicationPartyAnswer,
  readOrganizationAnswer,
  requestEnvelope,
  soapActionOf,
  type ArOperation,
} from './soap-messages.js';

/**
 * NHN's address register over SOAP 1.1, the WSDL's BasicHttpBinding (…/v1/AR/Basic): basic
 * authentication over HTTPS, no WS-Addressing headers. The WSHttpBinding (SOAP 1.2) needs
 * WS-Addressing and adds nothing the gateway uses.
 */

export interface SoapRegisterOptions {
  url: string;
  username?: string;
  password?: string;
  timeoutMs: number;
}

export class SoapAddressRegister implements AddressRegister {
  private readonly http: AxiosInstance;

  constructor(private readonly options: SoapRegisterOptions) {
    this.http = axios.create({
      timeout: options.timeoutMs,
      // SOAP faults arrive as HTTP 500 with a body to read; statuses are judged below
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: (data: unknown) => data,
      maxContentLength: 10 * 1024 * 1024,
      maxRedirects: 0,
      ...(options.username !== undefined ? { auth: { username: options.username, password: options.password ?? '' } } : {}),
    });
  }

  private async call(operation: ArOperation, herId: HerId): Promise<string> {
    if (!/^\d{1,10}$/.test(herId)) throw new GatewayError('AR_HER_ID_UNKNOWN', `(${JSON.stringify(herId)} is not a HER-id)`);
    let status: number;
    let body: string;
    try {
      const res = await this.http.post<string>(this.options.url, requestEnvelope(operation, herId), {
        headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${soapActionOf(operation)}"` },
      });
      status = res.status;
      body = typeof res.data === 'string' ? res.data : '';
    } catch (err) {
      const reason = err instanceof AxiosError ? (err.code ?? err.message) : String(err);
      throw new GatewayError('AR_UNREACHABLE', `(${operation}: ${reason})`, { operation }, { cause: err });
    }
    if (status === 401 || status === 403) throw new GatewayError('AR_AUTH_REFUSED', `(HTTP ${status})`, { operation, httpStatus: status });
    if (status >= 200 && status < 300) return body;
    // A SOAP fault is judged by its content; anything else by the status alone.
    if (/<([\w.-]+:)?Envelope[\s>]/.test(body)) {
      try {
        readBody(body, operation);
      } catch (err) {
        if (isGatewayError(err) && err.code !== 'AR_RESPONSE_INVALID') throw err;
      }
    }
    if (status >= 500) throw new GatewayError('AR_SERVER_FAULT', `(${operation}: HTTP ${status})`, { operation, httpStatus: status });
    throw new GatewayError('AR_RESPONSE_INVALID', `(${operation}: HTTP ${status})`, { operation, httpStatus: status });
  }

  async getCommunicationPartyDetails(herId: HerId): Promise<CommunicationParty> {
    return readCommunicationPartyAnswer(await this.call('GetCommunicationPartyDetails', herId));
  }

  async getOrganizationDetails(herId: HerId): Promise<Organization> {
    return readOrganizationAnswer(await this.call('GetOrganizationDetails', herId));
  }

  async getCertificateForEncryption(herId: HerId): Promise<RegisterCertificate | undefined> {
    return readCertificateAnswer(await this.call('GetCertificateDetailsForEncryption', herId), 'GetCertificateDetailsForEncryption');
  }

  async getCertificateForValidatingSignature(herId: HerId): Promise<RegisterCertificate | undefined> {
    const op = 'GetCertificateDetailsForValidatingSignature';
    return readCertificateAnswer(await this.call(op, herId), op);
  }
}
