import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { isGatewayError } from '../../../src/errors.js';
import {
  AR_OPERATIONS,
  readCertificateAnswer,
  readCommunicationPartyAnswer,
  readOrganizationAnswer,
  requestEnvelope,
  soapActionOf,
} from '../../../src/registry/soap-messages.js';
import { readSoapXml, NS } from '../../../src/registry/soap-xml.js';
import { needsShared, STANDARDS_DIR } from '../../helpers/shared.js';

// An answer written the way WCF writes the WSDL's data contracts, with prefixes of its own choosing:
// Organization as a derived type of CommunicationPartyDetails' declared CommunicationParty.
const ORGANIZATION_ANSWER = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
  <s:Body>
    <GetOrganizationDetailsResponse xmlns="http://register.nhn.no/CommunicationParty">
      <GetOrganizationDetailsResult xmlns:a="http://register.nhn.no/Common" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
        <Active>true</Active>
        <CoverageAreaType i:nil="true"/>
        <DisplayName>Fjordvik legekontor AS</DisplayName>
        <ElectronicAddresses>
          <a:ElectronicAddress>
            <a:Address>fjordvik@edi.test</a:Address><a:Inherited>false</a:Inherited>
            <a:LastChanged>2024-03-01T10:00:00</a:LastChanged>
            <a:Type><a:Active>true</a:Active><a:CodeText>EDI</a:CodeText><a:CodeValue>E_EDI</a:CodeValue><a:OID>9044</a:OID><a:SimpleType i:nil="true"/></a:Type>
            <a:TypeCodeValue>E_EDI</a:TypeCodeValue>
          </a:ElectronicAddress>
          <a:ElectronicAddress>
            <a:Address>+4755000000</a:Address>
            <a:Type><a:CodeValue>E_PH</a:CodeValue></a:Type>
          </a:ElectronicAddress>
        </ElectronicAddresses>
        <FutureElectronicAddresses/>
        <HerId>8142987</HerId>
        <IsValidCommunicationParty>true</IsValidCommunicationParty>
        <LastChanged>2024-03-01T10:00:00</LastChanged>
        <Municipality i:nil="true"/>
        <Name>Fjordvik legekontor AS</Name>
        <ParentBusinessType i:nil="true"/>
        <ParentHerId>0</ParentHerId>
        <ParentName i:nil="true"/>
        <ParentOrganizationNumber>0</ParentOrganizationNumber>
        <PhysicalAddresses/>
        <ServerTime>2026-11-25T06:00:00</ServerTime>
        <Type>Organization</Type>
        <Valid><a:From>2020-01-01T00:00:00</a:From></Valid>
        <BusinessType i:nil="true"/>
        <IndustryCodes/>
        <OrganizationNumber>921543212</OrganizationNumber>
        <People>
          <OrganizationPerson>
            <Active>true</Active><HerId>8142989</HerId><IsValidCommunicationParty>true</IsValidCommunicationParty>
            <Name>Ingrid Kontorsen</Name><Type>Person</Type>
            <Organizations i:nil="true"/><Person i:nil="true"/><Properties/><Title>Kontaktperson</Title>
          </OrganizationPerson>
        </People>
        <Properties/>
        <Services>
          <Service>
            <Active>true</Active><HerId>8142993</HerId><Name>Kontakt legekontoret</Name><Type>Service</Type>
            <Code><a:CodeText>eKontakt</a:CodeText><a:CodeValue>DIALOG_INNBYGGER_EKONTAKT</a:CodeValue></Code>
          </Service>
        </Services>
      </GetOrganizationDetailsResult>
    </GetOrganizationDetailsResponse>
  </s:Body>
</s:Envelope>`;

function rejects(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => isGatewayError(err) && err.code === code);
}

describe('registry: SOAP messages per the WSDL', () => {
  it('reads GetOrganizationDetails: the party, its organisation number, people and services', () => {
    const org = readOrganizationAnswer(ORGANIZATION_ANSWER);
    assert.equal(org.herId, '8142987');
    assert.equal(org.type, 'Organization');
    assert.equal(org.active, true);
    assert.equal(org.isValid, true);
    assert.deepEqual(org.valid, { from: '2020-01-01T00:00:00' });
    assert.equal(org.parentHerId, undefined, 'xs:int 0 means none');
    assert.equal(org.organizationNumber, '921543212');
    assert.deepEqual(org.electronicAddresses, [
      { type: 'E_EDI', address: 'fjordvik@edi.test' },
      { type: 'E_PH', address: '+4755000000' },
    ]);
    assert.deepEqual(org.people, [{ herId: '8142989', name: 'Ingrid Kontorsen', title: 'Kontaktperson', active: true }]);
    assert.deepEqual(org.services, [
      { herId: '8142993', name: 'Kontakt legekontoret', code: { value: 'DIALOG_INNBYGGER_EKONTAKT', text: 'eKontakt' }, active: true },
    ]);
  });

  it('matches elements by namespace, not by prefix', () => {
    const renamed = ORGANIZATION_ANSWER.replace(/<(\/?)a:/g, '<$1cm:')
      .replace('xmlns:a=', 'xmlns:cm=')
      .replace(/<(\/?)s:/g, '<$1soap:')
      .replace('xmlns:s=', 'xmlns:soap=');
    assert.deepEqual(readOrganizationAnswer(renamed), readOrganizationAnswer(ORGANIZATION_ANSWER));
    // the same local names in another namespace are not the register's fields
    const foreign = ORGANIZATION_ANSWER.replace(
      '<OrganizationNumber>921543212</OrganizationNumber>',
      '<x:OrganizationNumber xmlns:x="urn:other">921543212</x:OrganizationNumber>',
    );
    assert.equal(readOrganizationAnswer(foreign).organizationNumber, undefined);
  });

  it('reads GetCommunicationPartyDetails of a derived type (i:type) and refuses a person as an organisation', () => {
    const person = ORGANIZATION_ANSWER.replace(/GetOrganizationDetails/g, 'GetCommunicationPartyDetails').replace(
      'xmlns:i="http://www.w3.org/2001/XMLSchema-instance">',
      'xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:type="OrganizationPerson">',
    );
    assert.equal(readCommunicationPartyAnswer(person).herId, '8142987');
    const asOrganization = person.replace(/GetCommunicationPartyDetails/g, 'GetOrganizationDetails');
    rejects(() => readOrganizationAnswer(asOrganization), 'AR_NOT_AN_ORGANIZATION');
  });

  it('reads CertificateDetails (base64 DER in the CertificateDetails namespace) and a nil certificate', () => {
    const der = new X509Certificate(readFileSync(new URL('../../../certs-sample/helsenorge-encryption.cert.pem', import.meta.url))).raw;
    const answer = (cert: string) =>
      `<s:Envelope xmlns:s="${NS.soap11}"><s:Body><GetCertificateDetailsForEncryptionResponse xmlns="${NS.party}">` +
      `<GetCertificateDetailsForEncryptionResult xmlns:b="${NS.certificate}" xmlns:i="${NS.xsi}">${cert}<b:LdapUrl>ldap://ldap.test/x</b:LdapUrl></GetCertificateDetailsForEncryptionResult>` +
      '</GetCertificateDetailsForEncryptionResponse></s:Body></s:Envelope>';
    const read = readCertificateAnswer(answer(`<b:Certificate>${der.toString('base64')}</b:Certificate>`), 'GetCertificateDetailsForEncryption');
    assert.ok(read);
    assert.deepEqual(new X509Certificate(read.pem).raw, der);
    assert.equal(read.ldapUrl, 'ldap://ldap.test/x');
    assert.equal(readCertificateAnswer(answer('<b:Certificate i:nil="true"/>'), 'GetCertificateDetailsForEncryption'), undefined);
    rejects(() => readCertificateAnswer(answer('<b:Certificate>bm90IGRlcg==</b:Certificate>'), 'GetCertificateDetailsForEncryption'), 'AR_RESPONSE_INVALID');
  });

  it('turns SOAP 1.1 and 1.2 faults into typed errors', () => {
    const fault11 = (code: string, detail: string) =>
      `<s:Envelope xmlns:s="${NS.soap11}"><s:Body><s:Fault><faultcode>${code}</faultcode><faultstring xml:lang="en-US">HerId not found</faultstring>` +
      `<detail>${detail}</detail></s:Fault></s:Body></s:Envelope>`;
    const generic = (errorCode: string) => `<GenericFault xmlns="${NS.common}"><ErrorCode>${errorCode}</ErrorCode><Message>words</Message></GenericFault>`;
    rejects(() => readCommunicationPartyAnswer(fault11('s:Client', generic('InvalidHerIdSupplied'))), 'AR_HER_ID_UNKNOWN');
    rejects(() => readCommunicationPartyAnswer(fault11('s:Client', generic('SomethingElse'))), 'AR_FAULT');
    rejects(() => readCommunicationPartyAnswer(fault11('s:Server', '')), 'AR_SERVER_FAULT');
    const validation = `<ValidationFault xmlns="${NS.common}"><Errors><ValidationError><Message>herId must be positive</Message></ValidationError></Errors><HasErrors>true</HasErrors></ValidationFault>`;
    assert.throws(
      () => readCertificateAnswer(fault11('s:Client', validation), 'GetCertificateDetailsForEncryption'),
      (err: unknown) => isGatewayError(err) && err.code === 'AR_FAULT' && (err.details?.validationErrors as string[])[0] === 'herId must be positive',
    );
    const fault12 =
      `<env:Envelope xmlns:env="${NS.soap12}"><env:Body><env:Fault><env:Code><env:Value>env:Sender</env:Value></env:Code>` +
      `<env:Reason><env:Text xml:lang="en">not found</env:Text></env:Reason><env:Detail>${generic('InvalidHerIdSupplied')}</env:Detail></env:Fault></env:Body></env:Envelope>`;
    rejects(() => readCommunicationPartyAnswer(fault12), 'AR_HER_ID_UNKNOWN');
  });

  it("refuses what is not the operation's answer", () => {
    rejects(() => readCommunicationPartyAnswer('not xml <'), 'AR_RESPONSE_INVALID');
    rejects(() => readCommunicationPartyAnswer('<html><body>proxy error</body></html>'), 'AR_RESPONSE_INVALID');
    rejects(() => readCommunicationPartyAnswer(ORGANIZATION_ANSWER), 'AR_RESPONSE_INVALID');
    rejects(() => readCommunicationPartyAnswer('<!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>'), 'AR_RESPONSE_INVALID');
  });

  it('writes each request as the document/literal element of its operation with xs:int herId', () => {
    for (const op of AR_OPERATIONS) {
      const envelope = readSoapXml(requestEnvelope(op, '8142987'));
      assert.equal(envelope.ns, NS.soap11);
      const request = envelope.children[0]!.children[0]!;
      assert.deepEqual([request.ns, request.name], [NS.party, op]);
      assert.deepEqual(
        request.children.map((c) => [c.ns, c.name, c.text]),
        [[NS.party, 'herId', '8142987']],
      );
    }
  });

  describe('against the WSDL itself', () => {
    let wsdl = '';
    before(function () {
      needsShared(this);
      wsdl = readFileSync(path.join(STANDARDS_DIR, 'ar', 'nhn-adresseregisteret-sok.wsdl'), 'utf8');
    });

    it('uses the SOAPAction the BasicHttpBinding gives each operation', () => {
      const basic = wsdl.slice(
        wsdl.indexOf('<wsdl:binding name="BasicHttpBinding_ICommunicationPartyService"'),
        wsdl.indexOf('<wsdl:binding name="WSHttpBinding'),
      );
      assert.match(basic, /<soap:binding transport="http:\/\/schemas.xmlsoap.org\/soap\/http"\/>/, 'SOAP 1.1');
      for (const op of AR_OPERATIONS) assert.ok(basic.includes(`soapAction="${soapActionOf(op)}"`), op);
    });

    it('reads the Result elements and fields the schema declares', () => {
      for (const op of AR_OPERATIONS) {
        assert.match(
          wsdl,
          new RegExp(`<xs:element name="${op}">\\s*<xs:complexType>\\s*<xs:sequence>\\s*<xs:element minOccurs="0" name="herId" type="xs:int"/>`),
          op,
        );
        assert.ok(wsdl.includes(`name="${op}Result"`), `${op}Result`);
      }
      for (const field of [
        'HerId',
        'IsValidCommunicationParty',
        'ParentHerId',
        'ParentOrganizationNumber',
        'ElectronicAddresses',
        'OrganizationNumber',
        'People',
        'Services',
        'TypeCodeValue',
        'LdapUrl',
      ])
        assert.ok(wsdl.includes(`name="${field}"`), field);
      assert.ok(wsdl.includes('<xs:element minOccurs="0" name="ErrorCode" nillable="true" type="xs:string"/>'));
    });
  });
});
