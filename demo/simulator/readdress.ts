import type { ClinicDirectory, ServedClinic } from './clinics.js';

/**
 * A citizen document sent to another clinic than its MsgHead receiver names. The fixtures are
 * addressed to the first clinic; sent to clinic 2 unchanged, clinic 2 would rightly answer E21. So
 * when the receiver names one of the simulator's clinics and the message goes to another, the
 * receiver's identifiers become the target's: its HER-id, its GPs' HER-ids by position, its
 * organisation number and name when both clinics have them. A receiver naming no clinic of the
 * simulator (the E21 fixtures) is left as it is, and so is every byte outside the receiver.
 */

const RECEIVER = /<((?:[A-Za-z_][\w.-]*:)?)Receiver(\s[^>]*)?>([\s\S]*?)<\/\1Receiver\s*>/d;

export function readdressed(document: Buffer, to: ServedClinic, clinics: ClinicDirectory): Buffer {
  // latin1 maps every byte to one character and back: the document's own encoding is untouched.
  const text = document.toString('latin1');
  const found = RECEIVER.exec(text);
  if (!found) return document;
  const [, prefix = '', , body = ''] = found;
  const id = new RegExp(`(<${prefix}Id>\\s*)(\\d+)(\\s*</${prefix}Id>)`, 'g');
  const named = [...body.matchAll(id)].map((m) => Number(m[2]));
  const from = clinics.list.find((c) => named.includes(c.herId));
  if (!from || from.herId === to.herId) return document;

  const replacements = new Map<string, string>([[String(from.herId), String(to.herId)]]);
  from.subHerIds.forEach((h, i) => {
    const target = to.subHerIds[i];
    if (target !== undefined) replacements.set(String(h), String(target));
  });
  if (from.orgNumber && to.orgNumber) replacements.set(from.orgNumber, to.orgNumber);
  let rewritten = body.replace(id, (m, open: string, value: string, close: string) => {
    const next = replacements.get(value);
    return next === undefined ? m : `${open}${next}${close}`;
  });
  if (to.name) {
    // the first OrganisationName in the receiver is the clinic's own (units and GPs come after it)
    const name = new RegExp(`(<${prefix}OrganisationName>)[^<]*(</${prefix}OrganisationName>)`);
    rewritten = rewritten.replace(name, (_m, open: string, close: string) => `${open}${asciiXml(to.name!)}${close}`);
  }
  const [start] = found.indices![3]!;
  return Buffer.from(text.slice(0, start) + rewritten + text.slice(start + body.length), 'latin1');
}

/** Text as XML character data in ASCII only, so it reads the same in any declared encoding. */
function asciiXml(value: string): string {
  return [...value]
    .map((ch) => {
      if (ch === '&') return '&amp;';
      if (ch === '<') return '&lt;';
      if (ch === '>') return '&gt;';
      const code = ch.codePointAt(0)!;
      return code > 126 ? `&#${code};` : ch;
    })
    .join('');
}
