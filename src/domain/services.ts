/**
 * The four Helsenorge citizen services as the CPA describes them: each MsgHead type (code list
 * 8279) belongs to one CPA process, whose actions are sent either by the citizen (through
 * Helsenorge) or by the clinic, and whose AppRec package says which AppRec version answers it.
 */

export const SERVICE_IDS = ['appointment', 'prescription-renewal', 'e-consultation', 'office-contact'] as const;
export type ServiceId = (typeof SERVICE_IDS)[number];

export type AppRecVersion = '1.0' | '1.1';
export type DialogmeldingVersion = '1.0' | '1.1';

/** Who sends an action: the citizen through Helsenorge, or the clinic. */
export type ActionSender = 'citizen' | 'clinic';

export interface ActionDefinition {
  readonly name: string;
  readonly sender: ActionSender;
  /** The actions of the other side this action answers, if any; an action answering nothing starts a conversation. */
  readonly answers?: readonly string[];
  /** True when the payload carries an iCalendar (xCal) part. */
  readonly calendar?: boolean;
}

export interface ProcessDefinition {
  readonly service: ServiceId;
  /** MsgHead/MsgInfo/Type (8279). */
  readonly msgType: string;
  readonly msgTypeText: string;
  readonly process: string;
  readonly processVersion: string;
  readonly dialogmelding: DialogmeldingVersion;
  readonly appRecVersion: AppRecVersion;
  readonly actions: readonly ActionDefinition[];
}

/** The plain dialog: the citizen asks (Foresporsel), the clinic answers (Svar). */
const REQUEST_AND_ANSWER: readonly ActionDefinition[] = [
  { name: 'Foresporsel', sender: 'citizen' },
  { name: 'Svar', sender: 'clinic', answers: ['Foresporsel'] },
];

export const PROCESSES: readonly ProcessDefinition[] = [
  {
    service: 'appointment',
    msgType: 'DIALOG_INNBYGGER_TIMEONSKE',
    msgTypeText: 'Dialog med innbygger - timeønske',
    process: 'Dialog_Innbygger_Timeonske',
    processVersion: '1.2',
    dialogmelding: '1.1',
    appRecVersion: '1.1',
    actions: [
      { name: 'OnskeReserver', sender: 'citizen', calendar: true },
      { name: 'OnskeEndring', sender: 'citizen', calendar: true },
      { name: 'OnskeAvbestill', sender: 'citizen', calendar: true },
      { name: 'SvarOnske', sender: 'clinic', calendar: true, answers: ['OnskeReserver', 'OnskeEndring', 'OnskeAvbestill'] },
    ],
  },
  {
    service: 'appointment',
    msgType: 'DIALOG_INNBYGGER_TIMERESERVASJON',
    msgTypeText: 'Dialog med innbygger - timereservasjon',
    process: 'Dialog_Innbygger_Timereservasjon',
    processVersion: '1.2',
    dialogmelding: '1.1',
    appRecVersion: '1.1',
    actions: [
      { name: 'HentLedigeTimer', sender: 'citizen' },
      { name: 'ReserverAvtale', sender: 'citizen', calendar: true },
      { name: 'AvbestillAvtale', sender: 'citizen', calendar: true },
      { name: 'SvarLedigeTimer', sender: 'clinic', calendar: true, answers: ['HentLedigeTimer'] },
      { name: 'SvarAvtaleReservasjon', sender: 'clinic', calendar: true, answers: ['ReserverAvtale', 'AvbestillAvtale'] },
    ],
  },
  {
    // The office writes first (the matrix's Dialog_Innbygger_Timer 1.1, package_dia_v1.0_ical): it
    // confirms, moves or cancels an appointment, or writes to the citizen; the citizen may answer.
    service: 'appointment',
    msgType: 'DIALOG_INNBYGGER_TIMER',
    msgTypeText: 'Dialog med innbygger om timer',
    process: 'Dialog_Innbygger_Timer',
    processVersion: '1.1',
    dialogmelding: '1.0',
    appRecVersion: '1.0',
    actions: [
      { name: 'BekreftTime', sender: 'clinic', calendar: true },
      { name: 'EndreTime', sender: 'clinic', calendar: true },
      { name: 'AvslutteTime', sender: 'clinic', calendar: true },
      { name: 'Henvendelse', sender: 'clinic' },
      { name: 'SvarHenvendelse', sender: 'citizen', answers: ['Henvendelse'] },
      { name: 'SvarEndring', sender: 'citizen', answers: ['EndreTime'] },
      { name: 'SvarAvslutte', sender: 'citizen', answers: ['AvslutteTime'] },
    ],
  },
  {
    // Before the office writes first it may ask whether the citizen can receive it (a digital user
    // on Helsenorge). Not a citizen service of its own: it goes with the appointment service, whose
    // office-started messages it serves, so it shares that service's gate and queues.
    service: 'appointment',
    msgType: 'DIALOG_INNBYGGER_DIGITALBRUKER',
    msgTypeText: 'Dialog med innbygger - digital bruker',
    process: 'Dialog_Innbygger_Digitalbruker',
    processVersion: '1.1',
    dialogmelding: '1.1',
    appRecVersion: '1.1',
    actions: [
      { name: 'SjekkStatus', sender: 'clinic' },
      { name: 'StatusSvar', sender: 'citizen', answers: ['SjekkStatus'] },
      { name: 'StatusEndring', sender: 'citizen' },
    ],
  },
  {
    service: 'prescription-renewal',
    msgType: 'DIALOG_INNBYGGER_RESEPTFORNYELSE',
    msgTypeText: 'Dialog med innbygger - reseptfornyelse',
    process: 'Dialog_Innbygger_Reseptfornyelse',
    processVersion: '1.2',
    dialogmelding: '1.1',
    appRecVersion: '1.1',
    actions: REQUEST_AND_ANSWER,
  },
  {
    service: 'e-consultation',
    msgType: 'DIALOG_INNBYGGER_EKONSULTASJON',
    msgTypeText: 'Dialog med innbygger - eKonsultasjon',
    process: 'Dialog_Innbygger_Ekonsultasjon',
    processVersion: '1.2',
    dialogmelding: '1.1',
    appRecVersion: '1.1',
    actions: REQUEST_AND_ANSWER,
  },
  {
    service: 'office-contact',
    msgType: 'DIALOG_INNBYGGER_EKONTAKT',
    msgTypeText: 'Dialog med innbygger - eKontakt',
    process: 'Dialog_Innbygger_Ekontakt',
    processVersion: '1.2',
    dialogmelding: '1.1',
    appRecVersion: '1.1',
    actions: REQUEST_AND_ANSWER,
  },
];

const BY_MSG_TYPE = new Map(PROCESSES.map((p) => [p.msgType, p]));

/** A Helsenorge process that supports the dialog rather than being one of the four services. */
export type SupportProcessDefinition = Omit<ProcessDefinition, 'service'>;

/**
 * The communication test (Dialog_Innbygger_Test 1.1, TypeForesp KT in code list 7603): Helsenorge
 * asks, the clinic answers at once. Synchronous on the service bus, where the gateway answers it itself.
 */
export const COMMUNICATION_TEST: SupportProcessDefinition = {
  msgType: 'DIALOG_INNBYGGER_TEST',
  msgTypeText: 'Dialog med innbygger - test',
  process: 'Dialog_Innbygger_Test',
  processVersion: '1.1',
  dialogmelding: '1.1',
  appRecVersion: '1.1',
  actions: REQUEST_AND_ANSWER,
};

/** Every dialog process the gateway can build a message of: the four services and the supporting ones. */
export function dialogProcessForMsgType(msgType: string): SupportProcessDefinition | undefined {
  return BY_MSG_TYPE.get(msgType) ?? (msgType === COMMUNICATION_TEST.msgType ? COMMUNICATION_TEST : undefined);
}

export function processForMsgType(msgType: string): ProcessDefinition | undefined {
  return BY_MSG_TYPE.get(msgType);
}

export function processesOf(service: ServiceId): ProcessDefinition[] {
  return PROCESSES.filter((p) => p.service === service);
}

export function isServiceId(v: string): v is ServiceId {
  return (SERVICE_IDS as readonly string[]).includes(v);
}

export function actionOf(process: ProcessDefinition, name: string): ActionDefinition | undefined {
  return process.actions.find((a) => a.name === name);
}

/** The AppRec version a received message of this type is answered with; 1.1 for types we do not serve. */
export function appRecVersionFor(msgType: string | undefined): AppRecVersion {
  return (msgType && processForMsgType(msgType)?.appRecVersion) || '1.1';
}

/** The actions of `process` that answer `requestAction` (empty: nothing answers it). */
export function answersTo(process: Pick<ProcessDefinition, 'actions'>, requestAction: string): string[] {
  return process.actions.filter((a) => a.answers?.includes(requestAction)).map((a) => a.name);
}

/** Clinic actions that answer nothing: the office starts the conversation (Dialog_Innbygger_Timer, and the digital-status check). */
export function officeStartedActions(): { process: ProcessDefinition; action: ActionDefinition }[] {
  return PROCESSES.flatMap((process) => process.actions.filter((a) => a.sender === 'clinic' && !a.answers).map((action) => ({ process, action })));
}
