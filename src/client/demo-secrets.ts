/**
 * Sample sensitive lines for the plaintext-vs-TLS lab: what an eavesdropper
 * should (TCP) or should not (TLS) be able to read. All values are fake; the
 * SSN is one the US Social Security Administration says was never valid for use.
 */
export const DEMO_SECRETS: readonly string[] = Object.freeze([
  'username=alice',
  'password=correct-horse-battery-staple',
  'ssn=078-05-1120',
  'api_key=sk_live_51NetlabDemoKeyDoNotUse',
]);
