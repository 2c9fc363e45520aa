import { X509Certificate } from 'node:crypto';
import type { ClinicCmsCertificates } from './citizen-cms.js';

/**
 * The clinics one simulator plays NHN and Helsenorge for: each with its HER-ids, its HelseID client
 * and the certificates Helsenorge would find for it in the address register.
 */

type CertificateInput = X509Certificate | string | Buffer;

/** A clinic as the simulator's options take it; certificates as X509Certificate or PEM. */
export interface SimulatorClinic {
  herId: number;
  /** its HelseID client, registered with `signingCert` for `herId` and `subHerIds` */
  clientId: string;
  signingCert: CertificateInput;
  /** what the citizen side encrypts to (needed with `protection`) */
  encryptionCert?: CertificateInput;
  /** the HER-ids of its GPs and services, which its client may read for too */
  subHerIds?: number[];
  /** the receiver's organisation name and number written into documents readdressed to it */
  name?: string;
  orgNumber?: string;
}

/** A clinic as the simulator serves it. */
export interface ServedClinic {
  herId: number;
  subHerIds: number[];
  /** absent for a clinic of the single-clinic options, whose clients come from `clients` */
  clientId?: string;
  name?: string;
  orgNumber?: string;
  certificates: Partial<ClinicCmsCertificates>;
}

/** What `GET /simulator` tells about a clinic: no certificates, only who it is. */
export interface ClinicInfo {
  herId: number;
  subHerIds: number[];
  clientId: string | null;
  name: string | null;
}

export function certificateOf(input: CertificateInput): X509Certificate {
  return input instanceof X509Certificate ? input : new X509Certificate(input);
}

export function servedClinic(clinic: SimulatorClinic): ServedClinic {
  return {
    herId: clinic.herId,
    subHerIds: [...(clinic.subHerIds ?? [])],
    clientId: clinic.clientId,
    ...(clinic.name ? { name: clinic.name } : {}),
    ...(clinic.orgNumber ? { orgNumber: clinic.orgNumber } : {}),
    certificates: {
      signing: certificateOf(clinic.signingCert),
      ...(clinic.encryptionCert ? { encryption: certificateOf(clinic.encryptionCert) } : {}),
    },
  };
}

export function clinicInfo(clinic: ServedClinic): ClinicInfo {
  return { herId: clinic.herId, subHerIds: [...clinic.subHerIds], clientId: clinic.clientId ?? null, name: clinic.name ?? null };
}

/** The clinics in the order given; the first is where a citizen message goes when no clinic is named. */
export class ClinicDirectory {
  readonly list: readonly ServedClinic[];

  constructor(clinics: readonly ServedClinic[]) {
    if (clinics.length === 0) throw new Error('the simulator needs at least one clinic');
    const seen = new Set<number>();
    for (const c of clinics)
      for (const h of [c.herId, ...c.subHerIds]) {
        if (seen.has(h)) throw new Error(`HER-id ${h} is given to two clinics in the simulator's options`);
        seen.add(h);
      }
    this.list = clinics;
  }

  get first(): ServedClinic {
    return this.list[0]!;
  }

  /** The clinic whose own HER-id this is. */
  byHerId(herId: number): ServedClinic | undefined {
    return this.list.find((c) => c.herId === herId);
  }

  /** The clinic this HER-id belongs to: its own, or one of its GPs' and services'. */
  owning(herId: number): ServedClinic | undefined {
    return this.list.find((c) => c.herId === herId || c.subHerIds.includes(herId));
  }
}
