// Secret references resolved inside activities: env:, file: (trailing newline trimmed) and k8s: (read through the
// Kubernetes API; a minimal API server on loopback answers the one call the resolver makes).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSecret } from '../../src/activities/common/secrets';

describe('resolveSecret', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cozy-secrets-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads env: references', async () => {
    await expect(resolveSecret('env:SECRET_A', { env: { SECRET_A: 's3cret' } })).resolves.toBe('s3cret');
  });

  it('fails non-retryably, naming the variable, when it is unset', async () => {
    await expect(resolveSecret('env:SECRET_B', { env: {} })).rejects.toMatchObject({
      type: 'ValidationError',
      nonRetryable: true,
      message: expect.stringContaining('SECRET_B'),
    });
  });

  it('reads file: references without the trailing newline', async () => {
    const path = join(dir, 'pw');
    writeFileSync(path, 'p@ss word\n');
    await expect(resolveSecret(`file:${path}`)).resolves.toBe('p@ss word');
  });

  it('keeps inner newlines of a file', async () => {
    const path = join(dir, 'key');
    writeFileSync(path, 'line1\nline2\n');
    await expect(resolveSecret(`file:${path}`)).resolves.toBe('line1\nline2');
  });

  it('fails for a missing file', async () => {
    await expect(resolveSecret(`file:${join(dir, 'absent')}`)).rejects.toMatchObject({ type: 'ValidationError' });
  });

  it('rejects a value that is not a reference', async () => {
    await expect(resolveSecret('hunter2')).rejects.toMatchObject({ type: 'ValidationError' });
  });

  describe('k8s:', () => {
    let server: Server;
    let kubeconfig: string;
    const requests: string[] = [];

    beforeAll(async () => {
      server = createServer((req, res) => {
        requests.push(`${req.method} ${req.url}`);
        res.setHeader('Content-Type', 'application/json');
        if (req.url === '/api/v1/namespaces/cozy/secrets/proxmox') {
          res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'proxmox', namespace: 'cozy' }, data: { token: Buffer.from('abc-123').toString('base64') } }));
          return;
        }
        res.statusCode = 404;
        res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(
        kubeconfig,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters: [{name: local, cluster: {server: "http://127.0.0.1:' + port + '", insecure-skip-tls-verify: true}}]',
          'users: [{name: nobody, user: {}}]',
          'contexts: [{name: local, context: {cluster: local, user: nobody}}]',
          'current-context: local',
        ].join('\n'),
      );
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('reads a key of a Secret', async () => {
      await expect(resolveSecret('k8s:cozy/proxmox#token', { kubeconfig })).resolves.toBe('abc-123');
      expect(requests).toContain('GET /api/v1/namespaces/cozy/secrets/proxmox');
    });

    it('names a missing key', async () => {
      await expect(resolveSecret('k8s:cozy/proxmox#password', { kubeconfig })).rejects.toMatchObject({
        type: 'NotFoundError',
        message: expect.stringContaining('no key "password"'),
      });
    });

    it('names a missing Secret', async () => {
      await expect(resolveSecret('k8s:cozy/absent#token', { kubeconfig })).rejects.toMatchObject({
        type: 'NotFoundError',
        message: expect.stringContaining('cozy/absent'),
      });
    });
  });
});
