import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redact } from '../src/core/log.js';

test('redact removes bearer headers, Google access tokens and JWTs', () => {
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YTpiIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
  const s = redact(`Authorization: Bearer abc.def token=ya29.c.b0AXv0zTOsomething ${jwt} sandbox-arm-${'x'.repeat(40)}`);
  assert.doesNotMatch(s, /abc\.def|ya29\.c|eyJhbGci|xxxxxxxx/);
  assert.match(s, /Authorization: Bearer \[redacted\]/);
});

test('redact keeps resource names that merely contain "sandbox"', () => {
  const s = 'projects/123/locations/global/workloadIdentityPools/wif-sandbox-aks-093e/providers/sandbox-eks-provider';
  assert.equal(redact(s), s);
});
