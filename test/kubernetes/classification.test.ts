// Pure parts of the Kubernetes layer: how API errors map to the failure classification, and the version comparison
// of kubernetes.version.
import { ApplicationFailure } from '@temporalio/common';
import { kubernetesVersionAtLeast, parseKubernetesVersion } from '../../src/activities/kubernetes/version';
import { kubernetesErrorToFailure } from '../../src/activities/kubernetes/to-failure';
import { isMissingResourceType } from '../../src/kubernetes/errors';
import { KubernetesHttpError } from '../../src/kubernetes/raw-request';

/** An error shaped as the client's ApiException: HTTP code and the apiserver's Status body as a JSON string. */
function apiError(code: number, status: Record<string, unknown>): Error {
  return Object.assign(new Error(`HTTP-Code: ${code}`), { code, body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, ...status }) });
}

const ctx = { action: 'list CoreProviders', crd: 'coreproviders.operator.cluster.x-k8s.io' };

function classify(err: unknown): ApplicationFailure {
  const failure = kubernetesErrorToFailure(err, ctx);
  expect(failure).toBeInstanceOf(ApplicationFailure);
  return failure;
}

describe('error classification', () => {
  test('403 is a non-retryable PermissionError carrying the apiserver reason', () => {
    const f = classify(apiError(403, {
      reason: 'Forbidden',
      message: 'coreproviders.operator.cluster.x-k8s.io is forbidden: User "alice" cannot list resource "coreproviders" in API group "operator.cluster.x-k8s.io" at the cluster scope',
    }));
    expect(f.type).toBe('PermissionError');
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('User "alice" cannot list resource "coreproviders"');
    expect(f.message).toContain('RBAC');
  });

  test('404 for a resource type that is not served is a NotFoundError naming the CRD', () => {
    const f = classify(apiError(404, { reason: 'NotFound', message: 'the server could not find the requested resource', details: {} }));
    expect(f.type).toBe('NotFoundError');
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('the CRD coreproviders.operator.cluster.x-k8s.io is not installed');
  });

  test('a kind unknown to discovery is the same missing CRD', () => {
    const err = new Error('Unrecognized API version and kind: operator.cluster.x-k8s.io/v1alpha2 CoreProvider');
    expect(isMissingResourceType(err)).toBe(true);
    expect(classify(err).message).toContain('CRD coreproviders.operator.cluster.x-k8s.io is not installed');
  });

  test('404 for a missing object is a NotFoundError that names the object, not a CRD', () => {
    const f = classify(apiError(404, { reason: 'NotFound', message: 'coreproviders.operator.cluster.x-k8s.io "cluster-api" not found', details: { name: 'cluster-api', kind: 'coreproviders' } }));
    expect(f.type).toBe('NotFoundError');
    expect(f.message).toContain('"cluster-api" not found');
    expect(f.message).not.toContain('CRD');
  });

  test('401 is a non-retryable AuthError', () => {
    const f = classify(new KubernetesHttpError(401, JSON.stringify({ kind: 'Status', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }), 'GET', '/version'));
    expect(f.type).toBe('AuthError');
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('HTTP 401: Unauthorized');
  });

  test('422 is a non-retryable ValidationError', () => {
    const f = classify(apiError(422, { reason: 'Invalid', message: 'Namespace "Bad_Name" is invalid' }));
    expect(f.type).toBe('ValidationError');
    expect(f.nonRetryable).toBe(true);
  });

  test.each([409, 429, 500, 503, 504])('HTTP %i is retryable', (code) => {
    const f = classify(apiError(code, { message: `status ${code}` }));
    expect(f.type).toBe('TransientError');
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toContain(`HTTP ${code}`);
  });

  test('a network error (also wrapped as fetch wraps it) is retryable and says the server is unreachable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
    const wrapped = Object.assign(new Error('request to https://127.0.0.1:6443/version failed'), { cause: refused });
    for (const err of [refused, wrapped]) {
      const f = classify(err);
      expect(f.type).toBe('TransientError');
      expect(f.nonRetryable).toBe(false);
      expect(f.message).toContain('unreachable (ECONNREFUSED)');
    }
  });

  test('a watch error with statusCode is classified by it', () => {
    const f = classify(Object.assign(new Error('Forbidden'), { statusCode: 403 }));
    expect(f.type).toBe('PermissionError');
  });
});

describe('kubernetes.version comparison', () => {
  test.each([
    ['1.25', false],
    ['v1.25.16', false],
    ['1.26', true],
    ['v1.26.0-eks-1234abc', true],
    ['1.34.4', true],
    ['v1.34.4', true],
    ['v2.0.0', true],
    ['not-a-version', false],
  ])('%s against minimum 1.26 → %s', (version, ok) => {
    expect(kubernetesVersionAtLeast(version, '1.26')).toBe(ok);
  });

  test('parses vendor versions to MAJOR.MINOR', () => {
    expect(parseKubernetesVersion('v1.28.3+k3s1')).toEqual({ major: 1, minor: 28 });
    expect(parseKubernetesVersion('v1.26.0-eks-1234')).toEqual({ major: 1, minor: 26 });
    expect(parseKubernetesVersion('')).toBeUndefined();
  });
});
