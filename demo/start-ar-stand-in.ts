import type { Config } from '../src/config.js';
import type { Logger } from '../src/logging.js';
import { startArStandIn, type ArStandIn } from './ar-stand-in/stand-in-server.js';

/** The register stand-in as the demo runs it, when AR_URL is unset; undefined otherwise. Close it on shutdown. */
export async function startDemoStandIn(config: Pick<Config, 'AR_URL' | 'AR_STAND_IN_PORT'>, logger?: Logger): Promise<ArStandIn | undefined> {
  if (config.AR_URL) return undefined;
  const standIn = await startArStandIn({ port: config.AR_STAND_IN_PORT });
  logger?.info({ url: standIn.url }, 'address register: the demo stand-in answers (AR_URL is unset)');
  return standIn;
}

/** The stand-in's addresses as the register adapter takes them. */
export function standInAddress(standIn: Pick<ArStandIn, 'url' | 'baseUrl'>): { soapUrl: string; restUrl: string } {
  return { soapUrl: standIn.url, restUrl: standIn.baseUrl };
}
