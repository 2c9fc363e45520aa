/**
 * The address register (Adresseregisteret, AR) as the gateway needs it: who a communication party
 * is, the organisation behind it, and the certificates it publishes. Two adapters implement this
 * port: NHN's SOAP web service (registry/soap-client.ts) and its REST communication-party API
 * (registry/rest-client.ts). Values are plain data so the cache can keep them in Redis as JSON.
 *
 * A HER-id the register does not know is an error (AR_HER_ID_UNKNOWN), not an empty answer: every
 * caller has to decide what an unknown party means for it.
 */

/** HER-ids are xs:int in the register; kept as text like every other identifier in the gateway. */
export type HerId = string;

/** CommunicationPartyType of the WSDL. */
export type CommunicationPartyType = 'None' | 'Person' | 'Organization' | 'Service' | 'All';

export interface Period {
  from?: string;
  to?: string;
}

export interface CodedValue {
  value: string;
  text?: string;
}

/** An electronic address: TypeCodeValue (E_EDI, E_SB, E_PH, …) and the address itself. */
export interface ElectronicAddress {
  type: string;
  address: string;
}

export interface CommunicationParty {
  herId: HerId;
  name: string;
  displayName?: string;
  type: CommunicationPartyType;
  /** Active: the entry is in use */
  active: boolean;
  /** IsValidCommunicationParty: the register considers the party able to exchange messages */
  isValid: boolean;
  /** the period the entry is valid in, when the register gives one */
  valid?: Period;
  parentHerId?: HerId;
  parentName?: string;
  parentOrganizationNumber?: string;
  electronicAddresses: ElectronicAddress[];
  lastChanged?: string;
}

/** A person of the organisation (OrganizationPerson): the clinic's contact persons. */
export interface OrganizationPerson {
  herId: HerId;
  name: string;
  title?: string;
  active: boolean;
}

/** A service the organisation offers (Service), identified by its code. */
export interface RegisteredService {
  herId: HerId;
  name: string;
  code?: CodedValue;
  active: boolean;
}

export interface Organization extends CommunicationParty {
  /** Enhetsregisteret number; undefined when the register has none */
  organizationNumber?: string;
  people: OrganizationPerson[];
  services: RegisteredService[];
}

/** CertificateDetails: the certificate itself (PEM, from the DER the register sends) and its LDAP URL. */
export interface RegisterCertificate {
  pem: string;
  ldapUrl?: string;
}

export type CertificateUse = 'encryption' | 'signing';

export interface AddressRegister {
  getCommunicationPartyDetails(herId: HerId): Promise<CommunicationParty>;
  /** The WSDL asks by HER-id (GetOrganizationDetails(herId)), not by organisation number. */
  getOrganizationDetails(herId: HerId): Promise<Organization>;
  /** undefined when the party publishes no such certificate */
  getCertificateForEncryption(herId: HerId): Promise<RegisterCertificate | undefined>;
  getCertificateForValidatingSignature(herId: HerId): Promise<RegisterCertificate | undefined>;
}
