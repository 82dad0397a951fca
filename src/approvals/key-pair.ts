// Making an ed25519 signing key pair in OpenSSH format (`cozy-proxmox key create`, the sandbox's approver key).
import { utils } from 'ssh2';

export interface SigningKeyPair {
  /** OpenSSH private key (PEM-like text). */
  private: string;
  /** `ssh-ed25519 AAAA... comment` */
  public: string;
}

/**
 * ssh2's generator strips leading zero bytes from the public key, so about one pair in 256 (those whose public key
 * starts with 0x00) comes out with a 31-byte key that no parser accepts (ssh2 issues 1390 and 1513, open). Such a
 * pair is thrown away and another made; every pair returned has been read back.
 */
export function generateSigningKeyPair(comment: string): SigningKeyPair {
  for (let attempt = 0; attempt < 16; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519', { comment });
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return pair;
  }
  // 16 bad pairs in a row happen with odds of 256^-16: a generator that is broken differently.
  throw new Error('could not make a readable ed25519 key pair');
}
