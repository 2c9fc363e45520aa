import { CHECKED_CODE_LISTS, codeListNumber } from '../../domain/codes.js';
import type { ErrorCode } from '../../errors.js';
import { finding, type Finding } from '../findings.js';
import { isValidMsgId } from '../../domain/identifiers.js';
import { attrOf, child, textOf, type XmlEl } from '../xml-tree.js';

/** What every own rule may be told. */
export interface RuleOptions {
  /** Accept Skatteetaten's synthetic national ids (GATEWAY_MODE other than production). */
  readonly allowSyntheticIds: boolean;
}

/** Collects the findings of one part of a message, so every rule says where it found a fault. */
export class Findings {
  readonly items: Finding[] = [];
  constructor(private readonly part: Finding['part']) {}

  add(error: ErrorCode, detail: string, el?: XmlEl): void {
    this.items.push(finding(error, detail, { part: this.part, layer: 'own-rules', ...(el ? { line: el.line } : {}) }));
  }

  /** The element is required by the schema; a missing one is T02 in both layers. */
  require(parent: XmlEl | undefined, el: XmlEl | undefined, path: string): el is XmlEl {
    if (el) return true;
    this.add('KITH_SCHEMA_INVALID', `${path} is missing.`, parent);
    return false;
  }

  /** Only the children the schema allows; an unknown one is T02, as the schema layer would say. */
  onlyChildren(el: XmlEl, allowed: ReadonlySet<string>, path: string): void {
    for (const c of el.children) {
      if (!allowed.has(c.name)) this.add('KITH_SCHEMA_INVALID', `${path}/${c.name} is not allowed there.`, c);
    }
  }

  /** At most one of a child the schema allows once. */
  atMostOne(el: XmlEl, name: string, path: string): void {
    let n = 0;
    for (const c of el.children) if (c.name === name && ++n === 2) this.add('KITH_SCHEMA_INVALID', `${path}/${name} occurs more than once.`, c);
  }

  /** GenDate (a dateTime) and the message id: both required, the id also E10 when missing or malformed. */
  genDateAndId(parent: XmlEl, path: string, idName: string): void {
    const gen = child(parent, 'GenDate');
    if (this.require(parent, gen, `${path}/GenDate`)) this.dateTime(gen, textOf(gen), `${path}/GenDate`);
    const idEl = child(parent, idName);
    const id = textOf(idEl);
    if (!idEl) {
      this.require(parent, idEl, `${path}/${idName}`);
      this.add('KITH_MSGID_INVALID', `${path}/${idName} is missing.`, parent);
    } else if (!id || !isValidMsgId(id)) {
      this.add('KITH_MSGID_INVALID', `${path}/${idName} is empty or not an id (letters, digits, - . _ : only, at most 100).`, idEl);
    }
  }

  dateTime(el: XmlEl | undefined, value: string | undefined, path: string): void {
    if (value !== undefined && !isXsDateTime(value)) this.add('KITH_SCHEMA_INVALID', `${path} is not a date and time (YYYY-MM-DDThh:mm:ss).`, el);
  }

  date(el: XmlEl | undefined, value: string | undefined, path: string): void {
    if (value !== undefined && !isXsDate(value)) this.add('KITH_SCHEMA_INVALID', `${path} is not a date (YYYY-MM-DD).`, el);
  }

  /** A coded value from a list known in full must be one of its values. */
  codeValue(el: XmlEl | undefined, path: string): void {
    const s = attrOf(el, 'S');
    const v = attrOf(el, 'V');
    if (!el || s === undefined || v === undefined) return;
    const list = CHECKED_CODE_LISTS[codeListNumber(s)];
    if (list && !Object.hasOwn(list, v)) this.add('KITH_CODE_INVALID', `${path} V is not a value of code list ${codeListNumber(s)}.`, el);
  }
}

const DATE = /^(-?\d{4,})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$/;
const DATE_TIME = /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))?$/;

function validDay(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
  return d <= days;
}

export function isXsDate(v: string): boolean {
  const m = DATE.exec(v);
  return !!m && validDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

export function isXsDateTime(v: string): boolean {
  const m = DATE_TIME.exec(v);
  if (!m || !validDay(Number(m[1]), Number(m[2]), Number(m[3]))) return false;
  const h = Number(m[4]);
  const min = Number(m[5]);
  const sec = Number(m[6]);
  return (h < 24 || (h === 24 && min === 0 && sec === 0)) && min < 60 && sec < 60;
}

/** The KITH TS type: a dateTime, date, gYear, gYearMonth or time. */
export function isKithTimestamp(v: string): boolean {
  return isXsDateTime(v) || isXsDate(v) || /^\d{4}(-\d{2})?(Z|[+-]\d{2}:\d{2})?$/.test(v) || /^\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.test(v);
}
