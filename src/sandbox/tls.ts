import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';

/**
 * The sandbox's TLS material, made without external binaries: an ECDSA P-256 CA and a server certificate for
 * `127.0.0.1`/`localhost`, written as DER by hand. Shaped to pass strict verifiers: Node, Go (kubectl) and
 * OpenSSL with X509_V_FLAG_X509_STRICT (Python 3.13's default in gcloud): CA with critical basicConstraints
 * CA:TRUE, keyUsage keyCertSign, SKI; leaf with SAN IP+DNS, AKI = CA's SKI, extendedKeyUsage serverAuth.
 */
export interface SandboxTls {
  caPem: string;
  caKeyPem: string;
  certPem: string;
  keyPem: string;
}

// --- minimal DER ---
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, content]);
}
const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => tlv(0x31, Buffer.concat(parts));
const octets = (b: Buffer) => tlv(0x04, b);
const bool = (b: boolean) => tlv(0x01, Buffer.from([b ? 0xff : 0]));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const explicit = (n: number, inner: Buffer) => tlv(0xa0 | n, inner);
const implicit = (n: number, content: Buffer) => tlv(0x80 | n, content);

function bits(b: Buffer, unused = 0): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([unused]), b]));
}
function uint(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return tlv(0x02, v[0] & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}
function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out = [40 * parts[0] + parts[1]];
  for (const p of parts.slice(2)) {
    const chunk = [p & 0x7f];
    for (let v = p >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'; // YYYYMMDDHHMMSSZ
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime after.
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2))) : tlv(0x18, Buffer.from(iso));
}

const OID = {
  ecPublicKey: '1.2.840.10045.2.1', p256: '1.2.840.10045.3.1.7', ecdsaSha256: '1.2.840.10045.4.3.2',
  cn: '2.5.4.3', o: '2.5.4.10', ski: '2.5.29.14', keyUsage: '2.5.29.15', san: '2.5.29.17',
  basicConstraints: '2.5.29.19', aki: '2.5.29.35', eku: '2.5.29.37', serverAuth: '1.3.6.1.5.5.7.3.1',
};

function name(cn: string): Buffer {
  return seq(set(seq(oid(OID.o), utf8('wif sandbox'))), set(seq(oid(OID.cn), utf8(cn))));
}
function ext(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}
function ecPoint(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
}
/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
function keyId(key: KeyObject): Buffer {
  return createHash('sha1').update(ecPoint(key)).digest();
}

interface CertInput {
  subject: string;
  issuer: string;
  publicKey: KeyObject;
  signer: KeyObject;
  notBefore: Date;
  notAfter: Date;
  extensions: Buffer[];
}

function certificate(c: CertInput): Buffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x01; // positive, 16 octets (RFC 5280 §4.1.2.2)
  const alg = seq(oid(OID.ecdsaSha256));
  const spki = seq(seq(oid(OID.ecPublicKey), oid(OID.p256)), bits(ecPoint(c.publicKey)));
  const tbs = seq(
    explicit(0, uint(Buffer.from([2]))), uint(serial), alg, name(c.issuer), seq(time(c.notBefore), time(c.notAfter)),
    name(c.subject), spki, explicit(3, seq(...c.extensions)),
  );
  return seq(tbs, alg, bits(sign('sha256', tbs, c.signer)));
}

function pem(der: Buffer): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}
const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** A new CA (10 years). */
export function createCa(now = new Date()): { caPem: string; caKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const kid = keyId(publicKey);
  const der = certificate({
    subject: 'wif sandbox CA', issuer: 'wif sandbox CA', publicKey, signer: privateKey,
    notBefore: new Date(now.getTime() - HOUR), notAfter: new Date(now.getTime() + 3650 * DAY),
    extensions: [
      ext(OID.basicConstraints, true, seq(bool(true))),
      ext(OID.keyUsage, true, bits(Buffer.from([0x86]), 1)), // digitalSignature, keyCertSign, cRLSign
      ext(OID.ski, false, octets(kid)),
      ext(OID.aki, false, seq(implicit(0, kid))),
    ],
  });
  return { caPem: pem(der), caKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string };
}

/** A server certificate for IP 127.0.0.1 and DNS localhost, signed by the CA (397 days). */
export function createServerCert(ca: { caPem: string; caKeyPem: string }, now = new Date()): { certPem: string; keyPem: string } {
  const caKey = createPrivateKey(ca.caKeyPem);
  const caPub = new X509Certificate(ca.caPem).publicKey;
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const san = seq(implicit(2, Buffer.from('localhost')), implicit(7, Buffer.from([127, 0, 0, 1])));
  const der = certificate({
    subject: 'wif sandbox server', issuer: 'wif sandbox CA', publicKey, signer: caKey,
    notBefore: new Date(now.getTime() - HOUR), notAfter: new Date(now.getTime() + 397 * DAY),
    extensions: [
      ext(OID.basicConstraints, true, seq()),
      ext(OID.keyUsage, true, bits(Buffer.from([0x80]), 7)), // digitalSignature
      ext(OID.eku, false, seq(oid(OID.serverAuth))),
      ext(OID.san, false, san),
      ext(OID.ski, false, octets(keyId(publicKey))),
      ext(OID.aki, false, seq(implicit(0, keyId(caPub)))),
    ],
  });
  return { certPem: pem(der), keyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string };
}

/**
 * The CA from `existing` when it is well-formed, matches its key and is valid for 30 more days; otherwise a new
 * one. Then a fresh server certificate. Reusing the CA keeps a trusted `ca.pem` valid across restarts.
 */
export function sandboxTls(existing: { caPem?: string; caKeyPem?: string } = {}, now = new Date()): SandboxTls {
  const ca = reusableCa(existing, now) ?? createCa(now);
  return { ...ca, ...createServerCert(ca, now) };
}

function reusableCa(e: { caPem?: string; caKeyPem?: string }, now: Date): { caPem: string; caKeyPem: string } | undefined {
  if (!e.caPem || !e.caKeyPem) return undefined;
  try {
    const cert = new X509Certificate(e.caPem);
    if (!cert.ca || !cert.checkPrivateKey(createPrivateKey(e.caKeyPem))) return undefined;
    if (new Date(cert.validTo).getTime() < now.getTime() + 30 * DAY) return undefined;
    return { caPem: e.caPem, caKeyPem: e.caKeyPem };
  } catch {
    return undefined;
  }
}
