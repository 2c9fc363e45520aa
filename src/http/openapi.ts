import { Router } from 'express';
import { z } from 'zod';
import { ERRORS } from '../errors.js';
import { clinicAnswerSchema } from '../pipeline/clinic-answer-json.js';
import { officeMessageSchema, patientSchema } from '../pipeline/office-message-json.js';

/**
 * The EPJ API as an OpenAPI 3.1 document, served at /openapi.json. The request body schema is
 * generated from the same zod schema that validates requests, so the document cannot drift.
 */

const errorBody = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', enum: Object.keys(ERRORS) },
        message: { type: 'string' },
        appRec: { type: 'string' },
        details: { type: 'object' },
        requestId: { type: 'string' },
      },
    },
  },
};

const messageState = {
  type: 'object',
  properties: {
    msgId: { type: 'string' },
    direction: { enum: ['inbound', 'outbound'] },
    service: { type: 'string' },
    action: { type: 'string' },
    state: {
      enum: [
        'received',
        'rejected',
        'delivered',
        'queued',
        'waiting',
        'sent',
        'apprec-ok',
        'apprec-rejected',
        'apprec-partial',
        'apprec-missing',
        'dead-lettered',
      ],
    },
    waitingReason: { type: 'string' },
    nextAttemptAt: { type: 'string', format: 'date-time' },
    appRec: { type: 'object' },
    history: { type: 'array', items: { type: 'object' } },
  },
};

const digitalStatusCheck = {
  type: 'object',
  required: ['checkId', 'state'],
  properties: {
    checkId: { type: 'string' },
    state: { enum: ['pending', 'answered'] },
    digitalUser: { type: 'boolean' },
    requestedAt: { type: 'string', format: 'date-time' },
    answeredAt: { type: 'string', format: 'date-time' },
    answerMsgId: { type: 'string' },
    msgId: { type: 'string' },
  },
};

const error = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

export function openApiDocument(version: string): Record<string, unknown> {
  const { $schema: _drop, ...answerSchema } = z.toJSONSchema(clinicAnswerSchema, { io: 'input' }) as Record<string, unknown>;
  const { $schema: _drop2, ...officeSchema } = z.toJSONSchema(officeMessageSchema, { io: 'input' }) as Record<string, unknown>;
  const { $schema: _drop3, ...patientJsonSchema } = z.toJSONSchema(patientSchema, { io: 'input' }) as Record<string, unknown>;
  return {
    openapi: '3.1.0',
    info: {
      title: 'epj-gateway EPJ API',
      version,
      description:
        "The GP office's EPJ answers Helsenorge citizen requests and follows its messages. Authenticate with the EPJ client's token: Authorization: Bearer <token>. Errors carry a code from docs/errors.md.",
    },
    security: [{ bearer: [] }],
    paths: {
      '/v1/messages': {
        post: {
          summary: 'Send an answer to a citizen request, or a message the office starts',
          description:
            "JSON (one shape per service; inReplyTo names the citizen's MsgId) is built into KITH by the gateway; KITH XML (application/xml) is sent as it is. A JSON body whose action is BekreftTime, EndreTime, AvslutteTime or Henvendelse is a message the office starts (OfficeMessage: Dialog_Innbygger_Timer, to Helsenorge; inReplyTo optional). 202 once the message is in Redis. The same MsgId with the same content answers the first result again.",
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { oneOf: [{ $ref: '#/components/schemas/ClinicAnswer' }, { $ref: '#/components/schemas/OfficeMessage' }] } },
              'application/xml': { schema: { type: 'string', description: 'A complete MsgHead 1.2 document from this clinic' } },
            },
          },
          responses: {
            '202': {
              description: 'Queued',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      msgId: { type: 'string' },
                      service: { type: 'string' },
                      state: { type: 'string' },
                      created: { type: 'boolean' },
                      schemaValidation: { enum: ['official', 'own-rules'] },
                    },
                  },
                },
              },
            },
            '400': error(
              "Field-level errors in details.errors (EPJ_MESSAGE_INVALID), or an answer whose action does not answer the request's recorded action (EPJ_ANSWER_ACTION_MISMATCH; details.allowed names the actions that do); nothing was queued",
            ),
            '401': error('No or wrong token'),
            '404': error('EPJ_REQUEST_UNKNOWN: inReplyTo names no request this clinic holds (or one past REQUEST_RETENTION_DAYS)'),
            '409': error(
              'MSGID_CONFLICT: the MsgId was used for other content; EPJ_REQUEST_ANSWERED: the request was answered by another message (details.answeredBy); CITIZEN_NOT_DIGITAL_USER: onlyIfDigitalUser and the citizen is not a digital user',
            ),
            '413': error('Over the size limit'),
            '503': error(
              'The service is closed by the service gate (reasons in details, Retry-After), Redis is down, or onlyIfDigitalUser got no StatusSvar in time (DIGITAL_STATUS_UNAVAILABLE)',
            ),
          },
        },
      },
      '/v1/digital-status': {
        post: {
          summary: 'Ask Helsenorge whether a citizen is a digital user (Dialog_Innbygger_Digitalbruker: SjekkStatus)',
          description:
            'Sends SjekkStatus about the patient and answers at once with the check id; GET /v1/digital-status/{checkId} gives the StatusSvar when it has come. The StatusSvar is delivered to the EPJ like any message.',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { type: 'object', required: ['patient'], properties: { patient: patientJsonSchema } } } },
          },
          responses: {
            '202': { description: 'Sent', content: { 'application/json': { schema: digitalStatusCheck } } },
            '400': error('The patient is missing or malformed (details.errors)'),
            '503': error('The appointment service is closed by the service gate, or Redis is down'),
          },
        },
      },
      '/v1/digital-status/{checkId}': {
        get: {
          summary: 'The answer to a digital-status check',
          parameters: [{ name: 'checkId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': { description: 'pending, or answered with digitalUser', content: { 'application/json': { schema: digitalStatusCheck } } },
            '404': error('No such check for this clinic (DIGITAL_STATUS_UNKNOWN)'),
          },
        },
      },
      '/v1/messages/{msgId}': {
        get: {
          summary: 'State and history of a message sent or received',
          parameters: [{ name: 'msgId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': { description: 'The message', content: { 'application/json': { schema: messageState } } },
            '404': error('No such message'),
          },
        },
      },
      '/v1/requests': {
        get: {
          summary: "The office's worklist: the clinic's citizen requests not yet answered, oldest first",
          description:
            "A request leaves the list when an answer to it is queued (or REQUEST_RETENTION_DAYS end). overLimit: its age in working days (Monday to Friday) reached its service's limit (REQUEST_AGE_LIMITS); the office is then told once.",
          parameters: [
            { name: 'state', in: 'query', schema: { type: 'string', enum: ['open'], default: 'open' } },
            { name: 'service', in: 'query', schema: { type: 'string', enum: ['appointment', 'prescription-renewal', 'e-consultation', 'office-contact'] } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
          ],
          responses: {
            '200': {
              description: 'The open requests (count: how many are open in all, of the service when given)',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['state', 'count', 'requests'],
                    properties: {
                      state: { const: 'open' },
                      service: { type: 'string' },
                      count: { type: 'integer' },
                      requests: {
                        type: 'array',
                        items: {
                          type: 'object',
                          required: [
                            'msgId',
                            'service',
                            'action',
                            'receivedAt',
                            'ageSeconds',
                            'ageWorkingDays',
                            'limitWorkingDays',
                            'overLimit',
                            'representation',
                          ],
                          properties: {
                            msgId: { type: 'string' },
                            service: { type: 'string', enum: ['appointment', 'prescription-renewal', 'e-consultation', 'office-contact'] },
                            action: { type: 'string', description: 'the citizen action (CPA action), e.g. Foresporsel, OnskeReserver' },
                            receivedAt: { type: 'string', format: 'date-time' },
                            ageSeconds: { type: 'integer' },
                            ageWorkingDays: { type: 'number', description: 'weekday time since it came, in days (two decimals)' },
                            limitWorkingDays: { type: 'integer' },
                            overLimit: { type: 'boolean' },
                            representation: { type: 'boolean', description: "someone acts on the patient's behalf (a parent, a representative)" },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
            '400': error('EPJ_REQUESTS_QUERY_INVALID'),
            '401': error('No or wrong token'),
          },
        },
      },
      '/v1/free-slots': {
        put: {
          summary:
            "Publish the clinic's free appointment slots (replace-all); the gateway answers Helsenorge's HentLedigeTimer from them at once (service bus)",
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['slots'],
                  additionalProperties: false,
                  properties: {
                    slots: {
                      type: 'array',
                      maxItems: 5000,
                      items: {
                        type: 'object',
                        required: ['start', 'end'],
                        additionalProperties: false,
                        properties: {
                          start: { type: 'string', format: 'date-time', description: 'with offset or Z' },
                          end: { type: 'string', format: 'date-time' },
                          practitioner: { type: 'string', maxLength: 100 },
                          kind: { type: 'string', maxLength: 60 },
                        },
                      },
                    },
                  },
                },
              },
              'text/calendar': { schema: { type: 'string', description: 'VEVENTs with DTSTART and DTEND (UTC, or local Norwegian time)' } },
            },
          },
          responses: {
            '200': { description: 'Published: {count, publishedAt}' },
            '400': { description: 'FREE_SLOTS_INVALID: the detail names the slot and field' },
          },
        },
        get: {
          summary: 'The free slots as last published',
          responses: { '200': { description: '{slots, publishedAt} (publishedAt null when none were published)' } },
        },
      },
      '/v1/inbox': {
        get: {
          summary: 'Citizen messages waiting for an EPJ that pulls (EPJ_DELIVERY=pull)',
          parameters: [
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500 } },
          ],
          responses: {
            '200': {
              description: 'A page, oldest first; nextCursor when there may be more',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['items'],
                    properties: {
                      items: {
                        type: 'array',
                        items: {
                          type: 'object',
                          required: ['msgId', 'service', 'xml', 'receiverHerId', 'receivedAt', 'cursor'],
                          properties: {
                            msgId: { type: 'string' },
                            service: { type: 'string', enum: ['appointment', 'prescription-renewal', 'e-consultation', 'office-contact'] },
                            action: { type: 'string', description: 'the citizen action (CPA action), e.g. Foresporsel, OnskeReserver' },
                            xml: { type: 'string', description: 'the received MsgHead document' },
                            senderHerId: { type: 'integer' },
                            receiverHerId: { type: 'integer' },
                            receivedAt: { type: 'string', format: 'date-time' },
                            representation: {
                              type: 'object',
                              description: 'who acts for whom, when the request carries a patient relation (docs/representation.md)',
                              properties: {
                                capacity: { type: 'string', enum: ['parent', 'guardian', 'proxy', 'assigned-proxy', 'unknown'] },
                                relation: { type: 'object', properties: { code: { type: 'string' }, name: { type: 'string' } } },
                                actor: {
                                  type: 'object',
                                  properties: {
                                    nationalId: { type: 'string' },
                                    idType: { type: 'string' },
                                    familyName: { type: 'string' },
                                    givenName: { type: 'string' },
                                  },
                                },
                                actingFor: {
                                  type: 'object',
                                  properties: { nationalId: { type: 'string' }, idType: { type: 'string' }, ageAtRequest: { type: 'integer' } },
                                },
                                summary: { type: 'string' },
                              },
                            },
                            cursor: { type: 'string' },
                          },
                        },
                      },
                      nextCursor: { type: 'string' },
                    },
                  },
                },
              },
            },
          },
        },
      },
      '/v1/inbox/{msgId}/ack': {
        post: {
          summary: 'Acknowledge a pulled message (idempotent)',
          parameters: [{ name: 'msgId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'Acknowledged' } },
        },
      },
      '/healthz': { get: { security: [], summary: 'The process answers', responses: { '200': { description: 'Alive' } } } },
      '/readyz': {
        get: {
          security: [],
          summary: 'Redis reachable and the gate not closed',
          responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready' } },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { ClinicAnswer: answerSchema, OfficeMessage: officeSchema, Error: errorBody },
    },
  };
}

export function openApiRouter(version: string): Router {
  const document = openApiDocument(version);
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  return router;
}
