// The Temporal TLS settings, read as the Temporal CLI reads them: flags over TEMPORAL_TLS_* variables, a certificate
// only with its key, unreadable files named; no setting at all is plain TCP. (Refusals by a real mTLS frontend:
// test/temporal-server/.)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { temporalTls, TemporalTlsError } from '../../src/temporal-tls';

const dir = mkdtempSync(join(tmpdir(), 'cozy-tls-'));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const cert = file('client.pem', 'CERT');
const key = file('client-key.pem', 'KEY');
const ca = file('ca.pem', 'CA');

test('nothing set: plain TCP; TEMPORAL_TLS=true: TLS with the system CAs and no client certificate', () => {
  expect(temporalTls({}, {})).toBeUndefined();
  expect(temporalTls({}, { TEMPORAL_TLS: 'true' })).toEqual({});
});

test('the environment as the Temporal CLI names it; flags win over it', () => {
  const env = { TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' };
  expect(temporalTls({}, env)).toEqual({
    clientCertPair: { crt: Buffer.from('CERT'), key: Buffer.from('KEY') },
    serverRootCACertificate: Buffer.from('CA'),
    serverNameOverride: 'temporal.internal',
  });
  const other = file('other-ca.pem', 'OTHER');
  expect(temporalTls({ caPath: other, serverName: 'x' }, env)).toMatchObject({ serverRootCACertificate: Buffer.from('OTHER'), serverNameOverride: 'x' });
});

test('a certificate without its key, or a file that cannot be read, is refused by name', () => {
  expect(() => temporalTls({ certPath: cert }, {})).toThrow(TemporalTlsError);
  expect(() => temporalTls({}, { TEMPORAL_TLS_KEY: key })).toThrow(/a client certificate needs its key and a key its certificate/);
  expect(() => temporalTls({ caPath: join(dir, 'missing.pem') }, {})).toThrow(`cannot read the Temporal TLS CA certificate ${join(dir, 'missing.pem')}: ENOENT`);
});
