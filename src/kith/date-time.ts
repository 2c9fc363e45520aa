/** xs:dateTime without milliseconds, in UTC: how every message the gateway writes dates itself. */
export function kithDateTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
