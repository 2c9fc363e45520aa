import { NS } from '../namespaces.js';
import { attrOf, child, children, textOf, type XmlEl } from '../xml-tree.js';
import type { Findings } from './common.js';

/** Own rules for Dialogmelding 1.0 and 1.1: one kind of content, the coded fields filled in. */

const V11 = {
  dialog: new Set(['SakstypeKodet', 'Sakstype', 'Foresporsel', 'Notat']),
  notat: new Set(['TemaKodet', 'Tema', 'TekstNotatInnhold', 'Merknad', 'DokIdNotat', 'DatoNotat', 'Foresporsel', 'RollerRelatertNotat']),
  foresporsel: new Set([
    'TypeForesp',
    'EmneSporsmal',
    'Sporsmal',
    'Formål',
    'Begrunnelse',
    'Hastegrad',
    'FraDato',
    'TilDato',
    'TypeJournalinfo',
    'KodetOpplysning',
    'DokIdForesp',
    'RollerRelatertNotat',
  ]),
};
const V10 = {
  dialog: V11.dialog,
  notat: V11.notat,
  foresporsel: new Set([
    'TypeForesp',
    'Sporsmal',
    'Formål',
    'Begrunnelse',
    'Hastegrad',
    'FraDato',
    'TilDato',
    'TypeJournalinfo',
    'DokIdForesp',
    'RollerRelatertNotat',
  ]),
};

function coded(f: Findings, parent: XmlEl, name: string, path: string): void {
  const el = child(parent, name);
  if (!f.require(parent, el, `${path}/${name}`)) return;
  if (!attrOf(el, 'V')) f.add('KITH_CODE_INVALID', `${path}/${name} has no V (code value).`, el);
  f.codeValue(el, `${path}/${name}`);
}

function checkForesporsel(f: Findings, el: XmlEl, allowed: typeof V11, path: string): void {
  f.onlyChildren(el, allowed.foresporsel, path);
  coded(f, el, 'TypeForesp', path);
  for (const d of ['FraDato', 'TilDato']) f.date(child(el, d), textOf(child(el, d)), `${path}/${d}`);
  const kodet = child(el, 'KodetOpplysning');
  if (kodet) f.codeValue(kodet, `${path}/KodetOpplysning`);
}

export function checkDialogmelding(root: XmlEl, f: Findings): void {
  const allowed = root.ns === NS.dialog10 ? V10 : V11;
  f.onlyChildren(root, allowed.dialog, 'Dialogmelding');
  const requests = children(root, 'Foresporsel');
  const notes = children(root, 'Notat');
  if (requests.length > 0 && notes.length > 0) {
    f.add('KITH_SCHEMA_INVALID', 'Dialogmelding holds both Foresporsel and Notat; it may hold only one kind.', root);
  }
  for (const r of requests) checkForesporsel(f, r, allowed, 'Dialogmelding/Foresporsel');
  for (const n of notes) {
    f.onlyChildren(n, allowed.notat, 'Dialogmelding/Notat');
    coded(f, n, 'TemaKodet', 'Dialogmelding/Notat');
    f.date(child(n, 'DatoNotat'), textOf(child(n, 'DatoNotat')), 'Dialogmelding/Notat/DatoNotat');
    const inner = child(n, 'Foresporsel');
    if (inner) checkForesporsel(f, inner, allowed, 'Dialogmelding/Notat/Foresporsel');
  }
}
