import type { DialogmeldingVersion } from '../domain/services.js';
import type { Coded } from './model.js';
import { DIALOG_NS_BY_VERSION } from './namespaces.js';
import { coded, el, txt, type Node } from './xml-write.js';

/** A citizen's request or its copy in an answer. EmneSporsmal and KodetOpplysning exist in 1.1 only. */
export interface ForesporselInput {
  readonly type: Coded;
  readonly subject?: string;
  readonly question?: string;
  readonly codedInfo?: Coded;
}

/** The clinic's answer: a Notat with a theme, the text, and the request it answers. */
export interface NotatInput {
  readonly theme: Coded;
  readonly themeText?: string;
  readonly text?: string;
  /** YYYY-MM-DD. */
  readonly date?: string;
  readonly inReplyTo?: ForesporselInput;
}

function foresporsel(version: DialogmeldingVersion, f: ForesporselInput): Node {
  const v11 = version === '1.1';
  return el(
    'Foresporsel',
    undefined,
    coded('TypeForesp', f.type),
    v11 && txt('EmneSporsmal', f.subject),
    txt('Sporsmal', f.question),
    v11 && f.codedInfo && coded('KodetOpplysning', f.codedInfo),
  );
}

export type DialogContent = { readonly foresporsel: ForesporselInput } | { readonly notat: NotatInput };

/** A Dialogmelding 1.0 or 1.1 root element holding one request or one note. */
export function buildDialogmelding(version: DialogmeldingVersion, content: DialogContent): Node {
  const body =
    'foresporsel' in content
      ? foresporsel(version, content.foresporsel)
      : el(
          'Notat',
          undefined,
          coded('TemaKodet', content.notat.theme),
          txt('Tema', content.notat.themeText),
          txt('TekstNotatInnhold', content.notat.text),
          txt('DatoNotat', content.notat.date),
          content.notat.inReplyTo && foresporsel(version, content.notat.inReplyTo),
        );
  return el('Dialogmelding', { xmlns: DIALOG_NS_BY_VERSION[version] }, body);
}
