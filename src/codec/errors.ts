// Errors of the payload codec. Both say what was seen and what to do: a key source that cannot be used is a
// configuration problem (the CLI exits 2), a payload that cannot be decrypted is a failure of the request.

/** The key file or key reference cannot be read or holds no usable key. */
export class CodecKeyError extends Error {
  override name = 'CodecKeyError';
}

/** A payload could not be decoded: no key configured, an unknown key id, or a key that does not open it. */
export class CodecDecodeError extends Error {
  override name = 'CodecDecodeError';
}

/** True when err, or an error in its cause chain, is a codec error (the SDK may wrap what a codec throws). */
export function findCodecError(err: unknown): CodecKeyError | CodecDecodeError | undefined {
  let current: unknown = err;
  for (let depth = 0; current && depth < 10; depth++) {
    if (current instanceof CodecDecodeError || current instanceof CodecKeyError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
