import { readFileSync } from 'node:fs';

/** The product's version, from package.json: shown in the OpenAPI document and sent to NHN. */
export const PRODUCT_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
