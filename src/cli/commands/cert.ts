/** `netlab cert`: a self-signed certificate and key, like `openssl req -x509 -newkey ... -nodes`. */
import type { Command } from 'commander';
import { join } from 'node:path';
import { DEFAULTS } from '../../constants.js';
import { UsageError } from '../../errors.js';
import { createSelfSignedCertificate, writeCertificateFiles } from '../../tls/certificate.js';
import { examples } from '../help.js';
import { Output } from '../output.js';
import { collect, positiveInteger } from '../parse.js';

interface CertFlags {
  cn: string;
  san?: string[];
  days: number;
  ec?: boolean;
  rsa?: boolean;
  out: string;
  json?: boolean;
}

export function registerCert(program: Command): void {
  program
    .command('cert')
    .summary('make a self-signed TLS certificate (cert.pem) and key (key.pem)')
    .description(
      'Write cert.pem and key.pem (mode 0600) — what `openssl req -x509 -newkey ... -nodes` does in the labs. ' +
        'The certificate always names the CN, localhost, 127.0.0.1 and ::1, so a client given it with --ca verifies any of them.',
    )
    .option('--cn <name>', 'subject common name', 'localhost')
    .option('--san <name>', 'extra subject alternative name: a DNS name or IP address (repeatable, or comma-separated)', collect)
    .option('--days <n>', 'validity in days', positiveInteger('number of days'), DEFAULTS.certificateDays)
    .option('--ec', 'ECDSA P-256 key (the default)')
    .option('--rsa', 'RSA 2048-bit key')
    .option('--out <dir>', 'directory to write into', '.')
    .option('--json', 'print what was written as one JSON document')
    .addHelpText(
      'after',
      examples('netlab cert --out certs', 'netlab cert --cn lab.test --san 10.0.0.5 --rsa --days 30', 'netlab serve tls --cert certs/cert.pem --key certs/key.pem'),
    )
    .action(async (flags: CertFlags) => makeCertificate(flags));
}

async function makeCertificate(flags: CertFlags): Promise<void> {
  if (flags.ec === true && flags.rsa === true) throw new UsageError('choose one of --ec and --rsa');
  const sans = (flags.san ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  const keyType = flags.rsa === true ? 'rsa' : 'ec';
  const cert = await createSelfSignedCertificate({ commonName: flags.cn, subjectAltNames: sans, days: flags.days, keyType });
  const { certPath, keyPath } = await writeCertificateFiles(cert, flags.out);
  const out = new Output(flags);
  if (out.json) {
    out.event({
      cert: certPath,
      key: keyPath,
      key_type: keyType === 'rsa' ? 'RSA 2048' : 'ECDSA P-256',
      subject: `CN=${flags.cn}`,
      subject_alt_names: cert.subjectAltNames,
      not_after: cert.notAfter.toISOString(),
      fingerprint256: cert.fingerprint256,
    });
    return;
  }
  out.info(`wrote ${certPath} and ${keyPath} (mode 0600)`);
  out.info(`  key          ${keyType === 'rsa' ? 'RSA 2048' : 'ECDSA P-256'}`);
  out.info(`  subject      CN=${flags.cn}`);
  out.info(`  names        ${cert.subjectAltNames.join(', ')}`);
  out.info(`  valid until  ${cert.notAfter.toISOString()}`);
  out.info(`  SHA-256      ${cert.fingerprint256}`);
  out.info(`use it:  netlab serve tls --cert ${certPath} --key ${keyPath}`);
  out.info(`trust it: netlab connect tls localhost 5443 --ca ${join(flags.out, 'cert.pem')}`);
}
