import ssh2 from 'ssh2';

// ssh2 is CommonJS: Node's own ESM loader (the benchmarks run without a bundler) sees only its default export.
const {utils} = ssh2;

/**
 * A fresh ed25519 key pair in OpenSSH form. ssh2's generateKeyPairSync cuts the leading zero bytes off a public key
 * that starts with one (mscdex/ssh2#1390, #1513): about one pair in 256, which ssh2's own parser then refuses and
 * which made tests fail at random. Such pairs are drawn again.
 */
export function generateSshKeyPair(): {private: string; public: string} {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return pair;
  }
}
