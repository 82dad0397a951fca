// Optional payload encryption for everything cozy-proxmox stores in Temporal, and the codec endpoint for the UI.
export { CodecDecodeError, CodecKeyError, findCodecError } from './errors';
export { CIPHER, ENCRYPTED_ENCODING, EncryptionCodec, isEncrypted, KEY_ID_METADATA, metadataText, MissingKeyCodec } from './encryption-codec';
export { KEY_FILE_ENV, KEY_REF_ENV, loadKeyring, type CodecOptions } from './key-source';
export { derivedKeyId, generateKeyLine, keyIds, parseKeyring, type CodecKey, type Keyring } from './keyring';
export { codecSetup, type CodecSetup } from './data-converter';
export { payloadsFromJson, payloadsToJson, type JsonPayload } from './payload-json';
export { startCodecServer, type CodecServerOptions, type RunningCodecServer } from './codec-server';
